"""Values shared by the usage ledger tests: the schedule, the lease, the budget, enum values."""

from __future__ import annotations

from eth_hash.auto import keccak

ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
ARBITER_ROLE = keccak(b"leasehold.role.arbiter")
GPU = b"gpu.h100".ljust(32, b"\x00")
ANY_PRICE = 2**96 - 1
LEASE_PRICE = 10**9
GPU_SECONDS = b"gpu.seconds".ljust(16, b"\x00")
TOKENS = b"tokens".ljust(16, b"\x00")
GPU_PRICE = 10**12  # per GPU-second
TOKEN_PRICE = 10**6  # per inference token
WINDOW = 3600
BUDGET = 10**18
UNITS = 2
DAY = 24 * 3600
HOUR = 3600

# IUsageLedger.StatementStatus
NONE, PENDING, ACCEPTED, DISPUTED, RESOLVED, WITHDRAWN, RETURNED, CLAIMED = range(8)

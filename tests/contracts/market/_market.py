"""Values shared by the lease market tests: the standard pool, tenant and lease, and enum values."""

from __future__ import annotations

from eth_hash.auto import keccak

ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
PROVIDER_ROLE = keccak(b"leasehold.role.provider")
GPU = b"gpu.h100".ljust(32, b"\x00")
CPU = b"cpu.x86".ljust(32, b"\x00")
UINT128_MAX = 2**128 - 1
ANY_PRICE = (
    2**96 - 1
)  # a maxPricePerUnitSecond that accepts any price (tests not about price protection)

# The standard pool: 10 GPU units at 1 gwei per unit-second, leases of 1 minute to 30 days.
CAPACITY = 10
PRICE = 10**9
MIN_DURATION = 60
MAX_DURATION = 30 * 24 * 3600
QUOTA = 8
ESCROW = 10**18  # free escrow of the standard tenant (`funded_tenant`)
UNITS = 2  # the standard lease (`lease_id`): 2 units for an hour
HOUR = 3600

# Enum values (contracts/common/Types.sol).
POOL_NONE, POOL_OPEN, POOL_PAUSED, POOL_RETIRED = range(4)
LEASE_NONE, LEASE_ACTIVE, LEASE_CLOSED = range(3)
NO_REASON, EXPIRED, RELEASED, BY_PROVIDER, BY_ADMIN, TENANT_CLOSED = range(6)

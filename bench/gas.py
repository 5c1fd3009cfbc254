"""Receipt gas of each contract operation on Anvil, written as the table in ``bench/GAS.md``.

Run ``make gas`` (or ``python bench/gas.py``): it compiles with ape, starts its own Anvil (hardfork
cancun, as ape-foundry runs it), deploys, runs every scenario once in a steady state (journal slots
already written, accounts and slots cold as in any fresh transaction, calldata without zero bytes:
the worst case) and writes the table. Exit status 1 when an operation is over its budget.

Each row is a :class:`Scenario`: an operation name, a function that performs it on a :class:`Bench`
and returns the gas to report, a budget and a reference. Add rows by appending to ``SCENARIOS``.

The LeaseMarket rows mirror ``tests/contracts/market/test_market_gas.py``, which asserts the same
budgets: each runs in a chain snapshot of the tests' scene (an ETH market, a funded tenant with a
GPU quota, a GPU pool: :func:`setup_market`), reverted afterwards as each test starts afresh. Their
arguments are the tests' (small ids, one unit, an hour); amounts have no zero byte.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import _readme  # bench/, on the path when this runs as a script
import gas_usage  # bench/, likewise
from web3 import Web3
from web3.types import RPCEndpoint

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
OUT = ROOT / "bench" / "GAS.md"
MNEMONIC = "test test test test test test test test test test test junk"
HARDFORK = "cancun"
ADMIN_DELAY = 3 * 24 * 3600
PROVIDER_ROLE = Web3.keccak(text="leasehold.role.provider")
# Price protection: a maximum price without zero bytes (calldata at its most), above every price.
MAX_PRICE = 2**96 - 1
SOURCES = (
    "TenantRegistry.sol",
    "DataAnchor.sol",
    "LeaseMarket.sol",
    "UsageLedger.sol",
    "test/AccessControlReference.sol",
    "test/MockERC20.sol",
)
URI_64 = "ipfs://" + "b" * 57  # 64 bytes, none zero
ZERO_ADDRESS = "0x" + "00" * 20
# The lease market tests' values (tests/contracts/market/_market.py, test_market_gas.py).
GPU = b"gpu.h100".ljust(32, b"\0")
CPU = b"cpu.x86".ljust(32, b"\0")
PRICE, MIN_DURATION, MAX_DURATION, HOUR = 10**9, 60, 30 * 24 * 3600, 3600
ESCROW = 10**18
AMOUNT = ESCROW - 1  # a deposit or withdrawal: 8 bytes, none zero (0x0de0b6b3a763ffff)
# Accounts by role, as in tests/contracts/conftest.py; the last two are the claim test's
# accounts[8] and accounts[9].
ROLES = (
    "admin",
    "tenant_owner",
    "operator",
    "provider",
    "stranger",
    "other",
    "second_admin",
    "second_provider",
    "owner_8",
    "owner_9",
)


def nonzero_word(label: str) -> bytes:
    """A deterministic 32-byte value without zero bytes (so calldata costs its maximum)."""
    for n in range(1000):
        word = hashlib.sha256(f"{label}/{n}".encode()).digest()
        if 0 not in word:
            return word
    raise AssertionError("unreachable")


def intrinsic_gas(data: bytes) -> int:
    """21,000 plus calldata (4 per zero byte, 16 per other byte), as charged before execution."""
    return 21_000 + sum(4 if b == 0 else 16 for b in data)


@dataclass
class Bench:
    """An Anvil chain with the project deployed and role-named accounts."""

    w3: Web3
    contracts: dict[str, Any] = field(default_factory=dict)
    artifacts: dict[str, Any] = field(default_factory=dict)
    tenant_id: int = 0
    market_tenant: int = 0
    notes: dict[str, list[str]] = field(default_factory=dict)

    def account(self, role: str) -> str:
        """Accounts by role (``ROLES``)."""
        return str(self.w3.eth.accounts[ROLES.index(role)])

    def deploy(self, name: str, *args: Any, key: str | None = None) -> Any:
        """Deploy a compiled contract from the admin account; kept as ``contracts[key or name]``."""
        artifact = self.artifacts[name]
        factory = self.w3.eth.contract(
            abi=artifact["abi"], bytecode=artifact["deploymentBytecode"]["bytecode"]
        )
        receipt = self.wait(factory.constructor(*args).transact({"from": self.account("admin")}))
        contract = self.w3.eth.contract(address=receipt["contractAddress"], abi=artifact["abi"])
        self.contracts[key or name] = contract
        return contract

    def send(self, call: Any, role: str, value: int = 0) -> Any:
        """Send one transaction, wait for it, fail loudly if it reverted."""
        return self.wait(call.transact({"from": self.account(role), "value": value}))

    def wait(self, tx_hash: Any) -> Any:
        receipt = self.w3.eth.wait_for_transaction_receipt(tx_hash)
        if receipt["status"] != 1:
            raise RuntimeError(f"transaction {tx_hash.hex()} reverted")
        return receipt

    def gas(self, call: Any, role: str, value: int = 0) -> int:
        """Receipt gas of one transaction."""
        return int(self.send(call, role, value)["gasUsed"])

    def execution_gas(self, call: Any, role: str) -> int:
        """Gas of one call's execution: receipt gas less the intrinsic 21,000 and calldata."""
        receipt = self.send(call, role)
        data = bytes(self.w3.eth.get_transaction(receipt["transactionHash"])["input"])
        return int(receipt["gasUsed"]) - intrinsic_gas(data)

    def reverted_execution_gas(self, call: Any, role: str) -> int:
        """``execution_gas`` of a call that reverts (sent with a fixed gas limit: no estimate)."""
        tx_hash = call.transact({"from": self.account(role), "gas": 1_000_000})
        receipt = self.w3.eth.wait_for_transaction_receipt(tx_hash)
        if receipt["status"] != 0:
            raise RuntimeError(f"transaction {tx_hash.hex()} was expected to revert")
        data = bytes(self.w3.eth.get_transaction(tx_hash)["input"])
        return int(receipt["gasUsed"]) - intrinsic_gas(data)

    def register(self, role: str, uri: str = "ipfs://tenant") -> int:
        """Register a tenant owned by ``role``; its id."""
        registry = self.contracts["TenantRegistry"]
        receipt = self.send(registry.functions.register(uri, b"\x11" * 32), role)
        return int(registry.events.TenantRegistered().process_receipt(receipt)[0].args.tenantId)

    def advance(self, seconds: int) -> None:
        """Mine a block ``seconds`` later: what the next transaction sees as the time."""
        self.w3.provider.make_request(RPCEndpoint("evm_increaseTime"), [seconds])
        self.w3.provider.make_request(RPCEndpoint("evm_mine"), [])

    @contextmanager
    def isolated(self) -> Iterator[None]:
        """Run in a chain snapshot, reverted on exit (each market test starts from its scene)."""
        snapshot = self.w3.provider.make_request(RPCEndpoint("evm_snapshot"), [])["result"]
        try:
            yield
        finally:
            self.w3.provider.make_request(RPCEndpoint("evm_revert"), [snapshot])

    def note(self, section: str, text: str) -> None:
        """A line under ``section`` in the page's notes."""
        self.notes.setdefault(section, []).append(text)


@dataclass(frozen=True)
class Scenario:
    """One row of the table.

    Attributes:
        operation: What is measured, as the table shows it.
        measure: Performs the operation on the bench and returns the gas to report.
        budget: Highest acceptable figure (None: reported only).
        reference: What to compare with (figures measured elsewhere are quoted as such).
    """

    operation: str
    measure: Callable[[Bench], int]
    budget: int | None = None
    reference: str = ""


# ------------------------------------------------------------------------------------- set-up


def setup(bench: Bench) -> None:
    """Deploy and bring every journal to a steady state (written at least once)."""
    registry = bench.deploy("TenantRegistry", bench.account("admin"), ADMIN_DELAY)
    bench.deploy("DataAnchor", registry.address)
    bench.deploy("AccessControlReference")
    bench.send(registry.functions.grantRole(PROVIDER_ROLE, bench.account("provider")), "admin")
    bench.tenant_id = bench.register("tenant_owner")
    far = bench.w3.eth.get_block("latest")["timestamp"] + 365 * 24 * 3600
    bench.send(
        registry.functions.grantOperator(bench.tenant_id, bench.account("operator"), far),
        "tenant_owner",
    )
    anchor = bench.contracts["DataAnchor"]
    bench.send(anchor.functions.anchor(bench.tenant_id, nonzero_word("warm-up")), "tenant_owner")
    setup_market(bench)


def setup_market(bench: Bench) -> None:
    """The scene of ``tests/contracts/market/test_market_gas.py``, on an ETH and an ERC-20 market.

    A tenant of its own (``market_tenant``, owned by tenant_owner, so the registry rows keep theirs)
    with a GPU quota of 1,000 and ``ESCROW`` of free escrow, pool 1 of 1,000 GPU units by the
    provider, and each market's journal written first by a 1-wei deposit for another tenant.
    """
    registry = bench.contracts["TenantRegistry"]
    market = bench.deploy("LeaseMarket", registry.address, ZERO_ADDRESS)
    token = bench.deploy("MockERC20")
    token_market = bench.deploy("LeaseMarket", registry.address, token.address, key="TokenMarket")
    bench.send(
        registry.functions.grantRole(PROVIDER_ROLE, bench.account("second_provider")), "admin"
    )
    bench.market_tenant = bench.register("tenant_owner")
    other = bench.register("other")
    bench.send(registry.functions.setQuota(bench.market_tenant, GPU, 1_000), "admin")
    # An operator of the market tenant with a limited allowance and longest lease in both markets
    # (worst case: each of its opens and extends reads, spends and journals the allowance).
    far = bench.w3.eth.get_block("latest")["timestamp"] + 365 * 24 * 3600
    operator = bench.account("operator")
    for contract in (market, token_market):
        limits = contract.functions.setOperatorLimits(
            bench.market_tenant, operator, AMOUNT, MAX_DURATION
        )
        bench.send(limits, "tenant_owner")
    bench.send(registry.functions.grantOperator(bench.market_tenant, operator, far), "tenant_owner")
    bench.send(market.functions.deposit(other, 1), "other", value=1)
    bench.send(
        market.functions.createPool(GPU, 1_000, PRICE, MIN_DURATION, MAX_DURATION), "provider"
    )
    bench.send(market.functions.deposit(bench.market_tenant, ESCROW), "tenant_owner", value=ESCROW)
    for role in ("other", "tenant_owner", "stranger"):
        bench.send(token.functions.mint(bench.account(role), 10 * AMOUNT), role)
        bench.send(token.functions.approve(token_market.address, 10 * AMOUNT), role)
    bench.send(token_market.functions.deposit(other, 1), "other")
    bench.send(token_market.functions.deposit(bench.market_tenant, ESCROW), "tenant_owner")
    gas_usage.setup_usage(bench)


# ---------------------------------------------------------------------------------- scenarios


# The storage and registry costs every new anchor pays whatever the code: a new record slot (cold
# SLOAD + SSTORE from zero), the journal slot (cold SLOAD + SSTORE of a non-zero word) and the
# registry's cold account and its tenant slot read by isAuthorized.
RECORD_SLOT, JOURNAL_SLOT, REGISTRY_COLD = 22_100, 5_000, 4_700


ANCHOR_NOTES = "Where an anchor's gas goes"
BATCH_NOTES = "Why anchorBatch with a 64-byte URI is over its budget"
MARKET_NOTES = "Claim per lease"


def floor_note(bench: Bench, operation: str, receipt: Any) -> int:
    """Record where an anchor's gas goes: the unavoidable part and what execution adds to it.
    Returns the floor."""
    data = bytes(bench.w3.eth.get_transaction(receipt["transactionHash"])["input"])
    calldata = intrinsic_gas(data) - 21_000
    log = sum(
        375 + 375 * len(entry["topics"]) + 8 * len(entry["data"]) for entry in receipt["logs"]
    )
    floor = 21_000 + calldata + RECORD_SLOT + JOURNAL_SLOT + REGISTRY_COLD + log
    bench.note(
        ANCHOR_NOTES,
        f"{operation}: floor {floor:,} = 21,000 base + {calldata:,} calldata + 22,100 record slot "
        f"+ 5,000 journal slot + 4,700 registry account and tenant slot + {log:,} log; "
        f"execution around them (dispatch, ABI decoding in both contracts, hashing) "
        f"{int(receipt['gasUsed']) - floor:,}.",
    )
    return floor


def _anchor(role: str) -> Callable[[Bench], int]:
    def measure(bench: Bench) -> int:
        digest = nonzero_word(f"anchor-{role}")
        call = bench.contracts["DataAnchor"].functions.anchor(bench.tenant_id, digest)
        receipt = bench.send(call, role)
        floor_note(bench, f"anchor by {role.replace('_', ' ')}", receipt)
        return int(receipt["gasUsed"])

    return measure


def _anchor_batch(uri: str, budget: int | None = None) -> Callable[[Bench], int]:
    """anchorBatch of a root without zero bytes, count 2^32-1; with a budget, explain an excess."""

    def measure(bench: Bench) -> int:
        root = nonzero_word(f"batch-{len(uri)}")
        call = bench.contracts["DataAnchor"].functions.anchorBatch(
            bench.tenant_id, root, 0xFFFFFFFF, uri
        )
        receipt = bench.send(call, "tenant_owner")
        floor = floor_note(bench, f"anchorBatch, {len(uri)}-byte URI", receipt)
        gas = int(receipt["gasUsed"])
        if budget is not None and gas > budget:
            _batch_over_note(bench, uri, gas, floor, budget)
        return gas

    return measure


def _anchor_files(hiding: bool, batch: bool) -> Callable[[Bench], int]:
    """anchor (one file) or anchorBatch (8 files, empty URI) as ``leasehold anchor`` builds them:
    plain digests, or salted commitments (``offchain.anchoring.commitment``), computed off chain.
    Files, then salts, are drawn until the value sent has no zero byte, like every row's digests:
    so the two kinds send the same calldata cost, and any gap would be the contract's."""
    from offchain.anchoring.commitment import new_salt, salted_leaf
    from offchain.anchoring.merkle import MerkleTree, digest_bytes

    def value_of(tag: int) -> tuple[bytes, int]:
        files = [f"form {tag}.{i}: approved=yes\n".encode() for i in range(8 if batch else 1)]
        leaves = [digest_bytes(f) for f in files]
        if hiding:
            leaves = [salted_leaf(new_salt(), d) for d in leaves]
        return (MerkleTree.of(leaves).root, len(leaves)) if batch else (leaves[0], 0)

    def measure(bench: Bench) -> int:
        value, count = next(v for v in map(value_of, range(1000)) if 0 not in v[0])
        anchor = bench.contracts["DataAnchor"].functions
        call = (
            anchor.anchorBatch(bench.tenant_id, value, count, "")
            if batch
            else anchor.anchor(bench.tenant_id, value)
        )
        return int(bench.send(call, "tenant_owner")["gasUsed"])

    return measure


def _batch_over_note(bench: Bench, uri: str, gas: int, floor: int, budget: int) -> None:
    """What of an anchorBatch no change to DataAnchor's code can remove, against its budget."""
    anchor = bench.contracts["DataAnchor"]
    registry = bench.contracts["TenantRegistry"]
    with bench.isolated():
        # The same call with a zero root reverts at its first check: dispatch and ABI decoding
        # (and a short revert) are all it executes.
        zero_root = anchor.functions.anchorBatch(bench.tenant_id, b"\0" * 32, 0xFFFFFFFF, uri)
        decoding = bench.reverted_execution_gas(zero_root, "tenant_owner")
        call = registry.functions.isAuthorized(bench.tenant_id, bench.account("tenant_owner"))
        registry_code = bench.execution_gas(call, "stranger") - 2_100  # the slot is in the floor
    fixed = floor + decoding + registry_code
    entry = 32 * 3 + 32 * 5 + (len(uri) + 31) // 32 * 32  # 3 topics, 4 head words, length, uri
    keccaks = sum(30 + 6 * ((n + 31) // 32) for n in (64, entry, 56))  # slot, entry, head
    fits = _longest_batch_uri(bench, budget)
    bench.note(
        BATCH_NOTES,
        f"anchorBatch, {len(uri)}-byte URI: {gas:,} against {budget:,}. Its floor is {floor:,} "
        f"(above). On top of it, what no change to DataAnchor's code removes: {decoding:,} for its "
        f"selector dispatch and the ABI decoding the compiler generates for (uint64, bytes32, "
        f"uint32, string) (measured as the same call with a zero root, which stops at its first "
        f"check: that check and its revert are in the figure too), and {registry_code:,} for the "
        f"registry's isAuthorized around its slot (its dispatch, decoding and check: the "
        f"isAuthorized row less the 2,100 of its slot). That is {fixed:,}, leaving "
        f"{budget - fixed:,} of the budget for everything else the function does, which takes "
        f"{gas - fixed:,}: its three keccaks alone take {keccaks} (the record's slot, the "
        f"{entry}-byte journal entry, the 56-byte journal head); the rest is the input checks, the "
        f"registry call's set-up and answer, packing the record word, writing the entry and the "
        f"log's arguments.",
    )
    bench.note(
        BATCH_NOTES,
        "Experiments, not kept: everything after the input checks written as one assembly block "
        "(record slot, registry call, record word, entry, journal, log) measured 60,345, and "
        "60,201 with the same code compiled via-IR. Even with the registry's check itself free "
        "(258 of its 727 are not dispatch and decoding) the first would be 60,087: the budget is "
        "out of reach without changing the ABI, the event or the journal encoding.",
    )
    within = f"URIs of up to {fits} bytes" if fits >= 0 else "not even an empty URI"
    bench.note(BATCH_NOTES, f"Within {budget:,} (count 2^32-1, URI bytes none zero): {within}.")


def _longest_batch_uri(bench: Bench, budget: int) -> int:
    """The longest URI (in bytes, none zero) whose anchorBatch fits ``budget`` (binary search)."""

    def fits(length: int) -> bool:
        with bench.isolated():
            root = nonzero_word(f"batch-fit-{length}")
            call = bench.contracts["DataAnchor"].functions.anchorBatch(
                bench.tenant_id, root, 0xFFFFFFFF, "b" * length
            )
            return bench.gas(call, "tenant_owner") <= budget

    if not fits(0):
        return -1
    low, high = 0, 256  # fits(low); 256 is DataAnchor's MAX_URI_LENGTH
    while low < high:
        middle = (low + high + 1) // 2
        low, high = (middle, high) if fits(middle) else (low, middle - 1)
    return low


def _revoke(bench: Bench) -> int:
    anchor = bench.contracts["DataAnchor"]
    digest = nonzero_word("to-revoke")
    bench.send(anchor.functions.anchor(bench.tenant_id, digest), "tenant_owner")
    return bench.gas(anchor.functions.revoke(digest, 7), "tenant_owner")


def _verify_depth(depth: int, pattern: str) -> Callable[[Bench], int]:
    """verifyInclusion of a leaf at ``depth``: a path hashed up to a root, then anchored.

    The sorted-pair hash costs a little more when the running hash is the larger of the two, so the
    gas depends on the proof: ``random`` reports the highest of 8 random paths, ``worst`` a path
    whose every sibling is smaller than the running hash.
    """

    def one(bench: Bench, leaf: bytes, proof: list[bytes]) -> int:
        sys.path.insert(0, str(ROOT))
        from offchain.anchoring.merkle import process_proof

        root = process_proof(leaf, proof)
        anchor = bench.contracts["DataAnchor"]
        bench.send(
            anchor.functions.anchorBatch(bench.tenant_id, root, 1 << depth, ""), "tenant_owner"
        )
        call = anchor.functions.verifyInclusion(root, leaf, proof)
        assert call.call()[0], "the depth proof must verify"
        return bench.execution_gas(call, "stranger")

    def measure(bench: Bench) -> int:
        if pattern == "worst":
            smallest = [b"\x01" * 31 + bytes([i + 1]) for i in range(depth)]
            return one(bench, nonzero_word("verify-worst"), smallest)
        runs = [
            one(
                bench,
                nonzero_word(f"leaf-{k}"),
                [nonzero_word(f"sib-{k}-{i}") for i in range(depth)],
            )
            for k in range(8)
        ]
        bench.note(
            ANCHOR_NOTES,
            f"verifyInclusion depth {depth}, 8 random paths: {min(runs):,} to {max(runs):,} "
            "(execution).",
        )
        return max(runs)

    return measure


def _grant_operator(bench: Bench) -> int:
    registry = bench.contracts["TenantRegistry"]
    far = bench.w3.eth.get_block("latest")["timestamp"] + 365 * 24 * 3600
    call = registry.functions.grantOperator(bench.tenant_id, bench.account("stranger"), far)
    return bench.gas(call, "tenant_owner")


def _set_operator_limits(bench: Bench, market: Any) -> int:
    call = market.functions.setOperatorLimits(
        bench.market_tenant, bench.account("stranger"), AMOUNT, MAX_DURATION
    )
    return bench.gas(call, "tenant_owner")


def _oz_grant_role(bench: Bench) -> int:
    reference = bench.contracts["AccessControlReference"]
    return bench.gas(
        reference.functions.grantRole(PROVIDER_ROLE, bench.account("stranger")), "admin"
    )


def _registry(name: str, role: str, *args: Any) -> Callable[[Bench], int]:
    def measure(bench: Bench) -> int:
        registry = bench.contracts["TenantRegistry"]
        values = [bench.tenant_id if a == "<tenant>" else a for a in args]
        values = [
            bench.account(v[1:]) if isinstance(v, str) and v[:1] == "@" else v for v in values
        ]
        return bench.gas(getattr(registry.functions, name)(*values), role)

    return measure


def _register(bench: Bench) -> int:
    registry = bench.contracts["TenantRegistry"]
    return bench.gas(registry.functions.register(URI_64[:32], b"\x22" * 32), "other")


# --------------------------------------------------------------------------- lease market


def _in_scene(
    body: Callable[[Bench, Any], int], market: str = "LeaseMarket"
) -> Callable[[Bench], int]:
    """A market scenario: ``body(bench, market)`` in a snapshot of the scene, reverted after."""

    def measure(bench: Bench) -> int:
        with bench.isolated():
            return body(bench, bench.contracts[market])

    return measure


def _open(
    bench: Bench, market: Any, tenant: int = 0, owner: str = "tenant_owner"
) -> tuple[int, int]:
    """Open a lease of one unit for an hour in pool 1; its id and the receipt gas."""
    call = market.functions.openLease(tenant or bench.market_tenant, 1, 1, HOUR, MAX_PRICE)
    receipt = bench.send(call, owner)
    lease = int(market.events.LeaseOpened().process_receipt(receipt)[0].args.leaseId)
    return lease, int(receipt["gasUsed"])


def _open_first(bench: Bench, market: Any) -> int:
    return _open(bench, market)[1]


# What a limited operator's open or extend pays beyond the owner's: its grant slot in the registry
# (cold: the owner's check reads only the tenant slot), its limits slot in the market (cold read,
# then a write of a non-zero slot) and the OperatorAllowanceSpent log (3 topics, 3 data words).
GRANT_SLOT, LIMITS_SLOT, SPENT_LOG = 2_100, 2_100 + 2_900, 375 + 3 * 375 + 3 * 32 * 8
OPERATOR_NOTES = "Where a limited operator's gas goes"


def _operator_note(bench: Bench, operation: str, owner: int, operator: int) -> None:
    extra = operator - owner
    rest = extra - GRANT_SLOT - LIMITS_SLOT - SPENT_LOG
    bench.note(
        OPERATOR_NOTES,
        f"{operation}: {operator:,} = the owner's {owner:,} + {extra:,}: {GRANT_SLOT:,} the "
        f"operator's grant slot in the registry (cold), {LIMITS_SLOT:,} its limits slot in the "
        f"market (cold read 2,100, write 2,900), {SPENT_LOG:,} the OperatorAllowanceSpent log, "
        f"{rest:,} the rest (the duration and allowance checks, the entry's encoding, its two "
        "keccaks and the journal slot already written by the lease's own event).",
    )


def _open_first_by_operator(bench: Bench, market: Any) -> int:
    with bench.isolated():
        owner = _open(bench, market)[1]
    gas = _open(bench, market, owner="operator")[1]
    _operator_note(bench, "openLease (first lease in the class)", owner, gas)
    return gas


def _extend_by_operator(bench: Bench, market: Any) -> int:
    lease, _ = _open(bench, market)
    bench.advance(10)
    with bench.isolated():
        owner = bench.gas(market.functions.extendLease(lease, 600, MAX_PRICE), "tenant_owner")
    gas = bench.gas(market.functions.extendLease(lease, 600, MAX_PRICE), "operator")
    _operator_note(bench, "extendLease", owner, gas)
    floor = owner + GRANT_SLOT + LIMITS_SLOT
    bench.note(
        OPERATOR_NOTES,
        f"extendLease by a limited operator within 50,000 is out of reach: the owner's extend "
        f"takes {owner:,}, and the two slots any per-operator allowance must touch (the grant's "
        f"expiry, its remaining allowance: cold reads and one write) bring it to {floor:,} before "
        "any code or log; kept in one slot (the grant moved into the market) it would still be "
        f"{owner + LIMITS_SLOT:,}.",
    )
    return gas


def _claim_to_payout(bench: Bench, market: Any) -> int:
    lease, _ = _open(bench, market)
    bench.send(market.functions.setPayoutAddress(bench.account("stranger")), "provider")
    bench.advance(100)
    return bench.gas(market.functions.claim(bench.account("provider"), [lease]), "stranger")


def _provider_call(name: str, *args: str) -> Callable[[Bench, Any], int]:
    def body(bench: Bench, market: Any) -> int:
        values = [bench.account(a) for a in args]
        return bench.gas(getattr(market.functions, name)(*values), "provider")

    return body


def _accept_handover(bench: Bench, market: Any) -> int:
    registry = bench.contracts["TenantRegistry"]
    bench.send(registry.functions.grantRole(PROVIDER_ROLE, bench.account("owner_8")), "admin")
    bench.send(market.functions.proposeProviderHandover(bench.account("owner_8")), "provider")
    return bench.gas(market.functions.acceptProviderHandover(bench.account("provider")), "owner_8")


def _admin_pause(bench: Bench, market: Any) -> int:
    return bench.gas(market.functions.pausePool(1), "admin")


def _open_repeated(bench: Bench, market: Any) -> int:
    _open(bench, market)
    return _open(bench, market)[1]


def _extend(bench: Bench, market: Any) -> int:
    lease, _ = _open(bench, market)
    bench.advance(10)
    return bench.gas(market.functions.extendLease(lease, 600, MAX_PRICE), "tenant_owner")


def _release_owed(bench: Bench, market: Any) -> int:
    first, _ = _open(bench, market)
    second, _ = _open(bench, market)
    _open(bench, market)  # the tenant keeps units in the class: no refund of the active-units slot
    bench.advance(100)
    bench.send(market.functions.releaseLease(first), "tenant_owner")  # the provider is owed now
    bench.advance(10)
    return bench.gas(market.functions.releaseLease(second), "tenant_owner")


def _claim_marginal(tenant_per_lease: bool) -> Callable[[Bench, Any], int]:
    """(claim of 6 leases - claim of 1) / 5, from one snapshot, as the claim test measures it."""

    def body(bench: Bench, market: Any) -> int:
        registry = bench.contracts["TenantRegistry"]
        provider = bench.account("provider")
        leases = []
        for i in range(6):
            if not tenant_per_lease:
                leases.append(_open(bench, market)[0])
                continue
            owner = ("owner_8" if i % 2 else "owner_9") if i else "tenant_owner"
            tenant = bench.register(owner, f"ipfs://t{i}")
            bench.send(registry.functions.setQuota(tenant, GPU, 10), "admin")
            bench.send(market.functions.deposit(tenant, 10**16), owner, value=10**16)
            leases.append(_open(bench, market, tenant, owner)[0])
        bench.advance(100)
        with bench.isolated():
            one = bench.gas(market.functions.claim(provider, leases[:1]), "provider")
        six = bench.gas(market.functions.claim(provider, leases), "provider")
        kind = "a tenant per lease" if tenant_per_lease else "one tenant"
        bench.note(
            MARKET_NOTES,
            f"claim ({kind}): 1 lease {one:,}, 6 leases {six:,}; ({six:,} - {one:,}) / 5 = "
            f"{(six - one) / 5:,.1f} per lease.",
        )
        return round((six - one) / 5)

    return body


def _claim_one(bench: Bench, market: Any) -> int:
    lease, _ = _open(bench, market)
    bench.advance(100)
    return bench.gas(market.functions.claim(bench.account("provider"), [lease]), "provider")


def _deposit_top_up(value: int) -> Callable[[Bench, Any], int]:
    """A stranger tops up the funded tenant (its account slot rewritten, not created); ``value``
    is what the transaction sends (the amount on the ETH market, 0 on the ERC-20 one)."""

    def body(bench: Bench, market: Any) -> int:
        return bench.gas(market.functions.deposit(bench.market_tenant, AMOUNT), "stranger", value)

    return body


def _deposit_first(bench: Bench, market: Any) -> int:
    tenant = bench.register("other")
    return bench.gas(market.functions.deposit(tenant, AMOUNT), "other", AMOUNT)


def _withdraw(bench: Bench, market: Any) -> int:
    owner = bench.account("tenant_owner")
    call = market.functions.withdraw(bench.market_tenant, AMOUNT, owner)  # leaves 1 wei
    return bench.gas(call, "tenant_owner")


def _terminate(bench: Bench, market: Any) -> int:
    lease, _ = _open(bench, market)
    bench.advance(10)
    return bench.gas(market.functions.terminateLease(lease, 7), "provider")


def _reclaim_expired(bench: Bench, market: Any) -> int:
    lease, _ = _open(bench, market)
    bench.advance(HOUR + 1)
    return bench.gas(market.functions.reclaim([lease]), "stranger")


def _create_pool(new_ids: bool) -> Callable[[Bench, Any], int]:
    def body(bench: Bench, market: Any) -> int:
        klass, role = (CPU, "second_provider") if new_ids else (GPU, "provider")
        call = market.functions.createPool(klass, 1_000, PRICE, MIN_DURATION, MAX_DURATION)
        return bench.gas(call, role)

    return body


def _pool_setter(name: str, *args: Any, before: str = "") -> Callable[[Bench, Any], int]:
    """A setter of pool 1 by its provider (after ``before``, another setter without arguments)."""

    def body(bench: Bench, market: Any) -> int:
        if before:
            bench.send(getattr(market.functions, before)(1), "provider")
        return bench.gas(getattr(market.functions, name)(1, *args), "provider")

    return body


SCENARIOS: list[Scenario] = [
    Scenario(
        "anchor (attributed, authorized by the owner, journaled)",
        _anchor("tenant_owner"),
        58_000,
        "EAS attest 180,120 (attributed); EAS timestamp 45,869 (no attribution, no journal)",
    ),
    Scenario("anchor by an operator (one more cold slot in the registry)", _anchor("operator")),
    Scenario(
        "anchorBatch, count 2^32-1, 64-byte URI",
        _anchor_batch(URI_64, budget=60_000),
        60_000,
        "EAS multiTimestamp ~24,800 per hash; over: why, in bench/GAS.md",
    ),
    Scenario("anchorBatch, empty URI", _anchor_batch("")),
    Scenario("anchor of a file, plain digest", _anchor_files(hiding=False, batch=False)),
    Scenario(
        "anchor of a file, hiding commitment (salted off chain: same gas as plain)",
        _anchor_files(hiding=True, batch=False),
    ),
    Scenario("anchorBatch of 8 files, plain digests", _anchor_files(hiding=False, batch=True)),
    Scenario(
        "anchorBatch of 8 files, hiding commitments (salted off chain: same gas as plain)",
        _anchor_files(hiding=True, batch=True),
    ),
    Scenario("revoke an anchor", _revoke),
    Scenario(
        "verifyInclusion depth 20, execution (receipt gas - 21,000 - calldata), random paths",
        _verify_depth(20, "random"),
        8_000,
        "OZ verifyCalldata ~5,000",
    ),
    Scenario(
        "verifyInclusion depth 20, execution, worst-case path (every sibling smaller)",
        _verify_depth(20, "worst"),
        8_000,
        "OZ verifyCalldata ~5,000",
    ),
    Scenario(
        "grant operator (new operator, expiry, journaled)",
        _grant_operator,
        60_000,
        "OZ grantRole 51,306 (no expiry, no journal)",
    ),
    Scenario(
        "OZ AccessControl.grantRole, measured side by side (contracts/test)",
        _oz_grant_role,
        reference="reference row for grant operator",
    ),
    Scenario("register a tenant (Open policy, 32-byte URI)", _register),
    Scenario(
        "revoke operator", _registry("revokeOperator", "tenant_owner", "<tenant>", "@stranger")
    ),
    Scenario(
        "set quota (new class)",
        _registry("setQuota", "admin", "<tenant>", b"gpu.h100".ljust(32, b"\0"), 8),
    ),
    Scenario("suspend a tenant", _registry("suspend", "admin", "<tenant>", 3)),
    Scenario("resume a tenant", _registry("resume", "admin", "<tenant>", 0)),
    Scenario("isAuthorized (owner), execution", lambda b: _authorized_execution(b)),
    Scenario(
        "openLease (the tenant's first lease in the class: new active-units slot)",
        _in_scene(_open_first),
        120_000,
        "ERC-4907 setUser 48,710 (no money, no capacity)",
    ),
    Scenario("openLease (class already held)", _in_scene(_open_repeated), 120_000),
    Scenario(
        "openLease by an operator with a limited allowance (first lease in the class)",
        _in_scene(_open_first_by_operator),
        120_000,
    ),
    Scenario(
        "extendLease",
        _in_scene(_extend),
        50_000,
        "ERC-5643 renew (extend) 30,917 (no money, no journal)",
    ),
    Scenario("extendLease by an operator with a limited allowance", _in_scene(_extend_by_operator)),
    Scenario(
        "setOperatorLimits (a new operator: new limits slot, journaled)",
        _in_scene(_set_operator_limits),
    ),
    Scenario(
        "releaseLease (provider already has a claimable balance)",
        _in_scene(_release_owed),
        70_000,
    ),
    Scenario(
        "claim, marginal per lease (6 leases of one tenant vs 1)",
        _in_scene(_claim_marginal(tenant_per_lease=False)),
        15_000,
    ),
    Scenario(
        "claim, marginal per lease (a tenant per lease)",
        _in_scene(_claim_marginal(tenant_per_lease=True)),
        15_000,
    ),
    Scenario(
        "deposit (ETH), top-up of a funded account",
        _in_scene(_deposit_top_up(value=AMOUNT)),
        50_000,
    ),
    Scenario(
        "deposit (ETH), first credit to a tenant (new account slot)", _in_scene(_deposit_first)
    ),
    Scenario(
        "deposit (ERC-20, contracts/test/MockERC20.sol), top-up of a funded account",
        _in_scene(_deposit_top_up(value=0), market="TokenMarket"),
    ),
    Scenario("withdraw (ETH, to the owner)", _in_scene(_withdraw)),
    Scenario("claim of one lease", _in_scene(_claim_one)),
    Scenario("claim of one lease to a payout address, by it", _in_scene(_claim_to_payout)),
    Scenario("setPayoutAddress", _in_scene(_provider_call("setPayoutAddress", "stranger"))),
    Scenario(
        "proposeProviderHandover", _in_scene(_provider_call("proposeProviderHandover", "owner_8"))
    ),
    Scenario("acceptProviderHandover", _in_scene(_accept_handover)),
    Scenario("pausePool by a platform admin", _in_scene(_admin_pause)),
    Scenario("terminateLease (by the provider)", _in_scene(_terminate)),
    Scenario("reclaim of an expired lease", _in_scene(_reclaim_expired)),
    Scenario(
        "createPool (new class and new provider: both interned)", _in_scene(_create_pool(True))
    ),
    Scenario("createPool (class and provider known)", _in_scene(_create_pool(False))),
    Scenario("setPoolCapacity", _in_scene(_pool_setter("setPoolCapacity", 2_000))),
    Scenario(
        "setPoolPrice (a new price version)", _in_scene(_pool_setter("setPoolPrice", 2 * PRICE))
    ),
    Scenario("pausePool", _in_scene(_pool_setter("pausePool"))),
    Scenario("unpausePool", _in_scene(_pool_setter("unpausePool", before="pausePool"))),
    Scenario("retirePool", _in_scene(_pool_setter("retirePool"))),
]


def _snapshot(measure: Callable[[Bench], int]) -> Callable[[Bench], int]:
    """A scenario run in a chain snapshot of the scene, reverted after."""

    def run(bench: Bench) -> int:
        with bench.isolated():
            return measure(bench)

    return run


SCENARIOS += [
    Scenario(operation, _snapshot(measure), budget, reference)
    for operation, measure, budget, reference in gas_usage.ROWS
]


def _authorized_execution(bench: Bench) -> int:
    registry = bench.contracts["TenantRegistry"]
    call = registry.functions.isAuthorized(bench.tenant_id, bench.account("tenant_owner"))
    return bench.execution_gas(call, "stranger")


# ----------------------------------------------------------------------------------- plumbing


def compile_artifacts() -> dict[str, Any]:
    """Compile with ape (a no-op when up to date) and return the contract types by name."""
    # Named and forced: a bare compile may miss new files (ape lists at most 500 under contracts/,
    # and the dependency cache holds more) and does not rebuild a contract when only a file it
    # imports changed (contracts/common/Journal.sol), which would measure stale bytecode.
    sources = [str(ROOT / "contracts" / s) for s in SOURCES]
    subprocess.run(
        [str(BIN / "ape"), "compile", "--force", *sources],
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    manifest = json.loads((ROOT / ".build" / "__local__.json").read_text())
    return dict(manifest["contractTypes"])


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def anvil_executable() -> str:
    local = ROOT / "node_modules" / ".bin" / "anvil"
    found = str(local) if local.exists() else shutil.which("anvil")
    if not found:
        raise SystemExit("error: anvil not found: run 'make setup' (npm installs it)")
    return found


@contextmanager
def anvil() -> Iterator[tuple[Web3, str]]:
    """A fresh Anvil on a free loopback port, stopped on exit."""
    port = _free_port()
    exe = anvil_executable()
    version = subprocess.run([exe, "--version"], capture_output=True, text=True).stdout
    cmd = [exe, "--port", str(port), "--hardfork", HARDFORK, "--mnemonic", MNEMONIC, "--silent"]
    process = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        w3 = Web3(Web3.HTTPProvider(f"http://127.0.0.1:{port}", request_kwargs={"timeout": 30}))
        deadline = time.monotonic() + 30
        while not w3.is_connected():
            if process.poll() is not None or time.monotonic() > deadline:
                err = process.stderr.read().decode() if process.stderr else ""
                raise SystemExit(f"error: anvil did not start: {err.strip()}")
            time.sleep(0.1)
        yield w3, version.splitlines()[0] if version else "anvil"
    finally:
        process.terminate()
        process.wait(timeout=10)


def render(
    rows: list[tuple[Scenario, int]],
    anvil_version: str,
    settings: dict[str, Any],
    notes: dict[str, list[str]] | None = None,
) -> str:
    """The Markdown page."""
    optimizer = settings.get("optimizer", {})
    lines = [
        "# Gas",
        "",
        "Receipt gas on Anvil, regenerated by `make gas` (`bench/gas.py`); do not edit by hand.",
        f"{anvil_version}, hardfork {HARDFORK}; solc {settings.get('version', '0.8.28')}, "
        f"evm {settings.get('evmVersion', 'cancun')}, optimizer runs {optimizer.get('runs')}.",
        "Steady state: every journal already written once; each transaction starts cold (fresh "
        "accounts and slots); digests, roots and amounts without zero bytes (calldata at its "
        "most). Market rows: each from a snapshot of the scene of "
        "`tests/contracts/market/test_market_gas.py`, which asserts the same budgets.",
        "",
        "| operation | measured | budget | reference |",
        "|---|---:|---:|---|",
    ]
    for scenario, gas in rows:
        budget = f"≤ {scenario.budget:,}" if scenario.budget is not None else "—"
        over = scenario.budget is not None and gas > scenario.budget
        measured = f"**{gas:,} (over)**" if over else f"{gas:,}"
        lines.append(f"| {scenario.operation} | {measured} | {budget} | {scenario.reference} |")
    for section, texts in (notes or {}).items():
        lines += ["", f"## {section}", ""]
        lines += [f"- {text}" for text in texts]
    lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=OUT, help="where to write the table")
    args = parser.parse_args(argv)
    os.chdir(ROOT)
    artifacts = compile_artifacts()
    manifest = json.loads((ROOT / ".build" / "__local__.json").read_text())
    settings = {**manifest.get("compilers", [{}])[0].get("settings", {})}
    settings["version"] = manifest.get("compilers", [{}])[0].get("version", "0.8.28")
    rows: list[tuple[Scenario, int]] = []
    with anvil() as (w3, version):
        bench = Bench(w3, artifacts=artifacts)
        setup(bench)
        for scenario in SCENARIOS:
            gas = scenario.measure(bench)
            rows.append((scenario, gas))
            print(f"{gas:>9,}  {scenario.operation}")
    page = render(rows, version, settings, bench.notes)
    args.out.write_text(page)
    if args.out == OUT:  # docs/benchmarks.md: from the table to the notes
        table = page[page.index(version) : page.index("\n## ")]
        _readme.sync("gas", table)
    print(f"wrote {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}")
    over = [(s, g) for s, g in rows if s.budget is not None and g > s.budget]
    for scenario, gas in over:
        print(f"error: {scenario.operation}: {gas:,} gas is over its budget of {scenario.budget:,}")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())

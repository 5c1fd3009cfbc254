"""Deployments and role-named accounts shared by the on-chain tests.

ape isolates every test in a chain snapshot, so session-scoped deployments start each test fresh.

Helpers for the specification-style tests (all fixtures, so any test module can ask for them):

- ``reverts(contract.Error, **args)``: ``ape.reverts`` made strict: the error type must match and
  every argument of the error must be named and equal (ape alone ignores names it does not know).
- ``events(receipt, contract)`` and ``expect("Event", **args)``: a contract's logs as plain dicts,
  compared by equality, every argument included.
- ``journal(contract)``: replays the contract's journaled logs with ``offchain.mirror.journal`` and
checks
  its ``journal()`` view and each event's ``seq``.
- ``now()``, ``warp(seconds)``, ``block_time(receipt)``: block time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import ape
import pytest
from eth_abi import decode
from eth_hash.auto import keccak

from offchain.mirror.journal import JournalState

ADMIN_ROLE = keccak(b"leasehold.role.admin")
PROVIDER_ROLE = keccak(b"leasehold.role.provider")
DEFAULT_ADMIN_ROLE = b"\x00" * 32
ADMIN_DELAY = 3 * 24 * 3600
ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
GPU = b"gpu.h100".ljust(32, b"\x00")
CPU = b"cpu.x86".ljust(32, b"\x00")
MAX_URI_LENGTH = 256
MAX_PROOF_LENGTH = 64
YEAR = 365 * 24 * 3600

# Enum values (contracts/common/Types.sol).
NONE, PENDING, ACTIVE, SUSPENDED, CLOSED = range(5)
OPEN, APPROVAL = range(2)


@pytest.fixture(scope="session")
def admin(accounts):
    return accounts[0]


@pytest.fixture(scope="session")
def tenant_owner(accounts):
    return accounts[1]


@pytest.fixture(scope="session")
def operator(accounts):
    return accounts[2]


@pytest.fixture(scope="session")
def provider(accounts):
    return accounts[3]


@pytest.fixture(scope="session")
def stranger(accounts):
    return accounts[4]


@pytest.fixture(scope="session")
def other_owner(accounts):
    return accounts[5]


@pytest.fixture(scope="session")
def second_admin(accounts):
    """An account the tests make an admin (ADMIN_ROLE) or the next default admin."""
    return accounts[6]


@pytest.fixture(scope="session")
def registry(project, admin, provider):
    contract = project.TenantRegistry.deploy(admin, ADMIN_DELAY, sender=admin)
    contract.grantRole(PROVIDER_ROLE, provider, sender=admin)
    return contract


@pytest.fixture(scope="session")
def tenant_id(registry, tenant_owner):
    """An Active tenant (the registry starts with the Open policy)."""
    receipt = registry.register("ipfs://tenant-1", b"\x11" * 32, sender=tenant_owner)
    # Read the id from the event: eth-tester's return_value replays the call on the new state.
    return receipt.events.filter(registry.TenantRegistered)[0].tenantId


@pytest.fixture(scope="session")
def other_tenant_id(registry, other_owner, tenant_id):
    """A second Active tenant, owned by ``other_owner``."""
    receipt = registry.register("ipfs://tenant-2", b"\x22" * 32, sender=other_owner)
    return receipt.events.filter(registry.TenantRegistered)[0].tenantId


@pytest.fixture(scope="session")
def operator_expiry(registry, tenant_id, tenant_owner, operator, chain):
    """``operator`` is granted on ``tenant_id`` until a year from now; returns the expiry."""
    expiry = int(chain.blocks.head.timestamp) + YEAR
    registry.grantOperator(tenant_id, operator, expiry, sender=tenant_owner)
    return expiry


@pytest.fixture(scope="session")
def data_anchor(project, admin, registry):
    return project.DataAnchor.deploy(registry, sender=admin)


@pytest.fixture(scope="session")
def register(registry) -> Callable[..., int]:
    """Register a tenant owned by ``owner``; return its id (read from the event)."""

    def go(owner: Any, uri: str = "ipfs://tenant", metadata_hash: bytes = b"\x33" * 32) -> int:
        receipt = registry.register(uri, metadata_hash, sender=owner)
        return int(receipt.events.filter(registry.TenantRegistered)[0].tenantId)

    return go


@pytest.fixture(scope="session")
def tenant_in(registry, admin, register) -> Callable[[int, Any], int]:
    """A new tenant of ``owner`` brought to ``status`` (Pending, Active, Suspended or Closed)."""

    def go(status: int, owner: Any) -> int:
        if status == PENDING:
            registry.setRegistrationPolicy(APPROVAL, sender=admin)
            tenant = register(owner)
            registry.setRegistrationPolicy(OPEN, sender=admin)
            return tenant
        tenant = register(owner)
        if status == SUSPENDED:
            registry.suspend(tenant, 1, sender=admin)
        elif status == CLOSED:
            registry.close(tenant, sender=owner)
        return tenant

    return go


# ------------------------------------------------------------------------------------- time


@pytest.fixture
def now(chain) -> Callable[[], int]:
    """Timestamp of the latest block (what the next view call sees)."""
    return lambda: int(chain.blocks.head.timestamp)


@pytest.fixture
def warp(chain) -> Callable[[int], int]:
    """Mine a block ``seconds`` after the latest one; return its timestamp."""

    def go(seconds: int) -> int:
        target = int(chain.blocks.head.timestamp) + seconds
        chain.mine(timestamp=target)
        # eth-tester would give the next block the same timestamp, which it then rejects.
        chain.pending_timestamp = target + 1
        return target

    return go


@pytest.fixture
def block_time(chain) -> Callable[[Any], int]:
    """The timestamp of the block that included a receipt."""
    return lambda receipt: int(chain.blocks[receipt.block_number].timestamp)


# ----------------------------------------------------------------------------- assertions


@contextmanager
def _strict_reverts(error: Any, **inputs: Any) -> Iterator[None]:
    with ape.reverts(error, **inputs) as info:
        yield
    raised = info.value
    # By name: ape builds one error class per contract instance (a deployment's differs from the
    # container's), the ABI is the same.
    assert type(raised).__name__ == error.__name__, (
        f"expected {error.__name__}, got {type(raised).__name__}"
    )
    names = set(raised.inputs)
    assert set(inputs) == names, (
        f"{error.__name__} has inputs {sorted(names)}; the test named {sorted(inputs)}"
    )


@pytest.fixture(scope="session")
def reverts() -> Callable[..., Any]:
    """``with reverts(contract.ErrorName, arg=value, ...)``: type and every argument checked."""
    return _strict_reverts


def _plain(value: Any) -> Any:
    value = getattr(value, "address", value)  # an account or contract stands for its address
    if isinstance(value, bytes):
        return bytes(value)
    if isinstance(value, str) and value.startswith("0x") and len(value) == 42:
        return value.lower()
    return value


def _expected(event: str, **args: Any) -> dict[str, Any]:
    return {"event": event, **{k: _plain(v) for k, v in args.items()}}


@pytest.fixture(scope="session")
def events() -> Callable[[Any, Any], list[dict[str, Any]]]:
    """The logs ``contract`` emitted in ``receipt``, as ``{"event": name, **args}``, in order."""

    def of(receipt: Any, contract: Any) -> list[dict[str, Any]]:
        return [
            {"event": log.event_name, **{k: _plain(v) for k, v in log.event_arguments.items()}}
            for log in receipt.events
            if log.contract_address == contract.address
        ]

    return of


@pytest.fixture(scope="session")
def expect() -> Callable[..., dict[str, Any]]:
    """An expected event in the shape ``events`` returns (accounts stand for their address)."""
    return _expected


class JournalTracker:
    """A contract's journal recomputed in Python from the logs of the receipts it is shown."""

    def __init__(self, contract: Any) -> None:
        self.contract = contract
        seq, head = contract.journal()
        self.state = JournalState(seq=int(seq), head=bytes(head))
        self.journaled: dict[bytes, tuple[list[str], int]] = {}
        for abi in contract.contract_type.events:
            names = [i.name for i in abi.inputs]
            if names[-1:] != ["seq"]:
                continue  # OpenZeppelin's role events are not journaled (RoleChanged is)
            data_types = [i.canonical_type for i in abi.inputs if not i.indexed]
            signature = f"{abi.name}({','.join(i.canonical_type for i in abi.inputs)})"
            self.journaled[keccak(signature.encode())] = (data_types, len(data_types) - 1)

    def apply(self, receipt: Any) -> list[int]:
        """Apply the receipt's journaled logs, checking each carries the next ``seq``."""
        applied = []
        for log in receipt.logs:
            if log["address"] != self.contract.address:
                continue
            topics = [bytes(t) for t in log["topics"]]
            if topics[0] not in self.journaled:
                continue
            data = bytes(log["data"])
            types, seq_index = self.journaled[topics[0]]
            seq = decode(types, data)[seq_index]
            assert seq == self.state.seq + 1, (
                f"log carries seq {seq}, expected {self.state.seq + 1}"
            )
            self.state.append(topics, data)
            applied.append(seq)
        return applied

    def matches(self) -> bool:
        """Whether the contract's ``journal()`` equals the recomputed state."""
        seq, head = self.contract.journal()
        return (int(seq), bytes(head)) == (self.state.seq, self.state.head)


@pytest.fixture(scope="session")
def journal() -> Callable[[Any], JournalTracker]:
    """Start tracking a contract's journal from its current state."""
    return JournalTracker

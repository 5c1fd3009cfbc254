"""The mirrored state: typed entities, pure event handlers, indexes, undo and pinned read views.

Shape:

- Entities are slotted dataclasses (:class:`Tenant`, :class:`Pool`, :class:`Lease`,
  :class:`Account`, :class:`Anchor`); a few tables hold plain values (operator expiries, quotas,
  claimable balances, active units, roles). Entity objects are shared with readers and never
  mutated: a change builds a new object, so whatever a reader holds stays a consistent value.
- :func:`apply` is a pure function ``(state, event) -> list[Change]``: it reads the state and says
  what changes (each :class:`Change` is ``kind, key, before, after``), including the contract's
  journal head; :meth:`MirrorState.commit` writes changes and maintains every index from
  ``before``/``after``. Undo is the same write with ``before`` and ``after`` swapped, so a rollback
  needs no RPC. Blocks that may still be reorganized are applied this way, event by event
  (:meth:`MirrorState.apply_events`).
- Finalized blocks are never undone, so a backfill applies a whole chunk of them with
  :meth:`MirrorState.apply_final`: the same handlers, event by event, but each entry ends up with
  one change over the chunk (first ``before``, last ``after``), its indexes are updated once, and
  each contract's journal head is extended over its events in one loop.
- The writer brackets each block with :meth:`MirrorState.begin` / :meth:`MirrorState.end`, which
  bump a generation counter (a seqlock): a :class:`View` pins ``(block number, block hash,
  generation)`` and every read checks the generation after its dict lookup, so a read never mixes
  two blocks and takes no lock (:class:`~offchain.exceptions.StaleViewError`: take a new view).
"""

from __future__ import annotations

import hashlib
import marshal
import time
from bisect import bisect_right, insort
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import astuple, dataclass
from enum import IntEnum
from typing import Any, Final, NoReturn, TypeAlias

from offchain.chain.decode import Event, EventSpec, to_checksum
from offchain.exceptions import JournalGapError, MirrorStateError, StaleViewError
from offchain.mirror.journal import JournalState, extend

ZERO_ADDRESS: Final = "0x0000000000000000000000000000000000000000"
ZERO_HASH: Final = "0x" + "00" * 32
END_BUCKET_SECONDS: Final = 3600  # granularity of the lease end-time index

# ---------------------------------------------------------------------------------------- enums


class TenantStatus(IntEnum):
    """Lifecycle of a tenant (``contracts/common/Types.sol``)."""

    NONE = 0
    PENDING = 1
    ACTIVE = 2
    SUSPENDED = 3
    CLOSED = 4


class RegistrationPolicy(IntEnum):
    """How new tenants enter the registry."""

    OPEN = 0
    APPROVAL = 1


class PoolStatus(IntEnum):
    """Lifecycle of a capacity pool."""

    NONE = 0
    OPEN = 1
    PAUSED = 2
    RETIRED = 3


class LeaseStatus(IntEnum):
    """Lifecycle of a lease."""

    NONE = 0
    ACTIVE = 1
    CLOSED = 2


class CloseReason(IntEnum):
    """Why a lease ended."""

    NONE = 0
    EXPIRED = 1
    RELEASED_BY_TENANT = 2
    TERMINATED_BY_PROVIDER = 3
    TERMINATED_BY_ADMIN = 4
    TENANT_CLOSED = 5


class Kind(IntEnum):
    """The tables of the mirror. Keys: see each table's comment in :class:`MirrorState`."""

    JOURNAL = 0
    POLICY = 1
    ROLE = 2
    TENANT = 3
    OPERATOR = 4
    QUOTA = 5
    POOL = 6
    LEASE = 7
    ACCOUNT = 8
    CLAIMABLE = 9
    ACTIVE_UNITS = 10
    ANCHOR = 11
    BATCH_URI = 12


# Per-event code names enum members through module globals: on Python 3.11 ``Kind.LEASE`` is a
# lookup through the enum's metaclass (~150 ns), a global a dict lookup (~10 ns).
(_JOURNAL, _POLICY, _ROLE, _TENANT, _OPERATOR, _QUOTA, _POOL, _LEASE, _ACCOUNT, _CLAIMABLE,
 _ACTIVE_UNITS, _ANCHOR, _BATCH_URI) = Kind  # fmt: skip
_ACTIVE, _CLOSED, _NOT_CLOSED = LeaseStatus.ACTIVE, LeaseStatus.CLOSED, CloseReason.NONE
_POOL_OPEN = PoolStatus.OPEN


# ------------------------------------------------------------------------------------- entities
# Entities are never mutated once stored (readers share them): handlers build new ones.


@dataclass(slots=True)
class Tenant:
    """A tenant as ``TenantRegistry`` stores it, with its metadata and pending owner."""

    tenant_id: int
    owner: str
    status: TenantStatus
    created_at: int
    metadata_uri: str
    metadata_hash: bytes
    pending_owner: str = ZERO_ADDRESS


@dataclass(slots=True)
class Pool:
    """A capacity pool as ``LeaseMarket.pool`` returns it."""

    pool_id: int
    provider: str
    resource_class: bytes
    capacity: int
    allocated: int
    price_per_unit_second: int
    min_duration: int
    max_duration: int
    status: PoolStatus


@dataclass(slots=True)
class Lease:
    """A lease as ``LeaseMarket.lease`` returns it."""

    lease_id: int
    tenant_id: int
    pool_id: int
    units: int
    start: int
    end: int
    status: LeaseStatus
    close_reason: CloseReason
    price_per_unit_second: int
    paid_until: int


@dataclass(slots=True)
class Account:
    """A tenant's escrow in ``LeaseMarket``: free and reserved (held by running leases)."""

    free: int = 0
    reserved: int = 0


@dataclass(slots=True)
class Anchor:
    """An anchored digest or batch root as ``DataAnchor.anchorOf`` returns it (count 0: digest)."""

    digest: bytes  # the same bytes object as the table key: 8 bytes per record, not 65
    tenant_id: int
    timestamp: int
    block_number: int
    revoked_at: int = 0
    count: int = 0
    revoke_reason: int = 0


@dataclass(slots=True)
class Change:
    """One table entry changing: ``before``/``after`` are ``None`` when the entry is absent."""

    kind: Kind
    key: Any
    before: Any
    after: Any

    def inverse(self) -> Change:
        """The change that undoes this one."""
        return Change(self.kind, self.key, self.after, self.before)


Changes: TypeAlias = list[Change]
# What a handler says changes: ``(kind, key, before, after)`` as a plain tuple, built in C where a
# Change runs its Python ``__init__`` (several times slower; a backfill builds a few per event).
# :func:`apply` turns them into Changes, :meth:`MirrorState.apply_final` into one per entry.
Delta: TypeAlias = tuple[Kind, Any, Any, Any]
Deltas: TypeAlias = list[Delta]
Handler: TypeAlias = Callable[["MirrorState", Event], Deltas]

# ------------------------------------------------------------------------------------- handlers
# Pure: they read the state and return deltas; MirrorState.commit or apply_final writes them.

HANDLERS: dict[str, Handler] = {}
EXPECTED_ARGS: dict[str, tuple[str, ...]] = {}  # checked against the ABI when an Applier is built


def _handles(qualname: str, args: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        HANDLERS[qualname] = fn
        EXPECTED_ARGS[qualname] = tuple(args.split())
        return fn

    return register


def _unknown(ev: Event, what: str, key: int) -> NoReturn:
    """Refuse an event about an entity the state does not have (an event was missed).

    Handlers write ``table.get(key) or _unknown(...)``: entities are always truthy.
    """
    raise MirrorStateError(ev.spec.name, ev.block_number, f"unknown {what} {key}")


def _account_change(
    state: MirrorState, ev: Event, tenant_id: int, free: int, reserved: int
) -> Delta:
    before = state.accounts.get(tenant_id)
    if before is not None:
        free += before.free
        reserved += before.reserved
    if free < 0 or reserved < 0:
        raise MirrorStateError(
            ev.spec.name, ev.block_number, f"tenant {tenant_id}'s escrow would go negative"
        )
    return (_ACCOUNT, tenant_id, before, Account(free, reserved))


def _value_change(ev: Event, table: Kind, values: Mapping[Any, int], key: Any, delta: int) -> Delta:
    before = values.get(key)
    after = (before or 0) + delta
    if after < 0:
        raise MirrorStateError(ev.spec.name, ev.block_number, f"{table.name} of {key} below zero")
    return (table, key, before, after or None)  # zero is stored as absent, as on chain


@_handles(
    "TenantRegistry.TenantRegistered",
    "tenantId owner status createdAt metadataURI metadataHash seq",
)
def _tenant_registered(state: MirrorState, ev: Event) -> Deltas:
    tenant_id, owner, status, created_at, uri, digest, _ = ev.args
    if tenant_id in state.tenants:
        raise MirrorStateError(ev.spec.name, ev.block_number, f"tenant {tenant_id} exists")
    new = Tenant(tenant_id, owner, TenantStatus(status), created_at, uri, digest)
    return [(_TENANT, tenant_id, None, new)]


@_handles("TenantRegistry.TenantStatusChanged", "tenantId from to reasonCode by seq")
def _tenant_status_changed(state: MirrorState, ev: Event) -> Deltas:
    tenant_id, before_status, after_status, _, _, _ = ev.args
    t = state.tenants.get(tenant_id) or _unknown(ev, "tenant", tenant_id)
    if t.status != before_status:
        raise MirrorStateError(
            ev.spec.name,
            ev.block_number,
            f"tenant {tenant_id} is {t.status.name}, event says from "
            f"{TenantStatus(before_status).name}",
        )
    new = Tenant(
        t.tenant_id, t.owner, TenantStatus(after_status), t.created_at, t.metadata_uri,
        t.metadata_hash, t.pending_owner,
    )  # fmt: skip
    return [(_TENANT, tenant_id, t, new)]


@_handles("TenantRegistry.TenantMetadataUpdated", "tenantId metadataURI metadataHash seq")
def _tenant_metadata_updated(state: MirrorState, ev: Event) -> Deltas:
    tenant_id, uri, digest, _ = ev.args
    t = state.tenants.get(tenant_id) or _unknown(ev, "tenant", tenant_id)
    new = Tenant(t.tenant_id, t.owner, t.status, t.created_at, uri, digest, t.pending_owner)
    return [(_TENANT, tenant_id, t, new)]


@_handles("TenantRegistry.TenantOwnershipProposed", "tenantId currentOwner proposedOwner seq")
def _ownership_proposed(state: MirrorState, ev: Event) -> Deltas:
    tenant_id, _, proposed, _ = ev.args
    t = state.tenants.get(tenant_id) or _unknown(ev, "tenant", tenant_id)
    new = Tenant(
        t.tenant_id, t.owner, t.status, t.created_at, t.metadata_uri, t.metadata_hash, proposed
    )
    return [(_TENANT, tenant_id, t, new)]


@_handles("TenantRegistry.TenantOwnershipTransferred", "tenantId previousOwner newOwner seq")
def _ownership_transferred(state: MirrorState, ev: Event) -> Deltas:
    tenant_id, _, new_owner, _ = ev.args
    t = state.tenants.get(tenant_id) or _unknown(ev, "tenant", tenant_id)
    new = Tenant(t.tenant_id, new_owner, t.status, t.created_at, t.metadata_uri, t.metadata_hash)
    changes: Deltas = [(_TENANT, tenant_id, t, new)]
    # Every grant of the previous owner lapses with the transfer (the registry's operator epoch).
    # The table, not the operator index: a backfill chunk updates indexes only at its end. Transfers
    # are rare, so one pass over the operators is cheap enough.
    lapsed = sorted(key for key in state.operators if key[0] == tenant_id)
    changes.extend((_OPERATOR, key, state.operators[key], None) for key in lapsed)
    return changes


@_handles("TenantRegistry.OperatorGranted", "tenantId operator expiresAt seq")
def _operator_granted(state: MirrorState, ev: Event) -> Deltas:
    tenant_id, operator, expires_at, _ = ev.args
    key = (tenant_id, operator)
    return [(_OPERATOR, key, state.operators.get(key), expires_at)]


@_handles("TenantRegistry.OperatorRevoked", "tenantId operator seq")
def _operator_revoked(state: MirrorState, ev: Event) -> Deltas:
    tenant_id, operator, _ = ev.args
    key = (tenant_id, operator)
    return [(_OPERATOR, key, state.operators.get(key), None)]


@_handles("TenantRegistry.QuotaSet", "tenantId resourceClass maxUnits seq")
def _quota_set(state: MirrorState, ev: Event) -> Deltas:
    tenant_id, resource_class, max_units, _ = ev.args
    key = (tenant_id, resource_class)
    return [(_QUOTA, key, state.quotas.get(key), max_units or None)]


@_handles("TenantRegistry.RegistrationPolicyChanged", "policy seq")
def _policy_changed(state: MirrorState, ev: Event) -> Deltas:
    policy, _ = ev.args
    before = state.policies.get(0)
    return [(_POLICY, 0, before, RegistrationPolicy(policy) or None)]


@_handles("TenantRegistry.RoleGranted", "role account sender")
def _role_granted(state: MirrorState, ev: Event) -> Deltas:
    role, account, _ = ev.args
    key = (role, account)
    return [(_ROLE, key, state.roles.get(key), True)]


@_handles("TenantRegistry.RoleRevoked", "role account sender")
def _role_revoked(state: MirrorState, ev: Event) -> Deltas:
    role, account, _ = ev.args
    key = (role, account)
    return [(_ROLE, key, state.roles.get(key), None)]


@_handles("DataAnchor.Anchored", "digest tenantId timestamp seq")
def _anchored(state: MirrorState, ev: Event) -> Deltas:
    digest, tenant_id, timestamp, _ = ev.args
    if digest in state.anchors:
        raise MirrorStateError(ev.spec.name, ev.block_number, f"0x{digest.hex()} anchored twice")
    return [(_ANCHOR, digest, None, Anchor(digest, tenant_id, timestamp, ev.block_number))]


@_handles("DataAnchor.BatchAnchored", "root tenantId count timestamp uri seq")
def _batch_anchored(state: MirrorState, ev: Event) -> Deltas:
    root, tenant_id, count, timestamp, uri, _ = ev.args
    if root in state.anchors:
        raise MirrorStateError(ev.spec.name, ev.block_number, f"0x{root.hex()} anchored twice")
    record = Anchor(root, tenant_id, timestamp, ev.block_number, 0, count)
    changes: Deltas = [(_ANCHOR, root, None, record)]
    if uri:
        changes.append((_BATCH_URI, root, None, uri))
    return changes


@_handles("DataAnchor.AnchorRevoked", "digest tenantId reasonCode revokedAt by seq")
def _anchor_revoked(state: MirrorState, ev: Event) -> Deltas:
    digest, _, reason, revoked_at, _, _ = ev.args
    a = state.anchors.get(digest)
    if a is None:
        raise MirrorStateError(ev.spec.name, ev.block_number, f"unknown anchor 0x{digest.hex()}")
    new = Anchor(a.digest, a.tenant_id, a.timestamp, a.block_number, revoked_at, a.count, reason)
    return [(_ANCHOR, digest, a, new)]


@_handles("LeaseMarket.Deposited", "tenantId from amount seq")
def _deposited(state: MirrorState, ev: Event) -> Deltas:
    tenant_id, _, amount, _ = ev.args
    return [_account_change(state, ev, tenant_id, amount, 0)]


@_handles("LeaseMarket.Withdrawn", "tenantId to amount seq")
def _withdrawn(state: MirrorState, ev: Event) -> Deltas:
    tenant_id, _, amount, _ = ev.args
    return [_account_change(state, ev, tenant_id, -amount, 0)]


@_handles(
    "LeaseMarket.PoolCreated",
    "poolId provider resourceClass capacity pricePerUnitSecond minDuration maxDuration seq",
)
def _pool_created(state: MirrorState, ev: Event) -> Deltas:
    pool_id, provider, resource_class, capacity, price, min_d, max_d, _ = ev.args
    if pool_id in state.pools:
        raise MirrorStateError(ev.spec.name, ev.block_number, f"pool {pool_id} exists")
    new = Pool(pool_id, provider, resource_class, capacity, 0, price, min_d, max_d, _POOL_OPEN)
    return [(_POOL, pool_id, None, new)]


def _with_pool(
    p: Pool,
    *,
    capacity: int | None = None,
    allocated: int | None = None,
    price: int | None = None,
    status: PoolStatus | None = None,
) -> Pool:
    return Pool(
        p.pool_id, p.provider, p.resource_class,
        p.capacity if capacity is None else capacity,
        p.allocated if allocated is None else allocated,
        p.price_per_unit_second if price is None else price,
        p.min_duration, p.max_duration,
        p.status if status is None else status,
    )  # fmt: skip


@_handles("LeaseMarket.PoolCapacityChanged", "poolId capacity seq")
def _pool_capacity_changed(state: MirrorState, ev: Event) -> Deltas:
    pool_id, capacity, _ = ev.args
    p = state.pools.get(pool_id) or _unknown(ev, "pool", pool_id)
    return [(_POOL, pool_id, p, _with_pool(p, capacity=capacity))]


@_handles("LeaseMarket.PoolPriceChanged", "poolId pricePerUnitSecond seq")
def _pool_price_changed(state: MirrorState, ev: Event) -> Deltas:
    pool_id, price, _ = ev.args
    p = state.pools.get(pool_id) or _unknown(ev, "pool", pool_id)
    return [(_POOL, pool_id, p, _with_pool(p, price=price))]


@_handles("LeaseMarket.PoolStatusChanged", "poolId status seq")
def _pool_status_changed(state: MirrorState, ev: Event) -> Deltas:
    pool_id, status, _ = ev.args
    p = state.pools.get(pool_id) or _unknown(ev, "pool", pool_id)
    return [(_POOL, pool_id, p, _with_pool(p, status=PoolStatus(status)))]


@_handles(
    "LeaseMarket.LeaseOpened",
    "leaseId tenantId poolId units pricePerUnitSecond start end cost seq",
)
def _lease_opened(state: MirrorState, ev: Event) -> Deltas:
    lease_id, tenant_id, pool_id, units, price, start, end, cost, _ = ev.args
    if lease_id in state.leases:
        raise MirrorStateError(ev.spec.name, ev.block_number, f"lease {lease_id} exists")
    p = state.pools.get(pool_id) or _unknown(ev, "pool", pool_id)
    new = Lease(lease_id, tenant_id, pool_id, units, start, end, _ACTIVE, _NOT_CLOSED, price, start)
    return [
        (_LEASE, lease_id, None, new),
        (_POOL, pool_id, p, _with_pool(p, allocated=p.allocated + units)),
        _account_change(state, ev, tenant_id, -cost, cost),
        _value_change(ev, _ACTIVE_UNITS, state.active_units, (tenant_id, p.resource_class), units),
    ]


def _with_lease(
    x: Lease, end: int, status: LeaseStatus, reason: CloseReason, paid_until: int
) -> Lease:
    return Lease(
        x.lease_id, x.tenant_id, x.pool_id, x.units, x.start, end, status, reason,
        x.price_per_unit_second, paid_until,
    )  # fmt: skip


@_handles("LeaseMarket.LeaseExtended", "leaseId end cost seq")
def _lease_extended(state: MirrorState, ev: Event) -> Deltas:
    lease_id, end, cost, _ = ev.args
    x = state.leases.get(lease_id) or _unknown(ev, "lease", lease_id)
    new = _with_lease(x, end, x.status, x.close_reason, x.paid_until)
    return [
        (_LEASE, lease_id, x, new),
        _account_change(state, ev, x.tenant_id, -cost, cost),
    ]


@_handles("LeaseMarket.LeaseSettled", "leaseId amount paidUntil seq")
def _lease_settled(state: MirrorState, ev: Event) -> Deltas:
    lease_id, amount, paid_until, _ = ev.args
    x = state.leases.get(lease_id) or _unknown(ev, "lease", lease_id)
    provider = (state.pools.get(x.pool_id) or _unknown(ev, "pool", x.pool_id)).provider
    new = _with_lease(x, x.end, x.status, x.close_reason, paid_until)
    # The contract pays settled amounts out in the same call (EarningsClaimed follows); crediting
    # them to claimable here keeps the books balanced event by event.
    return [
        (_LEASE, lease_id, x, new),
        _account_change(state, ev, x.tenant_id, 0, -amount),
        _value_change(ev, _CLAIMABLE, state.claimable, provider, amount),
    ]


@_handles("LeaseMarket.LeaseClosed", "leaseId reason reasonCode toProvider refunded by seq")
def _lease_closed(state: MirrorState, ev: Event) -> Deltas:
    lease_id, reason, _, to_provider, refunded, _, _ = ev.args
    x = state.leases.get(lease_id) or _unknown(ev, "lease", lease_id)
    if x.status != _ACTIVE:
        raise MirrorStateError(ev.spec.name, ev.block_number, f"lease {lease_id} is not active")
    p = state.pools.get(x.pool_id) or _unknown(ev, "pool", x.pool_id)
    new = _with_lease(x, x.end, _CLOSED, CloseReason(reason), x.paid_until)
    changes: Deltas = [
        (_LEASE, lease_id, x, new),
        (_POOL, p.pool_id, p, _with_pool(p, allocated=p.allocated - x.units)),
        _value_change(
            ev, _ACTIVE_UNITS, state.active_units, (x.tenant_id, p.resource_class), -x.units
        ),
        _account_change(state, ev, x.tenant_id, refunded, -(to_provider + refunded)),
    ]
    if to_provider:
        changes.append(_value_change(ev, _CLAIMABLE, state.claimable, p.provider, to_provider))
    return changes


@_handles("LeaseMarket.EarningsClaimed", "provider amount seq")
def _earnings_claimed(state: MirrorState, ev: Event) -> Deltas:
    provider, amount, _ = ev.args
    return [_value_change(ev, _CLAIMABLE, state.claimable, provider, -amount)]


def apply(state: MirrorState, ev: Event) -> Changes:
    """What ``ev`` changes in ``state``, its journal head included (pure: ``state`` is not touched).

    Raises:
        JournalGapError: the event's ``seq`` is not the contract's next one.
        MirrorStateError: the event does not fit the state (an event was missed).
    """
    spec = ev.spec
    handler = HANDLERS.get(spec.qualname)
    changes = [Change(*delta) for delta in handler(state, ev)] if handler is not None else []
    if spec.seq_index >= 0:
        before = state.journals.get(spec.contract)
        last = before or _EMPTY_JOURNAL
        seq = ev.args[spec.seq_index]
        if seq != last.seq + 1:
            raise JournalGapError(spec.contract, last.seq + 1, seq, ev.block_number)
        head = extend(last.head, (ev.raw,))
        changes.append(Change(_JOURNAL, spec.contract, before, JournalState(seq, head)))
    return changes


_EMPTY_JOURNAL: Final = JournalState()


def check_handlers(specs: Mapping[str, Mapping[str, EventSpec]]) -> None:
    """Fail loudly when a handled event's ABI arguments differ from what its handler unpacks."""
    for qualname, expected in EXPECTED_ARGS.items():
        contract, name = qualname.split(".")
        spec = specs.get(contract, {}).get(name)
        if spec is None:
            raise MirrorStateError(qualname, -1, "the ABI has no such event: re-export the ABIs")
        if spec.names != expected:
            raise MirrorStateError(
                qualname, -1, f"ABI arguments {spec.names} differ from the handler's {expected}"
            )


# ---------------------------------------------------------------------------------------- state


def _add(index: dict[Any, set[Any]], key: Any, item: Any) -> None:
    bucket = index.get(key)
    if bucket is None:
        index[key] = {item}
    else:
        bucket.add(item)


def _discard(index: dict[Any, set[Any]], key: Any, item: Any) -> None:
    bucket = index.get(key)
    if bucket is not None:
        bucket.discard(item)
        if not bucket:
            del index[key]


class MirrorState:
    """Every table and index of the mirror, at one block (``number``, ``block_hash``).

    Written by one thread (the follower) through :meth:`commit` between :meth:`begin` and
    :meth:`end`; read by any thread through :meth:`view`.
    """

    def __init__(self) -> None:
        # tables (key -> value)
        self.journals: dict[str, JournalState] = {}  # contract name
        self.policies: dict[int, RegistrationPolicy] = {}  # 0 (absent: Open)
        self.roles: dict[tuple[bytes, str], bool] = {}  # (role, account)
        self.tenants: dict[int, Tenant] = {}  # tenant id
        self.operators: dict[tuple[int, str], int] = {}  # (tenant id, operator) -> expiresAt
        self.quotas: dict[tuple[int, bytes], int] = {}  # (tenant id, class) -> max units
        self.pools: dict[int, Pool] = {}  # pool id
        self.leases: dict[int, Lease] = {}  # lease id
        self.accounts: dict[int, Account] = {}  # tenant id
        self.claimable: dict[str, int] = {}  # provider
        self.active_units: dict[tuple[int, bytes], int] = {}  # (tenant id, class)
        self.anchors: dict[bytes, Anchor] = {}  # digest or root
        self.batch_uris: dict[bytes, str] = {}  # root (only non-empty URIs)
        self.tables: dict[Kind, dict[Any, Any]] = {
            Kind.JOURNAL: self.journals, Kind.POLICY: self.policies, Kind.ROLE: self.roles,
            Kind.TENANT: self.tenants, Kind.OPERATOR: self.operators, Kind.QUOTA: self.quotas,
            Kind.POOL: self.pools, Kind.LEASE: self.leases, Kind.ACCOUNT: self.accounts,
            Kind.CLAIMABLE: self.claimable, Kind.ACTIVE_UNITS: self.active_units,
            Kind.ANCHOR: self.anchors, Kind.BATCH_URI: self.batch_uris,
        }  # fmt: skip
        # indexes
        self.tenants_by_owner: dict[str, set[int]] = {}
        self.tenants_by_operator: dict[str, set[int]] = {}
        self.pools_by_provider: dict[str, set[int]] = {}
        self.pools_by_class: dict[bytes, set[int]] = {}
        self.class_capacity: dict[bytes, list[int]] = {}  # class -> [capacity, allocated]
        self.leases_by_tenant: dict[int, set[int]] = {}
        self.leases_by_pool: dict[int, set[int]] = {}
        self.leases_by_provider: dict[str, set[int]] = {}
        self.leases_by_status: dict[LeaseStatus, set[int]] = {}
        self.active_by_end: dict[int, set[int]] = {}  # end // END_BUCKET_SECONDS -> active leases
        self.end_buckets: list[int] = []  # sorted keys of active_by_end
        self.anchors_by_tenant: dict[int, list[bytes]] = {}  # in anchoring order
        self.batches_by_tenant: dict[int, list[bytes]] = {}
        self.totals = Account()  # Σ free and Σ reserved escrow, mutated in place (not shared)
        self.total_claimable = 0
        # position
        self.number = -1
        self.block_hash = ZERO_HASH
        self.timestamp = 0
        self.generation = 0  # odd while the writer is between begin() and end()
        self.log: Changes = []  # changes since begin()
        self._indexers: dict[Kind, Callable[[Any, Any, Any], None]] = {
            Kind.TENANT: self._index_tenant, Kind.OPERATOR: self._index_operator,
            Kind.POOL: self._index_pool, Kind.LEASE: self._index_lease,
            Kind.ACCOUNT: self._index_account, Kind.CLAIMABLE: self._index_claimable,
            Kind.ANCHOR: self._index_anchor,
        }  # fmt: skip
        self._table_list = [self.tables[kind] for kind in Kind]
        self._indexer_list = [self._indexers.get(kind) for kind in Kind]

    # ---------------------------------------------------------------------------- writing

    def begin(self) -> None:
        """Start writing a block: views taken before become stale."""
        self.generation += 1
        self.log = []

    def end(self, number: int, block_hash: str, timestamp: int | None = None) -> Changes:
        """Finish writing: the state is now at ``(number, block_hash)``. Returns the changes."""
        self.number = number
        self.block_hash = block_hash
        if timestamp is not None:
            self.timestamp = timestamp
        self.generation += 1
        log, self.log = self.log, []
        return log

    def commit(self, changes: Iterable[Change]) -> None:
        """Write changes (between :meth:`begin` and :meth:`end`) and keep every index in step."""
        # Lists indexed by kind: hashing an IntEnum runs Python code, indexing a list does not.
        tables = self._table_list
        indexers = self._indexer_list
        log = self.log
        for change in changes:
            kind = change.kind
            after = change.after
            if after is None:
                tables[kind].pop(change.key, None)
            else:
                tables[kind][change.key] = after
            indexer = indexers[kind]
            if indexer is not None:
                indexer(change.key, change.before, after)
            log.append(change)

    def apply_events(self, events: Iterable[Event]) -> None:
        """Apply events in order (between :meth:`begin` and :meth:`end`), each event's changes
        logged so :meth:`undo` can revert them: for blocks that may still be reorganized."""
        commit = self.commit
        for ev in events:
            commit(apply(self, ev))

    def apply_final(self, events: Iterable[Event]) -> Changes:
        """Apply events of finalized blocks in order (between :meth:`begin` and :meth:`end`),
        keeping nothing to undo them one by one: what a backfill needs.

        Each event goes through its handler as in :meth:`apply_events` and sees the state the
        events before it left. Each entry they touch then gets one change, from its value before
        the first of them to its value after the last (none for an entry created and deleted
        among them), and its indexes are updated once; each contract's journal head is extended
        over its events in one go. Returns those net changes, grouped by table (they are also
        the state's log, returned by :meth:`end`).

        Raises:
            JournalGapError, MirrorStateError: as :func:`apply`; the tables are then back as
                they were before the first event (nothing is logged, no index was touched).
        """
        tables = self._table_list
        firsts: list[dict[Any, Any]] = [{} for _ in tables]  # per kind: key -> value before
        seqs: dict[str, int] = {}  # contract -> seq of its last event here
        raws: dict[str, list[bytes]] = {}  # contract -> its journaled logs here, in order
        try:
            for ev in events:
                spec = ev.spec
                handler = HANDLERS.get(spec.qualname)
                if handler is not None:
                    for kind, key, before, after in handler(self, ev):
                        first = firsts[kind]
                        if key not in first:
                            first[key] = before
                        if after is None:
                            tables[kind].pop(key, None)
                        else:
                            tables[kind][key] = after
                if spec.seq_index >= 0:
                    contract = spec.contract
                    last = seqs.get(contract)
                    if last is None:
                        last = (self.journals.get(contract) or _EMPTY_JOURNAL).seq
                        raws[contract] = []
                    seq = ev.args[spec.seq_index]
                    if seq != last + 1:
                        raise JournalGapError(contract, last + 1, seq, ev.block_number)
                    seqs[contract] = seq
                    raws[contract].append(ev.raw)
        except BaseException:
            for table, first in zip(tables, firsts, strict=True):
                for key, before in first.items():
                    if before is None:
                        table.pop(key, None)
                    else:
                        table[key] = before
            raise
        journals, before_journals = self.journals, firsts[Kind.JOURNAL]
        for contract, seq in seqs.items():
            before = before_journals[contract] = journals.get(contract)
            head = extend((before or _EMPTY_JOURNAL).head, raws[contract])
            journals[contract] = JournalState(seq, head)
        changes: Changes = []
        for kind, first, indexer in zip(Kind, firsts, self._indexer_list, strict=True):
            table = tables[kind]
            for key, before in first.items():
                after = table.get(key)
                if before is None and after is None:
                    continue
                if indexer is not None:
                    indexer(key, before, after)
                changes.append(Change(kind, key, before, after))
        self.log.extend(changes)
        return changes

    def undo(self, changes: Sequence[Change]) -> Changes:
        """Revert ``changes`` (last first); returns the inverse changes in the order applied."""
        inverse = [change.inverse() for change in reversed(changes)]
        self.commit(inverse)
        return inverse

    def load(self, kind: Kind, items: Iterable[tuple[Any, Any]]) -> None:
        """Bulk-insert entries of one table into an empty state (restoring a snapshot).

        Anchors must come in anchoring order, (block, digest), as snapshots store them.
        """
        table = self._table_list[kind]
        if kind == Kind.ANCHOR:
            # Snapshots hand anchors over in anchoring order: plain appends keep the lists ordered.
            by_tenant, batches = self.anchors_by_tenant, self.batches_by_tenant
            for key, value in items:
                table[key] = value
                digests = by_tenant.get(value.tenant_id)
                if digests is None:
                    by_tenant[value.tenant_id] = [key]
                else:
                    digests.append(key)
                if value.count:
                    batches.setdefault(value.tenant_id, []).append(key)
            return
        indexer = self._indexer_list[kind]
        for key, value in items:
            table[key] = value
            if indexer is not None:
                indexer(key, None, value)

    # ---------------------------------------------------------------------------- indexes

    def _index_tenant(self, tenant_id: int, before: Tenant | None, after: Tenant | None) -> None:
        if before is not None and (after is None or after.owner != before.owner):
            _discard(self.tenants_by_owner, before.owner, tenant_id)
        if after is not None and (before is None or after.owner != before.owner):
            _add(self.tenants_by_owner, after.owner, tenant_id)

    def _index_operator(self, key: tuple[int, str], before: int | None, after: int | None) -> None:
        if after is None:
            _discard(self.tenants_by_operator, key[1], key[0])
        elif before is None:
            _add(self.tenants_by_operator, key[1], key[0])

    def _index_pool(self, pool_id: int, before: Pool | None, after: Pool | None) -> None:
        if before is not None:
            totals = self.class_capacity[before.resource_class]
            totals[0] -= before.capacity
            totals[1] -= before.allocated
            if after is None:
                _discard(self.pools_by_provider, before.provider, pool_id)
                _discard(self.pools_by_class, before.resource_class, pool_id)
                if not self.pools_by_class.get(before.resource_class):
                    del self.class_capacity[before.resource_class]
        if after is not None:
            found = self.class_capacity.get(after.resource_class)
            if found is None:
                found = self.class_capacity[after.resource_class] = [0, 0]
            totals = found
            totals[0] += after.capacity
            totals[1] += after.allocated
            if before is None:
                _add(self.pools_by_provider, after.provider, pool_id)
                _add(self.pools_by_class, after.resource_class, pool_id)

    def _index_lease(self, lease_id: int, before: Lease | None, after: Lease | None) -> None:
        if (
            before is not None
            and after is not None
            and before.status == after.status
            and before.end == after.end
        ):
            return  # a settlement: nothing any index holds changed
        if before is None and after is not None:
            _add(self.leases_by_tenant, after.tenant_id, lease_id)
            _add(self.leases_by_pool, after.pool_id, lease_id)
            pool = self.pools.get(after.pool_id)
            if pool is not None:
                _add(self.leases_by_provider, pool.provider, lease_id)
        elif after is None and before is not None:
            _discard(self.leases_by_tenant, before.tenant_id, lease_id)
            _discard(self.leases_by_pool, before.pool_id, lease_id)
            pool = self.pools.get(before.pool_id)
            if pool is not None:
                _discard(self.leases_by_provider, pool.provider, lease_id)
        old_status = before.status if before is not None else None
        new_status = after.status if after is not None else None
        if old_status != new_status:
            if old_status is not None:
                _discard(self.leases_by_status, old_status, lease_id)
            if new_status is not None:
                _add(self.leases_by_status, new_status, lease_id)
        old_end = (
            before.end // END_BUCKET_SECONDS
            if before is not None and before.status == _ACTIVE
            else None
        )
        new_end = (
            after.end // END_BUCKET_SECONDS
            if after is not None and after.status == _ACTIVE
            else None
        )
        if old_end != new_end:
            if old_end is not None:
                _discard(self.active_by_end, old_end, lease_id)
                if old_end not in self.active_by_end:
                    self.end_buckets.pop(bisect_right(self.end_buckets, old_end) - 1)
            if new_end is not None:
                if new_end not in self.active_by_end:
                    insort(self.end_buckets, new_end)
                _add(self.active_by_end, new_end, lease_id)

    def _index_account(self, _: int, before: Account | None, after: Account | None) -> None:
        totals = self.totals
        if before is not None:
            totals.free -= before.free
            totals.reserved -= before.reserved
        if after is not None:
            totals.free += after.free
            totals.reserved += after.reserved

    def _index_claimable(self, _: str, before: int | None, after: int | None) -> None:
        self.total_claimable += (after or 0) - (before or 0)

    def _index_anchor(self, digest: bytes, before: Anchor | None, after: Anchor | None) -> None:
        if before is None and after is not None:
            self._insert_anchor(self.anchors_by_tenant, digest, after)
            if after.count:
                self._insert_anchor(self.batches_by_tenant, digest, after)
        elif after is None and before is not None:
            # Undo runs newest first, so the digest is usually the last one in its tenant's lists.
            for index in (self.anchors_by_tenant, self.batches_by_tenant):
                digests = index.get(before.tenant_id)
                if digests and digests[-1] == digest:
                    digests.pop()
                elif digests and digest in digests:
                    digests.remove(digest)
                if digests is not None and not digests:
                    del index[before.tenant_id]

    def _insert_anchor(self, index: dict[int, list[bytes]], digest: bytes, record: Anchor) -> None:
        """Keep each tenant's list in anchoring order, defined as (block, digest): the same order
        whether the mirror applied the events or restored a snapshot."""
        digests = index.get(record.tenant_id)
        if digests is None:
            index[record.tenant_id] = [digest]
            return
        position = len(digests)
        order = (record.block_number, digest)
        anchors = self.anchors
        while position:
            previous = anchors[digests[position - 1]]
            if (previous.block_number, previous.digest) <= order:
                break
            position -= 1
        digests.insert(position, digest)

    # ---------------------------------------------------------------------------- reading

    def view(self) -> View:
        """A read view pinned to the current block (waits out a block being written)."""
        while True:
            generation = self.generation
            if generation & 1:
                time.sleep(0)  # the writer is mid-block: let it finish
                continue
            view = View(self, self.number, self.block_hash, self.timestamp, generation)
            if self.generation == generation:
                return view

    def entries(self, kind: Kind) -> Iterator[tuple[Any, Any]]:
        """Every ``(key, value)`` of one table (writer thread only)."""
        return iter(self.tables[kind].items())

    def digest(self) -> str:
        """A hash of every table's content, independent of insertion order: equal states, equal
        digests. For comparing replicas; costs a sort per table (writer thread or a quiet state)."""
        h = hashlib.blake2b(digest_size=32)
        for kind in Kind:
            rows = sorted(
                (marshal.dumps(_plain(key), 2), marshal.dumps(_plain(value), 2))
                for key, value in self.tables[kind].items()
            )
            h.update(kind.to_bytes(1, "big") + len(rows).to_bytes(8, "big"))
            for key_bytes, value_bytes in rows:
                h.update(len(key_bytes).to_bytes(4, "big") + key_bytes + value_bytes)
        return h.hexdigest()

    def counts(self) -> dict[str, int]:
        """Number of entries per table."""
        return {kind.name.lower(): len(table) for kind, table in self.tables.items()}


def _plain(value: Any) -> Any:
    """Entities as tuples of builtins (IntEnums as ints), for hashing and storage."""
    if isinstance(value, tuple):
        return tuple(_plain(v) for v in value)
    if hasattr(value, "__dataclass_fields__"):
        return tuple(_plain(v) for v in astuple(value))
    if isinstance(value, IntEnum):
        return int(value)
    return value


# ----------------------------------------------------------------------------------------- views


class View:
    """Reads pinned to one block: every answer is the state at ``(number, block_hash)``.

    Reads are dict lookups; each checks afterwards that no block was written since the view was
    taken and raises :class:`~offchain.exceptions.StaleViewError` if one was. Returned entities are
    shared, immutable values: do not modify them.
    """

    __slots__ = ("_gen", "_s", "block_hash", "number", "timestamp")

    def __init__(
        self, state: MirrorState, number: int, block_hash: str, timestamp: int, generation: int
    ) -> None:
        self._s = state
        self._gen = generation
        self.number = number
        self.block_hash = block_hash
        self.timestamp = timestamp

    def __repr__(self) -> str:
        return f"View(number={self.number}, block_hash={self.block_hash!r})"

    @property
    def fresh(self) -> bool:
        """Whether the mirror is still at this view's block."""
        return self._s.generation == self._gen

    def _ok(self) -> None:
        if self._s.generation != self._gen:
            raise StaleViewError(self.number, self.block_hash)

    def _get(self, table: dict[Any, Any], key: Any) -> Any:
        value = table.get(key)
        if self._s.generation != self._gen:
            raise StaleViewError(self.number, self.block_hash)
        return value

    def _ids(self, index: Mapping[Any, Iterable[Any]], key: Any) -> tuple[Any, ...]:
        found = index.get(key)
        ids = tuple(sorted(found)) if found else ()
        self._ok()
        return ids

    # tenants and registry
    def tenant(self, tenant_id: int) -> Tenant | None:
        """The tenant, or ``None``."""
        s = self._s
        value = s.tenants.get(tenant_id)
        if s.generation != self._gen:
            raise StaleViewError(self.number, self.block_hash)
        return value

    def tenant_count(self) -> int:
        """Tenants registered (ids are sequential from 1)."""
        count = len(self._s.tenants)
        self._ok()
        return count

    def tenants_of_owner(self, owner: str) -> tuple[int, ...]:
        """Ids of the tenants ``owner`` owns, ascending."""
        return self._ids(self._s.tenants_by_owner, to_checksum(owner))

    def tenants_of_operator(self, operator: str) -> tuple[int, ...]:
        """Ids of the tenants that granted ``operator`` (expired grants included), ascending."""
        return self._ids(self._s.tenants_by_operator, to_checksum(operator))

    def operator_expiry(self, tenant_id: int, operator: str) -> int:
        """When the grant expires (0: never granted or revoked)."""
        return self._get(self._s.operators, (tenant_id, to_checksum(operator))) or 0

    def quota(self, tenant_id: int, resource_class: bytes) -> int:
        """The tenant's quota for a class (0 when unset)."""
        return self._get(self._s.quotas, (tenant_id, resource_class)) or 0

    def registration_policy(self) -> RegistrationPolicy:
        """The registration policy."""
        return self._get(self._s.policies, 0) or RegistrationPolicy.OPEN

    def has_role(self, role: bytes, account: str) -> bool:
        """Whether ``account`` holds ``role`` in the registry."""
        return bool(self._get(self._s.roles, (role, to_checksum(account))))

    def is_authorized(self, tenant_id: int, account: str, now: int | None = None) -> bool:
        """``TenantRegistry.isAuthorized`` at time ``now`` (default: this block's timestamp)."""
        account = to_checksum(account)
        t = self._s.tenants.get(tenant_id)
        expiry = self._s.operators.get((tenant_id, account), 0)
        self._ok()
        if t is None or t.status != TenantStatus.ACTIVE:
            return False
        return t.owner == account or expiry > (self.timestamp if now is None else now)

    # pools
    def pool(self, pool_id: int) -> Pool | None:
        """The pool, or ``None``."""
        s = self._s
        value = s.pools.get(pool_id)
        if s.generation != self._gen:
            raise StaleViewError(self.number, self.block_hash)
        return value

    def pool_count(self) -> int:
        """Pools created (ids are sequential from 1)."""
        count = len(self._s.pools)
        self._ok()
        return count

    def pools_of_provider(self, provider: str) -> tuple[int, ...]:
        """Ids of the provider's pools, ascending."""
        return self._ids(self._s.pools_by_provider, to_checksum(provider))

    def pools_of_class(self, resource_class: bytes) -> tuple[int, ...]:
        """Ids of the pools offering a class, ascending."""
        return self._ids(self._s.pools_by_class, resource_class)

    def utilization(self, pool_id: int) -> tuple[int, int]:
        """``(allocated, capacity)`` of a pool (``(0, 0)`` when unknown)."""
        p = self._get(self._s.pools, pool_id)
        return (p.allocated, p.capacity) if p is not None else (0, 0)

    def class_utilization(self, resource_class: bytes) -> tuple[int, int]:
        """``(allocated, capacity)`` summed over every pool of a class (retired ones included)."""
        totals = self._s.class_capacity.get(resource_class)
        result = (totals[1], totals[0]) if totals is not None else (0, 0)
        self._ok()
        return result

    # leases
    def lease(self, lease_id: int) -> Lease | None:
        """The lease, or ``None``."""
        s = self._s
        value = s.leases.get(lease_id)
        if s.generation != self._gen:
            raise StaleViewError(self.number, self.block_hash)
        return value

    def leases_of_tenant(self, tenant_id: int) -> tuple[int, ...]:
        """Ids of the tenant's leases (every status), ascending."""
        return self._ids(self._s.leases_by_tenant, tenant_id)

    def leases_of_pool(self, pool_id: int) -> tuple[int, ...]:
        """Ids of the pool's leases (every status), ascending."""
        return self._ids(self._s.leases_by_pool, pool_id)

    def leases_of_provider(self, provider: str) -> tuple[int, ...]:
        """Ids of the leases in the provider's pools (every status), ascending."""
        return self._ids(self._s.leases_by_provider, to_checksum(provider))

    def leases_with_status(self, status: LeaseStatus) -> tuple[int, ...]:
        """Ids of the leases in a status, ascending."""
        return self._ids(self._s.leases_by_status, LeaseStatus(status))

    def active_leases_ending(self, until: int, since: int = 0) -> tuple[int, ...]:
        """Ids of the active leases whose end lies in ``[since, until]``, ascending by end then id.

        ``active_leases_ending(view.timestamp)`` lists what ``reclaim`` can close now.
        """
        s = self._s
        first = bisect_right(s.end_buckets, since // END_BUCKET_SECONDS - 1)
        last = bisect_right(s.end_buckets, until // END_BUCKET_SECONDS)
        found: list[tuple[int, int]] = []
        for bucket in s.end_buckets[first:last]:
            for lease_id in tuple(s.active_by_end.get(bucket, ())):
                found_lease = s.leases.get(lease_id)
                if found_lease is not None and since <= found_lease.end <= until:
                    found.append((found_lease.end, lease_id))
        self._ok()
        return tuple(lease_id for _, lease_id in sorted(found))

    # balances
    def account(self, tenant_id: int) -> Account:
        """The tenant's free and reserved escrow."""
        return self._get(self._s.accounts, tenant_id) or _EMPTY_ACCOUNT

    def claimable(self, provider: str) -> int:
        """What the provider can claim without settling more leases."""
        return self._get(self._s.claimable, to_checksum(provider)) or 0

    def active_units(self, tenant_id: int, resource_class: bytes) -> int:
        """Units the tenant holds in active leases of a class."""
        return self._get(self._s.active_units, (tenant_id, resource_class)) or 0

    def escrow_totals(self) -> tuple[int, int, int]:
        """``(Σ free, Σ reserved, Σ claimable)``: what the market must hold (ETH deployments)."""
        s = self._s
        totals = (s.totals.free, s.totals.reserved, s.total_claimable)
        self._ok()
        return totals

    # anchors
    def anchor(self, digest: bytes) -> Anchor | None:
        """The anchor under a digest or batch root, or ``None``."""
        s = self._s
        value = s.anchors.get(digest)
        if s.generation != self._gen:
            raise StaleViewError(self.number, self.block_hash)
        return value

    def batch(self, root: bytes) -> Anchor | None:
        """The anchor under ``root`` if it is a batch root (``count > 0``), else ``None``."""
        found: Anchor | None = self._get(self._s.anchors, root)
        return found if found is not None and found.count else None

    def batch_uri(self, root: bytes) -> str:
        """Where the batch under ``root`` is published ('' when none was given)."""
        return self._get(self._s.batch_uris, root) or ""

    def anchors_of_tenant(self, tenant_id: int) -> tuple[bytes, ...]:
        """Digests and roots anchored by the tenant, in anchoring order."""
        found = self._s.anchors_by_tenant.get(tenant_id)
        result = tuple(found) if found else ()
        self._ok()
        return result

    def batches_of_tenant(self, tenant_id: int) -> tuple[bytes, ...]:
        """Batch roots anchored by the tenant, in anchoring order."""
        found = self._s.batches_by_tenant.get(tenant_id)
        result = tuple(found) if found else ()
        self._ok()
        return result

    # journal
    def journal(self, contract: str) -> JournalState:
        """The contract's journal ``(seq, head)`` as recomputed from the applied events."""
        return self._get(self._s.journals, contract) or _EMPTY_JOURNAL

    def journals(self) -> dict[str, JournalState]:
        """Every contract's journal."""
        found = dict(self._s.journals)
        self._ok()
        return found


_EMPTY_ACCOUNT: Final = Account()

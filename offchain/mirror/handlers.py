"""The pure event handlers: what each contract event changes in the mirrored state.

A handler reads the state and returns deltas, ``(kind, key, before, after)`` tuples; it never
writes. :func:`apply` is the pure function ``(state, event) -> list[Change]``: the handler's deltas
as :class:`~offchain.mirror.entities.Change` records plus the contract's journal head.
:meth:`MirrorState.commit <offchain.mirror.state.MirrorState.commit>` writes them, and
:meth:`MirrorState.apply_final <offchain.mirror.state.MirrorState.apply_final>` runs the handlers
of :data:`HANDLERS` directly over a backfill chunk. :func:`check_handlers` checks each handler's
unpacking against the ABI.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, NoReturn, TypeAlias

from offchain.chain.decode import Event, EventSpec
from offchain.exceptions import JournalGapError, MirrorStateError
from offchain.mirror.entities import (
    ZERO_ADDRESS,
    Account,
    Anchor,
    Change,
    Changes,
    CloseReason,
    Kind,
    Lease,
    LeaseStatus,
    OperatorLimits,
    Pool,
    PoolStatus,
    RegistrationPolicy,
    Tenant,
    TenantStatus,
)
from offchain.mirror.journal import EMPTY_JOURNAL, JournalState, extend

if TYPE_CHECKING:
    from offchain.mirror.state import MirrorState

# Per-event code names enum members through module globals: on Python 3.11 ``Kind.LEASE`` is a
# lookup through the enum's metaclass (~150 ns), a global a dict lookup (~10 ns).
(_JOURNAL, _POLICY, _ROLE, _TENANT, _OPERATOR, _QUOTA, _POOL, _LEASE, _ACCOUNT, _CLAIMABLE,
 _ACTIVE_UNITS, _ANCHOR, _BATCH_URI, _OPERATOR_LIMITS, _PAYOUT, _PENDING_HANDOVER,
 _LEASE_OPENER) = Kind  # fmt: skip
_ACTIVE, _CLOSED, _NOT_CLOSED = LeaseStatus.ACTIVE, LeaseStatus.CLOSED, CloseReason.NONE
_POOL_OPEN = PoolStatus.OPEN

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
    # Every grant of the previous owner lapses with the transfer (the registry's operator epoch),
    # and so do the limits it set in the market (keyed by that epoch).
    # The table, not the operator index: a backfill chunk updates indexes only at its end. Transfers
    # are rare, so one pass over the operators is cheap enough.
    lapsed = sorted(key for key in state.operators if key[0] == tenant_id)
    changes.extend((_OPERATOR, key, state.operators[key], None) for key in lapsed)
    limits = state.operator_limits
    lapsed = sorted(key for key in limits if key[0] == tenant_id)
    changes.extend((_OPERATOR_LIMITS, key, limits[key], None) for key in lapsed)
    return changes


@_handles("TenantRegistry.OperatorGranted", "tenantId operator expiresAt seq")
def _operator_granted(state: MirrorState, ev: Event) -> Deltas:
    tenant_id, operator, expires_at, _ = ev.args
    key = (tenant_id, operator)
    # A re-grant replaces the expiry; the limits are the market's and stay as they are.
    return [(_OPERATOR, key, state.operators.get(key), expires_at)]


@_handles("LeaseMarket.OperatorLimitsSet", "tenantId operator allowance maxDuration seq")
def _operator_limits_set(state: MirrorState, ev: Event) -> Deltas:
    tenant_id, operator, allowance, max_duration, _ = ev.args
    key = (tenant_id, operator)
    # Replaces both limits (ERC-20 ``approve``: not added to what is left).
    new = OperatorLimits(allowance, max_duration)
    return [(_OPERATOR_LIMITS, key, state.operator_limits.get(key), new)]


@_handles("LeaseMarket.OperatorAllowanceSpent", "tenantId operator amount remaining seq")
def _operator_allowance_spent(state: MirrorState, ev: Event) -> Deltas:
    tenant_id, operator, _, remaining, _ = ev.args
    key = (tenant_id, operator)
    limits = state.operator_limits.get(key)
    if limits is None:
        raise MirrorStateError(
            ev.spec.name, ev.block_number, f"no limits of {operator} in tenant {tenant_id}"
        )
    return [(_OPERATOR_LIMITS, key, limits, OperatorLimits(remaining, limits.max_duration))]


@_handles("TenantRegistry.OperatorRevoked", "tenantId operator seq")
def _operator_revoked(state: MirrorState, ev: Event) -> Deltas:
    tenant_id, operator, _ = ev.args
    key = (tenant_id, operator)
    # The market keeps the limits the owner set (a re-grant finds them again).
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


@_handles("TenantRegistry.RoleChanged", "role account granted sender seq")
def _role_changed(state: MirrorState, ev: Event) -> Deltas:
    """Roles follow the journaled RoleChanged (OpenZeppelin's RoleGranted and RoleRevoked beside it
    carry no seq: a node that dropped one of those would leave no trace in the journal)."""
    role, account, granted, _, _ = ev.args
    key = (role, account)
    return [(_ROLE, key, state.roles.get(key), True if granted else None)]


@_handles("TenantRegistry.RoleGranted", "role account sender")
@_handles("TenantRegistry.RoleRevoked", "role account sender")
def _role_event_of_openzeppelin(state: MirrorState, ev: Event) -> Deltas:
    return []  # the RoleChanged of the same change carries it


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


@_handles("LeaseMarket.PoolStatusChanged", "poolId status by byAdmin seq")
def _pool_status_changed(state: MirrorState, ev: Event) -> Deltas:
    pool_id, status, _, _, _ = ev.args
    p = state.pools.get(pool_id) or _unknown(ev, "pool", pool_id)
    return [(_POOL, pool_id, p, _with_pool(p, status=PoolStatus(status)))]


@_handles("LeaseMarket.PayoutAddressSet", "provider payout seq")
def _payout_address_set(state: MirrorState, ev: Event) -> Deltas:
    provider, payout, _ = ev.args
    # The zero address names the provider itself: stored as absent, as on chain.
    after = payout if payout != ZERO_ADDRESS else None
    return [(_PAYOUT, provider, state.payouts.get(provider), after)]


@_handles("LeaseMarket.ProviderHandoverProposed", "provider newProvider seq")
def _provider_handover_proposed(state: MirrorState, ev: Event) -> Deltas:
    provider, new_provider, _ = ev.args
    after = new_provider if new_provider != ZERO_ADDRESS else None
    return [(_PENDING_HANDOVER, provider, state.pending_handovers.get(provider), after)]


@_handles("LeaseMarket.ProviderHandedOver", "previousProvider newProvider seq")
def _provider_handed_over(state: MirrorState, ev: Event) -> Deltas:
    previous, new_provider, _ = ev.args
    # The contract moves one provider id, so every pool with its earnings goes at once. The
    # provider index is current even inside a backfill chunk (MirrorState keeps it per change).
    pools = state.pools
    changes: Deltas = []
    for pool_id in sorted(state.pools_by_provider.get(previous, ())):
        p = pools[pool_id]
        moved = Pool(
            p.pool_id, new_provider, p.resource_class, p.capacity, p.allocated,
            p.price_per_unit_second, p.min_duration, p.max_duration, p.status,
        )  # fmt: skip
        changes.append((_POOL, pool_id, p, moved))
    earned = state.claimable.get(previous)
    if earned:
        changes.append((_CLAIMABLE, previous, earned, None))
        changes.append(_value_change(ev, _CLAIMABLE, state.claimable, new_provider, earned))
    payout = state.payouts.get(previous)
    if payout is not None:
        changes.append((_PAYOUT, previous, payout, None))  # reset: the new provider is paid
    pending = state.pending_handovers.get(previous)
    if pending is not None:
        changes.append((_PENDING_HANDOVER, previous, pending, None))
    return changes


@_handles(
    "LeaseMarket.LeaseOpened",
    "leaseId tenantId poolId units pricePerUnitSecond start end cost openedBy seq",
)
def _lease_opened(state: MirrorState, ev: Event) -> Deltas:
    lease_id, tenant_id, pool_id, units, price, start, end, cost, opened_by, _ = ev.args
    if lease_id in state.leases:
        raise MirrorStateError(ev.spec.name, ev.block_number, f"lease {lease_id} exists")
    p = state.pools.get(pool_id) or _unknown(ev, "pool", pool_id)
    new = Lease(lease_id, tenant_id, pool_id, units, start, end, _ACTIVE, _NOT_CLOSED, price, start)
    return [
        (_LEASE, lease_id, None, new),
        (_POOL, pool_id, p, _with_pool(p, allocated=p.allocated + units)),
        _account_change(state, ev, tenant_id, -cost, cost),
        _value_change(ev, _ACTIVE_UNITS, state.active_units, (tenant_id, p.resource_class), units),
        (_LEASE_OPENER, lease_id, None, opened_by),
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
    # The close pays the provider up to the close time (or the end): paidUntil moves there, and
    # what is refunded is exactly the rest, at the lease's price (never zero) per unit-second.
    paid_until = x.end - refunded // (x.units * x.price_per_unit_second)
    new = _with_lease(x, x.end, _CLOSED, CloseReason(reason), paid_until)
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


@_handles("LeaseMarket.EarningsClaimed", "provider to amount seq")
def _earnings_claimed(state: MirrorState, ev: Event) -> Deltas:
    provider, _, amount, _ = ev.args  # the provider's balance, whatever address it was paid to
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
        last = before or EMPTY_JOURNAL
        seq = ev.args[spec.seq_index]
        if seq != last.seq + 1:
            raise JournalGapError(spec.contract, last.seq + 1, seq, ev.block_number)
        head = extend(last.head, (ev.raw,))
        changes.append(Change(_JOURNAL, spec.contract, before, JournalState(seq, head)))
    return changes


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

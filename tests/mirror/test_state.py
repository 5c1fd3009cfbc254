"""The mirrored state: pure handlers, indexes, journal heads, undo, pinned views."""

from __future__ import annotations

import copy
import random
from collections import defaultdict
from typing import Any

import pytest
from _history import history
from _synthetic_logs import GPU, OPERATOR, OTHER, OWNER, PROVIDER, Logs
from hypothesis import example, given, settings
from hypothesis import strategies as st

from offchain.chain.decode import Decoder, to_checksum
from offchain.exceptions import (
    JournalGapError,
    MirrorStateError,
    StaleViewError,
    UnknownLeaseError,
)
from offchain.mirror.entities import (
    END_BUCKET_SECONDS,
    Account,
    Anchor,
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
from offchain.mirror.handlers import apply, check_handlers
from offchain.mirror.journal import replay
from offchain.mirror.state import MirrorState

NOW = 1_700_000_000
UNLIMITED_ALLOWANCE = 2**128 - 1
UNLIMITED_DURATION = 2**32 - 1
ZERO = "0x" + "00" * 20
OWNER_CS, OPERATOR_CS, PROVIDER_CS, OTHER_CS = map(to_checksum, (OWNER, OPERATOR, PROVIDER, OTHER))


@pytest.fixture
def logs() -> Logs:
    return Logs()


@pytest.fixture
def state() -> MirrorState:
    return MirrorState()


def run(state: MirrorState, logs: Logs, *entries: dict[str, Any]) -> Changes:
    """Apply logs as one block."""
    state.begin()
    state.apply_events(logs.decoder.decode_many(list(entries)))
    return state.end(logs.block, logs.block_hash, NOW)


def register(logs: Logs, tenant_id: int = 1, owner: str = OWNER, status: int = 2) -> dict[str, Any]:
    return logs.event(
        "TenantRegistry",
        "TenantRegistered",
        tenantId=tenant_id,
        owner=owner,
        status=status,
        createdAt=NOW,
        metadataURI="ipfs://t",
        metadataHash=b"\x11" * 32,
    )


def pool(logs: Logs, pool_id: int = 1, capacity: int = 10, price: int = 5) -> dict[str, Any]:
    return logs.event(
        "LeaseMarket",
        "PoolCreated",
        poolId=pool_id,
        provider=PROVIDER,
        resourceClass=GPU,
        capacity=capacity,
        pricePerUnitSecond=price,
        minDuration=60,
        maxDuration=86_400,
    )


def deposit(logs: Logs, amount: int, tenant_id: int = 1) -> dict[str, Any]:
    return logs.event(
        "LeaseMarket", "Deposited", tenantId=tenant_id, **{"from": OWNER}, amount=amount
    )


def open_lease(
    logs: Logs,
    units: int = 2,
    duration: int = 3_600,
    price: int = 5,
    tenant_id: int = 1,
    opened_by: str = OWNER,
) -> dict[str, Any]:
    lease_id = logs.seq["LeaseMarket"] + 1
    return logs.event(
        "LeaseMarket",
        "LeaseOpened",
        leaseId=lease_id,
        tenantId=tenant_id,
        poolId=1,
        units=units,
        pricePerUnitSecond=price,
        start=NOW,
        end=NOW + duration,
        cost=units * price * duration,
        openedBy=opened_by,
    )


def with_lease(state: MirrorState, logs: Logs) -> int:
    """A tenant with 100_000 deposited, a pool of 10 units at 5/s, and a 2-unit 1-hour lease."""
    run(state, logs, register(logs), pool(logs), deposit(logs, 100_000))
    logs.next_block()
    opened = open_lease(logs)
    run(state, logs, opened)
    return int(opened["topics"][1], 16)


# ------------------------------------------------------------------------------------ registry


def test_registered_tenant_is_stored_with_owner_status_and_metadata(state, logs):
    run(state, logs, register(logs))
    assert state.view().tenant(1) == Tenant(
        1, OWNER_CS, TenantStatus.ACTIVE, NOW, "ipfs://t", b"\x11" * 32
    )


def test_registered_tenant_is_indexed_by_owner(state, logs):
    run(state, logs, register(logs, 1), register(logs, 2), register(logs, 3, owner=OTHER))
    assert state.view().tenants_of_owner(OWNER) == (1, 2)


def test_status_change_replaces_the_tenant_status(state, logs):
    run(
        state,
        logs,
        register(logs),
        logs.event(
            "TenantRegistry",
            "TenantStatusChanged",
            tenantId=1,
            **{"from": 2},
            to=3,
            reasonCode=7,
            by=OTHER,
        ),
    )
    assert state.view().tenant(1).status == TenantStatus.SUSPENDED


def test_status_change_from_another_status_is_refused(state, logs):
    run(state, logs, register(logs))
    state.begin()
    wrong = logs.event(
        "TenantRegistry",
        "TenantStatusChanged",
        tenantId=1,
        **{"from": 1},
        to=2,
        reasonCode=0,
        by=OTHER,
    )
    with pytest.raises(MirrorStateError, match="tenant 1 is ACTIVE"):
        state.apply_events(logs.decoder.decode_many([wrong]))


@pytest.mark.parametrize(
    ("contract", "event", "values"),
    [
        (
            "TenantRegistry",
            "TenantMetadataUpdated",
            {"tenantId": 9, "metadataURI": "", "metadataHash": bytes(32)},
        ),
        ("LeaseMarket", "PoolPriceChanged", {"poolId": 9, "pricePerUnitSecond": 1}),
        ("LeaseMarket", "LeaseExtended", {"leaseId": 9, "end": 1, "cost": 1}),
        (
            "DataAnchor",
            "AnchorRevoked",
            {"digest": b"\x09" * 32, "tenantId": 1, "reasonCode": 0, "revokedAt": 1, "by": OWNER},
        ),
    ],
    ids=["tenant", "pool", "lease", "anchor"],
)
def test_event_about_an_unknown_entity_is_refused(state, logs, contract, event, values):
    log = logs.event(contract, event, **values)
    with pytest.raises(MirrorStateError, match="unknown"):
        apply(state, logs.decoded(log))


def test_ownership_proposal_sets_the_pending_owner(state, logs):
    run(
        state,
        logs,
        register(logs),
        logs.event(
            "TenantRegistry",
            "TenantOwnershipProposed",
            tenantId=1,
            currentOwner=OWNER,
            proposedOwner=OTHER,
        ),
    )
    assert state.view().tenant(1).pending_owner == OTHER_CS


def test_ownership_transfer_moves_the_owner_index_and_clears_the_proposal(state, logs):
    run(
        state,
        logs,
        register(logs),
        logs.event(
            "TenantRegistry",
            "TenantOwnershipProposed",
            tenantId=1,
            currentOwner=OWNER,
            proposedOwner=OTHER,
        ),
        logs.event(
            "TenantRegistry",
            "TenantOwnershipTransferred",
            tenantId=1,
            previousOwner=OWNER,
            newOwner=OTHER,
        ),
    )
    view = state.view()
    assert (view.tenant(1).owner, view.tenant(1).pending_owner) == (OTHER_CS, "0x" + "00" * 20)
    assert (view.tenants_of_owner(OWNER), view.tenants_of_owner(OTHER)) == ((), (1,))


def test_granted_operator_is_indexed_and_revoking_removes_it(state, logs):
    registered = register(logs)
    grant = _grant(logs, 1, OPERATOR, expires_at=NOW + 10)
    run(state, logs, registered, grant)
    assert (
        state.view().tenants_of_operator(OPERATOR),
        state.view().operator_expiry(1, OPERATOR),
    ) == ((1,), NOW + 10)
    run(state, logs, logs.event("TenantRegistry", "OperatorRevoked", tenantId=1, operator=OPERATOR))
    assert (
        state.view().tenants_of_operator(OPERATOR),
        state.view().operator_expiry(1, OPERATOR),
    ) == ((), 0)


def _grant(
    logs: Logs,
    tenant_id: int,
    operator: str,
    *,
    expires_at: int = NOW + 100,
) -> dict[str, Any]:
    return logs.event(
        "TenantRegistry", "OperatorGranted", tenantId=tenant_id, operator=operator,
        expiresAt=expires_at,
    )  # fmt: skip


def _limits(
    logs: Logs, tenant_id: int, operator: str, allowance: int, max_duration: int
) -> dict[str, Any]:
    return logs.event(
        "LeaseMarket", "OperatorLimitsSet", tenantId=tenant_id, operator=operator,
        allowance=allowance, maxDuration=max_duration,
    )  # fmt: skip


def _transfer(logs: Logs, tenant_id: int) -> dict[str, Any]:
    return logs.event(
        "TenantRegistry", "TenantOwnershipTransferred", tenantId=tenant_id, previousOwner=OWNER,
        newOwner=OTHER,
    )  # fmt: skip


@pytest.mark.parametrize("mode", ["block by block", "backfill chunk"])
def test_an_ownership_transfer_lapses_the_tenants_operators_only(state, logs, mode):
    setup = [
        register(logs),
        register(logs, 2),
        _grant(logs, 1, OPERATOR),
        _grant(logs, 2, OPERATOR),
    ]
    entries = [*setup, _grant(logs, 1, PROVIDER), _transfer(logs, 1)]
    if mode == "block by block":
        run(state, logs, *entries)
    else:  # one final chunk: the grant and the transfer between the same index updates
        state.begin()
        state.apply_final(logs.decoder.decode_many(entries))
        state.end(logs.block, logs.block_hash)

    view = state.view()
    assert (view.operator_expiry(1, OPERATOR), view.operator_expiry(1, PROVIDER)) == (0, 0)
    assert view.operator_expiry(2, OPERATOR) == NOW + 100
    assert (view.tenants_of_operator(OPERATOR), view.tenants_of_operator(PROVIDER)) == ((2,), ())
    assert (view.operators_of_tenant(1), view.operators_of_tenant(2)) == ((), (OPERATOR_CS,))
    assert not view.is_authorized(1, OPERATOR, NOW)


def test_undoing_a_transfer_restores_the_lapsed_operators(state, logs):
    run(state, logs, register(logs), _grant(logs, 1, OPERATOR))
    logs.next_block()
    transfer = run(state, logs, _transfer(logs, 1))

    state.begin()
    state.undo(transfer)
    state.end(logs.block - 1, "0x")

    assert state.view().operator_expiry(1, OPERATOR) == NOW + 100
    assert state.view().tenants_of_operator(OPERATOR) == (1,)


@pytest.mark.parametrize(
    ("status", "account", "now", "authorized"),
    [
        (2, OWNER, NOW, True),
        (2, OPERATOR, NOW + 9, True),
        (2, OPERATOR, NOW + 10, False),  # expired at expiresAt, as isAuthorized says
        (2, OTHER, NOW, False),
        (1, OWNER, NOW, False),  # pending tenants authorize no one
    ],
)
def test_authorization_follows_the_registry_rule(state, logs, status, account, now, authorized):
    run(
        state,
        logs,
        register(logs, status=status),
        _grant(logs, 1, OPERATOR, expires_at=NOW + 10),
    )
    assert state.view().is_authorized(1, account, now) is authorized


def test_quota_set_to_zero_is_stored_as_absent(state, logs):
    run(
        state,
        logs,
        register(logs),
        logs.event("TenantRegistry", "QuotaSet", tenantId=1, resourceClass=GPU, maxUnits=5),
        logs.event("TenantRegistry", "QuotaSet", tenantId=1, resourceClass=GPU, maxUnits=0),
    )
    assert state.view().quota(1, GPU) == 0
    assert (1, GPU) not in state.quotas


def test_policy_change_is_mirrored(state, logs):
    run(state, logs, logs.event("TenantRegistry", "RegistrationPolicyChanged", policy=1))
    assert state.view().registration_policy() == RegistrationPolicy.APPROVAL


def test_roles_follow_the_journaled_role_changes(state, logs):
    role = b"\x42" * 32
    grant = {"role": role, "account": OTHER, "sender": OWNER}
    run(
        state,
        logs,
        logs.event("TenantRegistry", "RoleGranted", **grant),
        logs.event("TenantRegistry", "RoleChanged", granted=True, **grant),
    )
    assert state.view().has_role(role, OTHER)
    assert state.view().journal("TenantRegistry").seq == 1
    run(
        state,
        logs,
        logs.event("TenantRegistry", "RoleRevoked", **grant),
        logs.event("TenantRegistry", "RoleChanged", granted=False, **grant),
    )
    assert not state.view().has_role(role, OTHER)
    assert state.view().journal("TenantRegistry").seq == 2


def test_a_dropped_openzeppelin_role_event_changes_nothing_the_journaled_one_decides(state, logs):
    role = b"\x43" * 32
    run(
        state,
        logs,
        logs.event("TenantRegistry", "RoleChanged", role=role, account=OTHER, granted=True,
                   sender=OWNER),
    )  # fmt: skip
    assert state.view().has_role(role, OTHER)


# --------------------------------------------------------------------------------------- anchors


def test_anchor_is_stored_with_the_block_number_of_its_log(state, logs):
    digest = b"\x21" * 32
    run(state, logs, logs.event("DataAnchor", "Anchored", digest=digest, tenantId=1, timestamp=NOW))
    assert state.view().anchor(digest) == Anchor(digest, 1, NOW, logs.block)


def test_batch_anchor_keeps_its_count_and_uri(state, logs):
    root = b"\x31" * 32
    run(
        state,
        logs,
        logs.event(
            "DataAnchor",
            "BatchAnchored",
            root=root,
            tenantId=1,
            count=4,
            timestamp=NOW,
            uri="ipfs://b",
        ),
    )
    view = state.view()
    assert (view.batch(root).count, view.batch_uri(root), view.batches_of_tenant(1)) == (
        4,
        "ipfs://b",
        (root,),
    )


def test_single_digest_is_not_a_batch(state, logs):
    digest = b"\x21" * 32
    run(state, logs, logs.event("DataAnchor", "Anchored", digest=digest, tenantId=1, timestamp=NOW))
    assert state.view().batch(digest) is None


def test_revocation_sets_revoked_at_and_reason(state, logs):
    digest = b"\x21" * 32
    run(
        state,
        logs,
        logs.event("DataAnchor", "Anchored", digest=digest, tenantId=1, timestamp=NOW),
        logs.event(
            "DataAnchor",
            "AnchorRevoked",
            digest=digest,
            tenantId=1,
            reasonCode=3,
            revokedAt=NOW + 5,
            by=OWNER,
        ),
    )
    record = state.view().anchor(digest)
    assert (record.revoked_at, record.revoke_reason) == (NOW + 5, 3)


def test_anchoring_a_digest_twice_is_refused(state, logs):
    digest = b"\x21" * 32
    run(state, logs, logs.event("DataAnchor", "Anchored", digest=digest, tenantId=1, timestamp=NOW))
    again = logs.event("DataAnchor", "Anchored", digest=digest, tenantId=1, timestamp=NOW)
    with pytest.raises(MirrorStateError, match="anchored twice"):
        apply(state, logs.decoded(again))


def test_anchors_of_a_tenant_are_listed_by_block_then_digest(state, logs):
    high, low, later = b"\x90" * 32, b"\x10" * 32, b"\x50" * 32
    run(
        state,
        logs,
        *[
            logs.event("DataAnchor", "Anchored", digest=d, tenantId=1, timestamp=NOW)
            for d in (high, low)
        ],
    )
    logs.next_block()
    run(state, logs, logs.event("DataAnchor", "Anchored", digest=later, tenantId=1, timestamp=NOW))
    assert state.view().anchors_of_tenant(1) == (low, high, later)


# ---------------------------------------------------------------------------------------- market


def test_deposit_and_withdrawal_move_free_escrow(state, logs):
    run(
        state,
        logs,
        deposit(logs, 500),
        logs.event("LeaseMarket", "Withdrawn", tenantId=1, to=OWNER, amount=200),
    )
    assert state.view().account(1) == Account(300, 0)


def test_withdrawing_more_than_free_escrow_is_refused(state, logs):
    run(state, logs, deposit(logs, 5))
    too_much = logs.event("LeaseMarket", "Withdrawn", tenantId=1, to=OWNER, amount=6)
    with pytest.raises(MirrorStateError, match="negative"):
        apply(state, logs.decoded(too_much))


def test_created_pool_is_open_and_indexed_by_provider_and_class(state, logs):
    run(state, logs, pool(logs))
    view = state.view()
    assert view.pool(1) == Pool(1, PROVIDER_CS, GPU, 10, 0, 5, 60, 86_400, PoolStatus.OPEN)
    assert (view.pools_of_provider(PROVIDER), view.pools_of_class(GPU)) == ((1,), (1,))


@pytest.mark.parametrize(
    ("event", "values", "field", "expected"),
    [
        ("PoolCapacityChanged", {"capacity": 7}, "capacity", 7),
        ("PoolPriceChanged", {"pricePerUnitSecond": 9}, "price_per_unit_second", 9),
        (
            "PoolStatusChanged",
            {"status": 2, "by": OTHER, "byAdmin": True},
            "status",
            PoolStatus.PAUSED,
        ),
    ],
)
def test_pool_updates_replace_one_field(state, logs, event, values, field, expected):
    run(state, logs, pool(logs), logs.event("LeaseMarket", event, poolId=1, **values))
    assert getattr(state.view().pool(1), field) == expected


def test_opened_lease_is_stored_active_and_paid_until_its_start(state, logs):
    lease_id = with_lease(state, logs)
    assert state.view().lease(lease_id) == Lease(
        lease_id, 1, 1, 2, NOW, NOW + 3_600, LeaseStatus.ACTIVE, CloseReason.NONE, 5, NOW
    )


def test_opened_lease_allocates_units_and_reserves_its_cost(state, logs):
    with_lease(state, logs)
    view = state.view()
    cost = 2 * 5 * 3_600
    assert (view.utilization(1), view.class_utilization(GPU)) == ((2, 10), (2, 10))
    assert (view.account(1), view.active_units(1, GPU)) == (Account(100_000 - cost, cost), 2)


def test_opened_lease_is_indexed_by_tenant_pool_provider_status_and_end(state, logs):
    lease_id = with_lease(state, logs)
    view = state.view()
    assert view.leases_of_tenant(1) == view.leases_of_pool(1) == (lease_id,)
    assert view.leases_of_provider(PROVIDER) == (lease_id,)
    assert view.leases_with_status(LeaseStatus.ACTIVE) == (lease_id,)
    assert view.active_leases_ending(NOW + 3_600) == (lease_id,)
    assert view.active_leases_ending(NOW + 3_599) == ()


def test_extension_moves_the_end_and_reserves_the_extra_cost(state, logs):
    lease_id = with_lease(state, logs)
    before = state.view().account(1)
    extra = 2 * END_BUCKET_SECONDS
    run(
        state,
        logs,
        logs.event(
            "LeaseMarket",
            "LeaseExtended",
            leaseId=lease_id,
            end=NOW + 3_600 + extra,
            cost=100,
        ),
    )
    view = state.view()
    assert view.account(1) == Account(before.free - 100, before.reserved + 100)
    assert view.active_leases_ending(NOW + 3_600) == ()
    assert view.active_leases_ending(NOW + 3_600 + extra) == (lease_id,)


def test_settlement_moves_accrual_from_reserve_to_the_provider(state, logs):
    lease_id = with_lease(state, logs)
    reserved = state.view().account(1).reserved
    run(
        state,
        logs,
        logs.event(
            "LeaseMarket", "LeaseSettled", leaseId=lease_id, amount=1_000, paidUntil=NOW + 100
        ),
    )
    view = state.view()
    assert (view.lease(lease_id).paid_until, view.account(1).reserved) == (
        NOW + 100,
        reserved - 1_000,
    )
    assert view.claimable(PROVIDER) == 1_000


def test_closing_frees_units_refunds_and_credits_the_provider(state, logs):
    lease_id = with_lease(state, logs)
    cost = 2 * 5 * 3_600
    run(
        state,
        logs,
        logs.event(
            "LeaseMarket",
            "LeaseClosed",
            leaseId=lease_id,
            reason=2,
            reasonCode=0,
            toProvider=1_000,
            refunded=cost - 1_000,
            by=OWNER,
        ),
    )
    view = state.view()
    closed = view.lease(lease_id)
    assert (closed.status, closed.close_reason) == (
        LeaseStatus.CLOSED,
        CloseReason.RELEASED_BY_TENANT,
    )
    assert closed.paid_until == NOW + 100  # paid up to the close: 1_000 at 2 units of 5/s
    assert (view.utilization(1), view.active_units(1, GPU)) == ((0, 10), 0)
    assert (view.account(1), view.claimable(PROVIDER)) == (Account(100_000 - 1_000, 0), 1_000)
    assert view.active_leases_ending(NOW + 10**6) == ()
    assert view.leases_with_status(LeaseStatus.CLOSED) == (lease_id,)


def test_closing_a_closed_lease_is_refused(state, logs):
    lease_id = with_lease(state, logs)
    close = {
        "leaseId": lease_id,
        "reason": 1,
        "reasonCode": 0,
        "toProvider": 0,
        "refunded": 36_000,
        "by": OWNER,
    }
    run(state, logs, logs.event("LeaseMarket", "LeaseClosed", **close))
    again = logs.event("LeaseMarket", "LeaseClosed", **close)
    with pytest.raises(MirrorStateError, match="not active"):
        apply(state, logs.decoded(again))


def test_claimed_earnings_empty_the_provider_balance(state, logs):
    lease_id = with_lease(state, logs)
    run(
        state,
        logs,
        logs.event("LeaseMarket", "LeaseSettled", leaseId=lease_id, amount=700, paidUntil=NOW + 70),
        logs.event("LeaseMarket", "EarningsClaimed", provider=PROVIDER, to=PROVIDER, amount=700),
    )
    assert state.view().claimable(PROVIDER) == 0
    assert PROVIDER_CS not in state.claimable


def test_earnings_paid_to_a_payout_address_debit_the_provider(state, logs):
    lease_id = with_lease(state, logs)
    run(
        state,
        logs,
        logs.event("LeaseMarket", "LeaseSettled", leaseId=lease_id, amount=700, paidUntil=NOW + 70),
        logs.event("LeaseMarket", "EarningsClaimed", provider=PROVIDER, to=OTHER, amount=300),
    )
    assert (state.view().claimable(PROVIDER), state.view().claimable(OTHER)) == (400, 0)


# ------------------------------------------------------------------- operator limits and openers


def test_limits_set_in_the_market_are_stored_and_replaced_not_by_a_regrant(state, logs):
    run(state, logs, register(logs), _limits(logs, 1, OPERATOR, 500, 60), _grant(logs, 1, OPERATOR))
    assert state.view().operator_limits(1, OPERATOR) == OperatorLimits(500, 60)
    run(state, logs, _grant(logs, 1, OPERATOR, expires_at=NOW + 200))
    assert state.view().operator_limits(1, OPERATOR) == OperatorLimits(500, 60)
    run(state, logs, _limits(logs, 1, OPERATOR, UNLIMITED_ALLOWANCE, 90))
    assert state.view().operator_limits(1, OPERATOR) == OperatorLimits(UNLIMITED_ALLOWANCE, 90)
    assert state.view().operator_limits(1, OTHER) == OperatorLimits(
        UNLIMITED_ALLOWANCE, UNLIMITED_DURATION
    )


def test_spending_sets_the_remaining_allowance_and_keeps_the_longest_lease(state, logs):
    run(state, logs, register(logs), _limits(logs, 1, OPERATOR, 500, 60), _grant(logs, 1, OPERATOR))
    spent = logs.event(
        "LeaseMarket",
        "OperatorAllowanceSpent",
        tenantId=1,
        operator=OPERATOR,
        amount=120,
        remaining=380,
    )
    run(state, logs, spent)
    assert state.view().operator_limits(1, OPERATOR) == OperatorLimits(380, 60)


def test_spending_the_allowance_of_unknown_limits_is_refused(state, logs):
    run(state, logs, register(logs))
    spent = logs.event(
        "LeaseMarket",
        "OperatorAllowanceSpent",
        tenantId=1,
        operator=OPERATOR,
        amount=1,
        remaining=0,
    )
    with pytest.raises(MirrorStateError, match="no limits"):
        apply(state, logs.decoded(spent))


def test_revoking_keeps_the_limits_the_market_keeps(state, logs):
    run(state, logs, register(logs), _limits(logs, 1, OPERATOR, 500, 60), _grant(logs, 1, OPERATOR))
    run(state, logs, logs.event("TenantRegistry", "OperatorRevoked", tenantId=1, operator=OPERATOR))
    assert state.view().operator_limits(1, OPERATOR) == OperatorLimits(500, 60)


@pytest.mark.parametrize("mode", ["block by block", "backfill chunk"])
def test_transferring_the_ownership_lapses_the_limits(state, logs, mode):
    entries = [register(logs), _limits(logs, 1, OPERATOR, 500, 60), _grant(logs, 1, OPERATOR)]
    entries.append(_transfer(logs, 1))
    if mode == "block by block":
        run(state, logs, *entries)
    else:
        state.begin()
        state.apply_final(logs.decoder.decode_many(entries))
        state.end(logs.block, logs.block_hash)
    assert state.view().operator_limits(1, OPERATOR) == OperatorLimits(
        UNLIMITED_ALLOWANCE, UNLIMITED_DURATION
    )
    assert not state.operator_limits


def test_the_opener_of_each_lease_is_kept(state, logs):
    run(state, logs, register(logs), pool(logs), deposit(logs, 100_000))
    by_owner, by_operator = open_lease(logs), open_lease(logs, units=1, opened_by=OPERATOR)
    run(state, logs, by_owner, by_operator)
    view = state.view()
    assert view.lease_opener(int(by_owner["topics"][1], 16)) == OWNER_CS
    assert view.lease_opener(int(by_operator["topics"][1], 16)) == OPERATOR_CS
    with pytest.raises(UnknownLeaseError):
        view.lease_opener(999)


# ------------------------------------------------------------------- payout and provider handover


def _payout(logs: Logs, payout: str, provider: str = PROVIDER) -> dict[str, Any]:
    return logs.event("LeaseMarket", "PayoutAddressSet", provider=provider, payout=payout)


def _propose(logs: Logs, new: str, provider: str = PROVIDER) -> dict[str, Any]:
    return logs.event("LeaseMarket", "ProviderHandoverProposed", provider=provider, newProvider=new)


def _handed_over(logs: Logs, new: str, previous: str = PROVIDER) -> dict[str, Any]:
    return logs.event(
        "LeaseMarket", "ProviderHandedOver", previousProvider=previous, newProvider=new
    )


def test_payout_address_defaults_to_the_provider_and_the_zero_address_resets_it(state, logs):
    run(state, logs, pool(logs))
    assert state.view().payout_address(PROVIDER) == PROVIDER_CS
    run(state, logs, _payout(logs, OTHER))
    assert state.view().payout_address(PROVIDER) == OTHER_CS
    run(state, logs, _payout(logs, ZERO))
    assert state.view().payout_address(PROVIDER) == PROVIDER_CS
    assert not state.payouts


def test_a_handover_proposal_is_pending_until_cancelled(state, logs):
    run(state, logs, pool(logs), _propose(logs, OTHER))
    assert state.view().pending_provider_handover(PROVIDER) == OTHER_CS
    run(state, logs, _propose(logs, ZERO))
    assert state.view().pending_provider_handover(PROVIDER) == ZERO


@pytest.mark.parametrize("mode", ["block by block", "backfill chunk"])
def test_a_handover_moves_every_pool_lease_and_earning_to_the_new_provider(state, logs, mode):
    entries = [
        register(logs),
        pool(logs),
        deposit(logs, 100_000),
        open_lease(logs),
        logs.event(
            "LeaseMarket",
            "PoolCreated",
            poolId=2,
            provider=PROVIDER,
            resourceClass=GPU,
            capacity=1,
            pricePerUnitSecond=1,
            minDuration=1,
            maxDuration=10,
        ),
    ]
    lease_id = logs.seq["LeaseMarket"] - 1
    entries += [
        logs.event("LeaseMarket", "LeaseSettled", leaseId=lease_id, amount=700, paidUntil=NOW + 70),
        _payout(logs, OWNER),
        _propose(logs, OTHER),
        _handed_over(logs, OTHER),
    ]
    if mode == "block by block":
        run(state, logs, *entries)
    else:  # pools created in the same chunk as the handover: the provider index must follow
        state.begin()
        state.apply_final(logs.decoder.decode_many(entries))
        state.end(logs.block, logs.block_hash)
    view = state.view()
    assert [view.pool(pid).provider for pid in (1, 2)] == [OTHER_CS, OTHER_CS]
    assert (view.pools_of_provider(PROVIDER), view.pools_of_provider(OTHER)) == ((), (1, 2))
    assert (view.leases_of_provider(PROVIDER), view.leases_of_provider(OTHER)) == ((), (lease_id,))
    assert (view.claimable(PROVIDER), view.claimable(OTHER)) == (0, 700)
    assert (view.payout_address(OTHER), view.payout_address(PROVIDER)) == (OTHER_CS, PROVIDER_CS)
    assert view.pending_provider_handover(PROVIDER) == ZERO
    assert actual_indexes(state) == expected_indexes(state)


def test_undoing_a_handover_gives_everything_back(state, logs):
    lease_id = with_lease(state, logs)
    run(
        state,
        logs,
        logs.event("LeaseMarket", "LeaseSettled", leaseId=lease_id, amount=10, paidUntil=NOW + 1),
        _payout(logs, OWNER),
        _propose(logs, OTHER),
    )
    before = (state.digest(), copy.deepcopy(actual_indexes(state)))  # the sets are live
    logs.next_block()
    handover = run(state, logs, _handed_over(logs, OTHER))
    state.begin()
    state.undo(handover)
    state.end(logs.block - 1, "0x")
    assert (state.digest(), actual_indexes(state)) == before
    assert state.view().leases_of_provider(PROVIDER) == (lease_id,)


def test_escrow_totals_add_up_every_account_and_claimable(state, logs):
    lease_id = with_lease(state, logs)
    run(
        state,
        logs,
        deposit(logs, 50, tenant_id=2),
        logs.event("LeaseMarket", "LeaseSettled", leaseId=lease_id, amount=10, paidUntil=NOW + 1),
    )
    assert state.view().escrow_totals() == (100_000 - 36_000 + 50, 36_000 - 10, 10)


# --------------------------------------------------------------------------------------- journal


def test_journal_seq_gap_is_refused_as_missed_events(state, logs):
    gap = logs.event(
        "DataAnchor", "Anchored", digest=b"\x01" * 32, tenantId=1, timestamp=NOW, seq=2
    )
    with pytest.raises(JournalGapError, match="events were missed"):
        apply(state, logs.decoded(gap))


def test_repeated_seq_is_refused_as_applied_twice(state, logs):
    run(
        state,
        logs,
        logs.event("DataAnchor", "Anchored", digest=b"\x01" * 32, tenantId=1, timestamp=NOW),
    )
    again = logs.event(
        "DataAnchor", "Anchored", digest=b"\x02" * 32, tenantId=1, timestamp=NOW, seq=1
    )
    with pytest.raises(JournalGapError, match="applied twice"):
        apply(state, logs.decoded(again))


def test_openzeppelin_role_events_carry_no_seq_and_leave_the_journal_alone(state, logs):
    run(
        state,
        logs,
        logs.event("TenantRegistry", "RoleGranted", role=b"\x01" * 32, account=OTHER, sender=OWNER),
    )
    assert state.view().journal("TenantRegistry").seq == 0
    assert not state.view().has_role(b"\x01" * 32, OTHER)  # RoleChanged carries the change


@given(rng=st.randoms(use_true_random=False), blocks=st.integers(1, 30))
@example(rng=random.Random(0), blocks=1)
@settings(max_examples=40, deadline=None)
def test_journal_heads_equal_offchain_journal_replay(rng, blocks):
    state = MirrorState()
    decoder = Decoder(Logs().decoder.addresses)
    entries = [log for block in history(rng, blocks) for log in block]
    events = decoder.decode_many(entries)
    state.begin()
    state.apply_events(events)
    state.end(1, "0x" + "00" * 32)
    for contract in ("TenantRegistry", "DataAnchor", "LeaseMarket"):
        journaled = [
            (
                [e.raw[i : i + 32] for i in range(0, 32 * (1 + sum(e.spec.indexed)), 32)],
                e.raw[32 * (1 + sum(e.spec.indexed)) :],
            )
            for e in events
            if e.spec.contract == contract and e.spec.journaled
        ]
        expected = replay(journaled)
        got = state.view().journal(contract)
        assert (got.seq, got.head) == (expected.seq, expected.head)


# ----------------------------------------------------------------------------------------- purity


def test_apply_computes_changes_without_touching_the_state(state, logs):
    with_lease(state, logs)
    before = state.digest()
    changes = apply(state, logs.decoded(deposit(logs, 10)))
    assert [c.kind for c in changes] == [Kind.ACCOUNT, Kind.JOURNAL]
    assert state.digest() == before


def test_handlers_refuse_an_abi_whose_arguments_changed():
    specs = Logs().decoder.specs
    changed = dict(specs)
    changed["DataAnchor"] = dict(specs["DataAnchor"])
    spec = changed["DataAnchor"]["Anchored"]
    changed["DataAnchor"]["Anchored"] = type(spec)(
        spec.contract,
        spec.name,
        spec.qualname,
        spec.signature,
        spec.topic0,
        ("tenantId", "digest", "timestamp", "seq"),
        spec.types,
        spec.indexed,
        spec.seq_index,
        spec.source,
    )
    with pytest.raises(MirrorStateError, match="differ from the handler"):
        check_handlers(changed)


# --------------------------------------------------------------------------- undo and indexes


def expected_indexes(s: MirrorState) -> dict[str, Any]:
    """Every index recomputed from the tables alone."""
    group: dict[str, dict[Any, set[Any]]] = defaultdict(lambda: defaultdict(set))
    for tid, t in s.tenants.items():
        group["owner"][t.owner].add(tid)
    for tid, op in s.operators:
        group["operator"][op].add(tid)
        group["t_operators"][tid].add(op)
    class_capacity: dict[bytes, list[int]] = defaultdict(lambda: [0, 0])
    for pid, p in s.pools.items():
        group["provider"][p.provider].add(pid)
        group["class"][p.resource_class].add(pid)
        class_capacity[p.resource_class][0] += p.capacity
        class_capacity[p.resource_class][1] += p.allocated
    for lid, x in s.leases.items():
        group["l_tenant"][x.tenant_id].add(lid)
        group["l_pool"][x.pool_id].add(lid)
        group["l_provider"][s.pools[x.pool_id].provider].add(lid)
        group["l_status"][x.status].add(lid)
        if x.status == LeaseStatus.ACTIVE:
            group["l_end"][x.end // END_BUCKET_SECONDS].add(lid)
    by_tenant: dict[int, list[bytes]] = defaultdict(list)
    batches: dict[int, list[bytes]] = defaultdict(list)
    for digest, a in sorted(s.anchors.items(), key=lambda kv: (kv[1].block_number, kv[0])):
        by_tenant[a.tenant_id].append(digest)
        if a.count:
            batches[a.tenant_id].append(digest)
    free = sum(a.free for a in s.accounts.values())
    reserved = sum(a.reserved for a in s.accounts.values())
    return {
        **{name: dict(index) for name, index in group.items()},
        "class_capacity": dict(class_capacity),
        "anchors": dict(by_tenant),
        "batches": dict(batches),
        "totals": (free, reserved, sum(s.claimable.values())),
        "end_buckets": sorted(group["l_end"]),
    }


def actual_indexes(s: MirrorState) -> dict[str, Any]:
    names = {
        "owner": s.tenants_by_owner,
        "operator": s.tenants_by_operator,
        "t_operators": s.operators_by_tenant,
        "provider": s.pools_by_provider,
        "class": s.pools_by_class,
        "l_tenant": s.leases_by_tenant,
        "l_pool": s.leases_by_pool,
        "l_provider": s.leases_by_provider,
        "l_status": s.leases_by_status,
        "l_end": s.active_by_end,
    }
    expected_names = expected_indexes(s).keys()
    return {
        **{name: dict(index) for name, index in names.items() if name in expected_names},
        "class_capacity": dict(s.class_capacity),
        "anchors": dict(s.anchors_by_tenant),
        "batches": dict(s.batches_by_tenant),
        "totals": (s.totals.free, s.totals.reserved, s.total_claimable),
        "end_buckets": list(s.end_buckets),
    }


@given(rng=st.randoms(use_true_random=False), blocks=st.integers(1, 25))
@example(rng=random.Random(7), blocks=25)
@settings(max_examples=60, deadline=None)
def test_undoing_blocks_newest_first_restores_every_earlier_state(rng, blocks):
    decoder = Decoder(Logs().decoder.addresses)
    state = MirrorState()
    digests = [state.digest()]
    undo: list[Changes] = []
    for number, block in enumerate(history(rng, blocks), start=1):
        state.begin()
        state.apply_events(decoder.decode_many(block))
        undo.append(state.end(number, "0x" + number.to_bytes(32, "big").hex()))
        digests.append(state.digest())
        assert actual_indexes(state) == expected_indexes(state)
    while undo:
        state.begin()
        state.undo(undo.pop())
        state.end(len(undo), "0x")
        assert state.digest() == digests[len(undo)]
        assert actual_indexes(state) == expected_indexes(state)


# ----------------------------------------------------------------------------- finalized chunks


def net_changes(per_event: Changes) -> dict[tuple[Kind, Any], tuple[Any, Any]]:
    """Each entry's value before its first change and after its last (both absent: dropped)."""
    net: dict[tuple[Kind, Any], list[Any]] = {}
    for change in per_event:
        net.setdefault((change.kind, change.key), [change.before, None])[1] = change.after
    return {k: (b, a) for k, (b, a) in net.items() if b is not None or a is not None}


@given(
    rng=st.randoms(use_true_random=False),
    blocks=st.integers(1, 30),
    chunk=st.integers(1, 12),
)
@example(rng=random.Random(7), blocks=30, chunk=30)
@settings(max_examples=60, deadline=None)
def test_final_chunks_end_where_event_by_event_application_ends(rng, blocks, chunk):
    decoder = Decoder(Logs().decoder.addresses)
    logs_by_block = history(rng, blocks)
    by_event = MirrorState()
    per_block: list[Changes] = []
    for number, block in enumerate(logs_by_block, start=1):
        by_event.begin()
        by_event.apply_events(decoder.decode_many(block))
        per_block.append(by_event.end(number, "0x" + number.to_bytes(32, "big").hex()))
    chunked = MirrorState()
    for start in range(0, blocks, chunk):
        chunked.begin()
        entries = [log for block in logs_by_block[start : start + chunk] for log in block]
        changes = chunked.apply_final(decoder.decode_many(entries))
        assert chunked.end(min(blocks, start + chunk), "0x") == changes
        assert len({(c.kind, c.key) for c in changes}) == len(changes)
        expected = net_changes([c for block in per_block[start : start + chunk] for c in block])
        assert {(c.kind, c.key): (c.before, c.after) for c in changes} == expected
    assert chunked.digest() == by_event.digest()
    assert chunked.journals == by_event.journals
    assert actual_indexes(chunked) == actual_indexes(by_event) == expected_indexes(chunked)


def test_final_chunk_journals_each_contract_once(state, logs):
    with_lease(state, logs)
    logs.next_block()
    entries = [deposit(logs, 10), deposit(logs, 20), open_lease(logs)]
    state.begin()
    changes = state.apply_final(logs.decoder.decode_many(entries))
    state.end(logs.block, logs.block_hash)
    journal = [c for c in changes if c.kind == Kind.JOURNAL]
    assert [(c.key, c.after.seq) for c in journal] == [("LeaseMarket", logs.seq["LeaseMarket"])]
    assert journal[0].before.seq == logs.seq["LeaseMarket"] - 3
    (account,) = [c for c in changes if c.kind == Kind.ACCOUNT]
    assert account.after.free == account.before.free + 30 - 2 * 5 * 3_600


@pytest.mark.parametrize("misfit", ["unknown lease", "seq gap"])
def test_final_chunk_that_does_not_fit_leaves_the_state_as_it_was(state, logs, misfit):
    with_lease(state, logs)
    before = (state.digest(), actual_indexes(state), dict(state.journals))
    logs.next_block()
    entries = [deposit(logs, 10), open_lease(logs)]  # a lease, an account, a pool, a journal...
    if misfit == "unknown lease":
        bad = logs.event("LeaseMarket", "LeaseSettled", leaseId=99, amount=1, paidUntil=NOW)
    else:
        bad = logs.event(
            "LeaseMarket", "Deposited", tenantId=1, **{"from": OWNER}, amount=1, seq=99
        )
    state.begin()
    error = MirrorStateError if misfit == "unknown lease" else JournalGapError
    with pytest.raises(error):
        state.apply_final(logs.decoder.decode_many([*entries, bad]))
    assert state.end(state.number, state.block_hash) == []
    assert (state.digest(), actual_indexes(state), dict(state.journals)) == before


# ----------------------------------------------------------------------------------------- views


def test_view_is_pinned_to_its_block_number_and_hash(state, logs):
    run(state, logs, register(logs))
    view = state.view()
    assert (view.number, view.block_hash, view.timestamp) == (logs.block, logs.block_hash, NOW)


def test_reading_a_view_after_a_newer_block_raises_stale_view(state, logs):
    run(state, logs, register(logs))
    view = state.view()
    logs.next_block()
    run(state, logs, register(logs, 2))
    with pytest.raises(StaleViewError, match="take a new view"):
        view.tenant(1)


def test_reading_a_view_while_a_block_is_being_written_raises_stale_view(state, logs):
    view = state.view()
    state.begin()
    with pytest.raises(StaleViewError):
        view.lease(1)

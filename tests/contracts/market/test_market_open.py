"""Opening a lease: the full cost moves from free escrow into the lease, units leave the pool."""

from __future__ import annotations

import pytest
from _market import (
    ANY_PRICE,
    CAPACITY,
    CPU,
    ESCROW,
    GPU,
    HOUR,
    LEASE_ACTIVE,
    MAX_DURATION,
    MIN_DURATION,
    NO_REASON,
    POOL_PAUSED,
    POOL_RETIRED,
    PRICE,
    QUOTA,
    UINT128_MAX,
)

SUSPENDED, CLOSED = 3, 4


def test_open_lease_moves_the_cost_from_free_to_reserved(
    market, funded_tenant, pool_id, tenant_owner, open_lease
):
    open_lease(funded_tenant, pool_id, 3, HOUR, tenant_owner)
    cost = 3 * PRICE * HOUR
    assert market.account(funded_tenant) == (ESCROW - cost, cost)


def test_open_lease_allocates_units_in_the_pool_and_the_quota(
    market, funded_tenant, pool_id, tenant_owner, open_lease
):
    open_lease(funded_tenant, pool_id, 3, HOUR, tenant_owner)
    assert market.pool(pool_id).allocated == 3
    assert market.activeUnits(funded_tenant, GPU) == 3


def test_open_lease_records_the_lease(market, funded_tenant, pool_id, tenant_owner, block_time):
    receipt = market.openLease(funded_tenant, pool_id, 3, HOUR, ANY_PRICE, sender=tenant_owner)
    lease_id = receipt.events.filter(market.LeaseOpened)[0].leaseId
    start = block_time(receipt)
    lease = market.lease(lease_id)
    assert (lease.tenantId, lease.poolId, lease.units) == (funded_tenant, pool_id, 3)
    assert (lease.start, lease.end, lease.paidUntil) == (start, start + HOUR, start)
    assert (lease.status, lease.closeReason, lease.pricePerUnitSecond) == (
        LEASE_ACTIVE,
        NO_REASON,
        PRICE,
    )


def test_open_lease_emits_lease_opened_whose_id_is_its_seq(
    market, funded_tenant, pool_id, tenant_owner, events, expect, seq, block_time
):
    receipt = market.openLease(funded_tenant, pool_id, 3, HOUR, ANY_PRICE, sender=tenant_owner)
    start = block_time(receipt)
    assert events(receipt, market) == [
        expect(
            "LeaseOpened",
            leaseId=seq(),
            tenantId=funded_tenant,
            poolId=pool_id,
            units=3,
            pricePerUnitSecond=PRICE,
            start=start,
            end=start + HOUR,
            cost=3 * PRICE * HOUR,
            openedBy=tenant_owner,
            seq=seq(),
        )
    ]


def test_lease_ids_increase(funded_tenant, pool_id, tenant_owner, open_lease):
    ids = [open_lease(funded_tenant, pool_id, 1, HOUR, tenant_owner) for _ in range(3)]
    assert ids == sorted(ids)
    assert len(set(ids)) == 3


def test_an_operator_opens_a_lease_for_the_tenant(
    market, funded_tenant, pool_id, operator, operator_expiry, open_lease
):
    lease = open_lease(funded_tenant, pool_id, 1, HOUR, operator)
    assert market.lease(lease).tenantId == funded_tenant


@pytest.mark.parametrize("duration", [MIN_DURATION, MAX_DURATION])
def test_durations_at_the_pools_bounds_are_accepted(
    market, funded_tenant, pool_id, tenant_owner, open_lease, duration
):
    lease = open_lease(funded_tenant, pool_id, 1, duration, tenant_owner)
    assert market.lease(lease).end - market.lease(lease).start == duration


def test_the_whole_capacity_and_quota_may_be_taken(
    market, registry, admin, funded_tenant, pool_id, tenant_owner, open_lease
):
    registry.setQuota(funded_tenant, GPU, CAPACITY, sender=admin)
    open_lease(funded_tenant, pool_id, CAPACITY, HOUR, tenant_owner)
    assert market.pool(pool_id).allocated == CAPACITY


def test_quotas_count_each_class_apart(
    market, registry, admin, funded_tenant, create_pool, tenant_owner, open_lease
):
    registry.setQuota(funded_tenant, CPU, 2, sender=admin)
    gpu_pool, cpu_pool = create_pool(), create_pool(resource_class=CPU)
    open_lease(funded_tenant, gpu_pool, QUOTA, HOUR, tenant_owner)
    open_lease(funded_tenant, cpu_pool, 2, HOUR, tenant_owner)
    assert (market.activeUnits(funded_tenant, GPU), market.activeUnits(funded_tenant, CPU)) == (
        QUOTA,
        2,
    )


def test_a_quota_counts_leases_in_every_pool_of_the_class(
    market, funded_tenant, create_pool, tenant_owner, open_lease, second_provider, reverts
):
    first, second = create_pool(), create_pool(second_provider)
    open_lease(funded_tenant, first, QUOTA - 1, HOUR, tenant_owner)
    with reverts(
        market.LeaseQuotaExceeded,
        tenantId=funded_tenant,
        resourceClass=GPU,
        requested=QUOTA + 1,
        quota=QUOTA,
    ):
        market.openLease(funded_tenant, second, 2, HOUR, ANY_PRICE, sender=tenant_owner)


# -------------------------------------------------------------------------------- who may not


@pytest.mark.parametrize("who", ["stranger", "provider", "admin", "other_owner"])
def test_an_account_not_authorized_for_the_tenant_may_not_open(
    market, funded_tenant, pool_id, request, reverts, who
):
    caller = request.getfixturevalue(who)
    with reverts(market.MarketUnauthorized, tenantId=funded_tenant, caller=caller):
        market.openLease(funded_tenant, pool_id, 1, HOUR, ANY_PRICE, sender=caller)


def test_an_expired_operator_may_not_open(
    market, funded_tenant, pool_id, operator, operator_expiry, chain, reverts
):
    chain.mine(timestamp=operator_expiry)
    with reverts(market.MarketUnauthorized, tenantId=funded_tenant, caller=operator):
        market.openLease(funded_tenant, pool_id, 1, HOUR, ANY_PRICE, sender=operator)


@pytest.mark.parametrize("status", [SUSPENDED, CLOSED])
def test_the_owner_of_a_tenant_that_is_not_active_may_not_open(
    market, registry, admin, funded_tenant, pool_id, tenant_owner, reverts, status
):
    if status == SUSPENDED:
        registry.suspend(funded_tenant, 7, sender=admin)
    else:
        registry.close(funded_tenant, sender=tenant_owner)
    with reverts(market.MarketUnauthorized, tenantId=funded_tenant, caller=tenant_owner):
        market.openLease(funded_tenant, pool_id, 1, HOUR, ANY_PRICE, sender=tenant_owner)


# ------------------------------------------------------------------------------------ bad input


def test_open_for_an_unknown_tenant_reverts(market, pool_id, tenant_owner, reverts):
    with reverts(market.MarketUnknownTenant, tenantId=42):
        market.openLease(42, pool_id, 1, HOUR, ANY_PRICE, sender=tenant_owner)


def test_open_in_an_unknown_pool_reverts(market, funded_tenant, tenant_owner, reverts):
    with reverts(market.PoolUnknown, poolId=5):
        market.openLease(funded_tenant, 5, 1, HOUR, ANY_PRICE, sender=tenant_owner)


def test_open_with_zero_units_reverts(market, funded_tenant, pool_id, tenant_owner, reverts):
    with reverts(market.LeaseZeroUnits):
        market.openLease(funded_tenant, pool_id, 0, HOUR, ANY_PRICE, sender=tenant_owner)


def test_open_with_zero_duration_reverts(market, funded_tenant, pool_id, tenant_owner, reverts):
    with reverts(market.LeaseZeroDuration):
        market.openLease(funded_tenant, pool_id, 1, 0, ANY_PRICE, sender=tenant_owner)


@pytest.mark.parametrize("duration", [MIN_DURATION - 1, MAX_DURATION + 1, 2**32 - 1])
def test_open_with_a_duration_outside_the_pools_bounds_reverts(
    market, funded_tenant, pool_id, tenant_owner, reverts, duration
):
    with reverts(
        market.LeaseDurationOutOfBounds,
        duration=duration,
        minDuration=MIN_DURATION,
        maxDuration=MAX_DURATION,
    ):
        market.openLease(funded_tenant, pool_id, 1, duration, ANY_PRICE, sender=tenant_owner)


@pytest.mark.parametrize(
    ("method", "status"), [("pausePool", POOL_PAUSED), ("retirePool", POOL_RETIRED)]
)
def test_open_in_a_pool_that_is_not_open_reverts(
    market, funded_tenant, pool_id, provider, tenant_owner, reverts, method, status
):
    getattr(market, method)(pool_id, sender=provider)
    with reverts(market.PoolInvalidStatus, poolId=pool_id, status=status):
        market.openLease(funded_tenant, pool_id, 1, HOUR, ANY_PRICE, sender=tenant_owner)


def test_open_beyond_free_capacity_reverts(
    market, registry, admin, funded_tenant, pool_id, tenant_owner, open_lease, reverts
):
    registry.setQuota(funded_tenant, GPU, 100, sender=admin)
    open_lease(funded_tenant, pool_id, CAPACITY - 3, HOUR, tenant_owner)
    with reverts(market.PoolCapacityExceeded, poolId=pool_id, requested=4, available=3):
        market.openLease(funded_tenant, pool_id, 4, HOUR, ANY_PRICE, sender=tenant_owner)


def test_open_beyond_the_quota_reverts(market, funded_tenant, pool_id, tenant_owner, reverts):
    with reverts(
        market.LeaseQuotaExceeded,
        tenantId=funded_tenant,
        resourceClass=GPU,
        requested=QUOTA + 1,
        quota=QUOTA,
    ):
        market.openLease(funded_tenant, pool_id, QUOTA + 1, HOUR, ANY_PRICE, sender=tenant_owner)


def test_open_without_a_quota_for_the_class_reverts(
    market, funded_tenant, create_pool, tenant_owner, reverts
):
    cpu_pool = create_pool(resource_class=CPU)
    with reverts(
        market.LeaseQuotaExceeded, tenantId=funded_tenant, resourceClass=CPU, requested=1, quota=0
    ):
        market.openLease(funded_tenant, cpu_pool, 1, HOUR, ANY_PRICE, sender=tenant_owner)


def test_open_with_insufficient_free_escrow_reverts(
    market, tenant_id, pool_id, registry, admin, tenant_owner, deposit, reverts
):
    registry.setQuota(tenant_id, GPU, QUOTA, sender=admin)
    cost = 2 * PRICE * HOUR
    deposit(tenant_id, cost - 1, tenant_owner)
    with reverts(
        market.MarketInsufficientEscrow, tenantId=tenant_id, needed=cost, available=cost - 1
    ):
        market.openLease(tenant_id, pool_id, 2, HOUR, ANY_PRICE, sender=tenant_owner)


def test_open_whose_cost_overflows_uint128_reverts(
    market, funded_tenant, create_pool, tenant_owner, reverts
):
    price = 2**96 - 1
    pool = create_pool(capacity=2**32 - 1, price=price, min_duration=1, max_duration=2**32 - 1)
    units, duration = 2**16, 2**16 + 1  # 2^32 * (2^96 - 1) * ... > 2^128
    assert units * price * duration > UINT128_MAX
    with reverts(
        market.LeaseCostOverflow, units=units, pricePerUnitSecond=price, duration=duration
    ):
        market.openLease(funded_tenant, pool, units, duration, ANY_PRICE, sender=tenant_owner)


# ------------------------------------------------------------------------ expired allocations


def test_an_expired_lease_holds_its_units_until_it_is_reclaimed(
    market, registry, admin, funded_tenant, pool_id, tenant_owner, open_lease, warp, reverts
):
    registry.setQuota(funded_tenant, GPU, CAPACITY, sender=admin)
    expired = open_lease(funded_tenant, pool_id, CAPACITY, MIN_DURATION, tenant_owner)
    warp(MIN_DURATION)
    with reverts(market.PoolCapacityExceeded, poolId=pool_id, requested=1, available=0):
        market.openLease(funded_tenant, pool_id, 1, HOUR, ANY_PRICE, sender=tenant_owner)
    market.reclaim([expired], sender=tenant_owner)
    open_lease(funded_tenant, pool_id, CAPACITY, HOUR, tenant_owner)
    assert market.pool(pool_id).allocated == CAPACITY

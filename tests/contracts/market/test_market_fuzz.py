"""Extreme values: units x price x duration across the whole input range, up to and past uint128;
and bad input to openLease, each case with the error of the first check it fails."""

from __future__ import annotations

import pytest
from _market import (
    ANY_PRICE,
    CAPACITY,
    ESCROW,
    GPU,
    HOUR,
    MAX_DURATION,
    MIN_DURATION,
    PRICE,
    QUOTA,
    UINT128_MAX,
)
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

U32 = 2**32 - 1
U96 = 2**96 - 1
# 2^128 - 1 = (2^32 - 1) * 6700417 * (641 * (2^64 + 1)): a cost of exactly the largest reserve.
EXACT = (U32, 641 * (2**64 + 1), 6700417)
assert EXACT[0] * EXACT[1] * EXACT[2] == UINT128_MAX

FUZZ = settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture
def unlimited_tenant(registry, admin, tenant_id, tenant_owner, deposit) -> int:
    """`tenant_id` with the largest quota and 10^18 of free escrow."""
    registry.setQuota(tenant_id, GPU, 2**64 - 1, sender=admin)
    deposit(tenant_id, 10**18, tenant_owner)
    return int(tenant_id)


@FUZZ
@given(
    units=st.integers(1, U32),
    price=st.integers(1, U96),
    duration=st.integers(1, U32),
)
@example(units=U32, price=U96, duration=U32)  # the largest product, 2^160
@example(units=EXACT[0], price=EXACT[1], duration=EXACT[2])  # exactly 2^128 - 1
@example(units=EXACT[0], price=EXACT[1] + 1, duration=EXACT[2])  # just past it
@example(units=1, price=1, duration=1)
@example(units=1, price=10**9, duration=10**9)  # 10^18: exactly the escrow
def test_open_charges_exactly_units_times_price_times_duration_or_names_the_overflow(
    market, provider, unlimited_tenant, tenant_owner, chain, reverts, events, units, price, duration
):
    snapshot = chain.snapshot()
    try:
        market.createPool(GPU, U32, price, 1, U32, sender=provider)
        pool = int(market.poolCount())
        cost = units * price * duration
        free = market.account(unlimited_tenant)[0]
        if cost > UINT128_MAX:
            with reverts(
                market.LeaseCostOverflow, units=units, pricePerUnitSecond=price, duration=duration
            ):
                market.openLease(
                    unlimited_tenant, pool, units, duration, ANY_PRICE, sender=tenant_owner
                )
        elif cost > free:
            with reverts(
                market.MarketInsufficientEscrow,
                tenantId=unlimited_tenant,
                needed=cost,
                available=free,
            ):
                market.openLease(
                    unlimited_tenant, pool, units, duration, ANY_PRICE, sender=tenant_owner
                )
        else:
            receipt = market.openLease(
                unlimited_tenant, pool, units, duration, ANY_PRICE, sender=tenant_owner
            )
            assert events(receipt, market)[0]["cost"] == cost
            assert market.account(unlimited_tenant) == (free - cost, cost)
    finally:
        chain.restore(snapshot)


@FUZZ
@given(additional=st.integers(1, U32), duration=st.integers(2, 3600))  # 1 s would expire first
@example(additional=U32 - 3600, duration=3600)  # length exactly 2^32 - 1: accepted
@example(additional=U32 - 3599, duration=3600)  # length 2^32: refused
@example(additional=U32, duration=2)
def test_extension_charges_the_locked_price_or_names_the_overflow(
    market, provider, unlimited_tenant, tenant_owner, chain, reverts, events, additional, duration
):
    snapshot = chain.snapshot()
    try:
        market.createPool(GPU, 1, 1, 1, 3600, sender=provider)
        opened = market.openLease(
            unlimited_tenant, int(market.poolCount()), 1, duration, ANY_PRICE, sender=tenant_owner
        )
        lease = int(opened.events.filter(market.LeaseOpened)[0].leaseId)
        if duration + additional > U32:
            with reverts(
                market.LeaseCostOverflow, units=1, pricePerUnitSecond=1, duration=additional
            ):
                market.extendLease(lease, additional, ANY_PRICE, sender=tenant_owner)
        else:
            receipt = market.extendLease(lease, additional, ANY_PRICE, sender=tenant_owner)
            assert events(receipt, market)[0]["cost"] == additional
            assert market.lease(lease).end == market.lease(lease).start + duration + additional
    finally:
        chain.restore(snapshot)


def _open_error(tenant: int, known_tenant: bool, pool: int, known_pool: bool, units: int,
                duration: int, free: int) -> tuple[str, dict[str, int]] | None:  # fmt: skip
    """The error openLease raises for these inputs, in the order the contract checks them."""
    if units == 0:
        return "LeaseZeroUnits", {}
    if duration == 0:
        return "LeaseZeroDuration", {}
    if not known_pool:
        return "PoolUnknown", {"poolId": pool}
    if not MIN_DURATION <= duration <= MAX_DURATION:
        bounds = {"minDuration": MIN_DURATION, "maxDuration": MAX_DURATION}
        return "LeaseDurationOutOfBounds", {"duration": duration, **bounds}
    if units > CAPACITY:
        return "PoolCapacityExceeded", {"poolId": pool, "requested": units, "available": CAPACITY}
    if not known_tenant:
        return "MarketUnknownTenant", {"tenantId": tenant}
    if units > QUOTA:
        quota = {"resourceClass": GPU, "requested": units, "quota": QUOTA}
        return "LeaseQuotaExceeded", {"tenantId": tenant, **quota}
    cost = units * PRICE * duration
    if cost > free:
        return "MarketInsufficientEscrow", {"tenantId": tenant, "needed": cost, "available": free}
    return None


@FUZZ
@given(
    known_tenant=st.booleans(),
    known_pool=st.booleans(),
    units=st.integers(0, CAPACITY + 2) | st.just(U32),
    duration=st.integers(0, MIN_DURATION + 1)
    | st.integers(MAX_DURATION - 1, MAX_DURATION + 1)
    | st.just(U32),
    free=st.sampled_from([ESCROW, 10**9]),
)
@example(known_tenant=True, known_pool=True, units=0, duration=0, free=ESCROW)
@example(known_tenant=True, known_pool=False, units=1, duration=0, free=ESCROW)
@example(known_tenant=True, known_pool=False, units=1, duration=HOUR, free=ESCROW)
@example(known_tenant=True, known_pool=True, units=1, duration=MIN_DURATION - 1, free=ESCROW)
@example(known_tenant=True, known_pool=True, units=CAPACITY + 1, duration=HOUR, free=ESCROW)
@example(known_tenant=False, known_pool=True, units=1, duration=HOUR, free=ESCROW)
@example(known_tenant=True, known_pool=True, units=QUOTA + 1, duration=HOUR, free=ESCROW)
@example(known_tenant=True, known_pool=True, units=1, duration=MIN_DURATION, free=10**9)
@example(known_tenant=True, known_pool=True, units=QUOTA, duration=MAX_DURATION, free=ESCROW)
def test_open_lease_with_bad_input_names_the_first_check_that_fails(
    market, funded_tenant, pool_id, tenant_owner, chain, reverts, known_tenant, known_pool, units,
    duration, free,
):  # fmt: skip
    tenant = funded_tenant if known_tenant else 42
    pool = pool_id if known_pool else 9
    snapshot = chain.snapshot()
    try:
        if free != ESCROW:
            market.withdraw(funded_tenant, ESCROW - free, tenant_owner, sender=tenant_owner)
        expected = _open_error(tenant, known_tenant, pool, known_pool, units, duration, free)
        if expected is None:
            market.openLease(tenant, pool, units, duration, ANY_PRICE, sender=tenant_owner)
            assert market.account(tenant) == (
                free - units * PRICE * duration,
                units * PRICE * duration,
            )
        else:
            name, args = expected
            with reverts(getattr(market, name), **args):
                market.openLease(tenant, pool, units, duration, ANY_PRICE, sender=tenant_owner)
    finally:
        chain.restore(snapshot)

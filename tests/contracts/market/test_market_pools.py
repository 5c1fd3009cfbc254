"""Capacity pools: created by providers, then resized, repriced, paused and retired by them."""

from __future__ import annotations

import pytest
from _market import (
    CAPACITY,
    CPU,
    GPU,
    HOUR,
    MAX_DURATION,
    MIN_DURATION,
    POOL_NONE,
    POOL_OPEN,
    POOL_PAUSED,
    POOL_RETIRED,
    PRICE,
    PROVIDER_ROLE,
    RELEASED,
    UNITS,
    ZERO_ADDRESS,
)

# ---------------------------------------------------------------------------------- createPool


def test_provider_creates_an_open_pool_with_the_given_terms(market, provider):
    market.createPool(GPU, CAPACITY, PRICE, MIN_DURATION, MAX_DURATION, sender=provider)
    pool = market.pool(1)
    assert (pool.capacity, pool.allocated, pool.pricePerUnitSecond) == (CAPACITY, 0, PRICE)
    assert (pool.minDuration, pool.maxDuration, pool.status) == (
        MIN_DURATION,
        MAX_DURATION,
        POOL_OPEN,
    )
    assert (pool.provider, bytes(pool.resourceClass)) == (provider.address, GPU)
    assert market.poolCount() == 1


def test_create_pool_emits_pool_created_with_the_next_seq(market, provider, events, expect, seq):
    receipt = market.createPool(GPU, CAPACITY, PRICE, MIN_DURATION, MAX_DURATION, sender=provider)
    assert events(receipt, market) == [
        expect(
            "PoolCreated",
            poolId=1,
            provider=provider,
            resourceClass=GPU,
            capacity=CAPACITY,
            pricePerUnitSecond=PRICE,
            minDuration=MIN_DURATION,
            maxDuration=MAX_DURATION,
            seq=seq(),
        )
    ]


def test_pool_ids_are_sequential_across_providers(market, create_pool, second_provider):
    assert [create_pool(), create_pool(second_provider, CPU), create_pool()] == [1, 2, 3]
    assert market.poolCount() == 3


def test_a_pool_may_allow_a_single_duration(market, create_pool):
    pool = create_pool(min_duration=HOUR, max_duration=HOUR)
    assert (market.pool(pool).minDuration, market.pool(pool).maxDuration) == (HOUR, HOUR)


@pytest.mark.parametrize("who", ["admin", "tenant_owner", "stranger"])
def test_only_a_provider_may_create_a_pool(market, request, reverts, who):
    caller = request.getfixturevalue(who)
    with reverts(market.MarketNotProvider, caller=caller):
        market.createPool(GPU, CAPACITY, PRICE, MIN_DURATION, MAX_DURATION, sender=caller)


@pytest.mark.parametrize(
    ("terms", "error", "args"),
    [
        ((b"\x00" * 32, CAPACITY, PRICE, 60, 120), "PoolZeroResourceClass", {}),
        ((GPU, 0, PRICE, 60, 120), "PoolZeroCapacity", {}),
        ((GPU, CAPACITY, 0, 60, 120), "PoolZeroPrice", {}),
        (
            (GPU, CAPACITY, PRICE, 0, 120),
            "PoolInvalidDurations",
            {"minDuration": 0, "maxDuration": 120},
        ),
        (
            (GPU, CAPACITY, PRICE, 121, 120),
            "PoolInvalidDurations",
            {"minDuration": 121, "maxDuration": 120},
        ),
    ],
    ids=["zero-class", "zero-capacity", "zero-price", "zero-min-duration", "min-above-max"],
)
def test_create_pool_with_invalid_terms_reverts(market, provider, reverts, terms, error, args):
    with reverts(getattr(market, error), **args):
        market.createPool(*terms, sender=provider)


def test_a_revoked_provider_may_not_create_pools(market, registry, admin, provider, reverts):
    registry.revokeRole(PROVIDER_ROLE, provider, sender=admin)
    with reverts(market.MarketNotProvider, caller=provider):
        market.createPool(GPU, CAPACITY, PRICE, MIN_DURATION, MAX_DURATION, sender=provider)


def test_an_unknown_pool_reads_as_status_none(market):
    pool = market.pool(7)
    assert (pool.status, pool.provider, pool.capacity) == (POOL_NONE, ZERO_ADDRESS, 0)


# ----------------------------------------------------------------------------- setPoolCapacity


@pytest.mark.parametrize("capacity", [1, CAPACITY + 5, 2**32 - 1])
def test_provider_sets_pool_capacity(market, pool_id, provider, capacity):
    market.setPoolCapacity(pool_id, capacity, sender=provider)
    assert market.pool(pool_id).capacity == capacity


def test_set_pool_capacity_emits_pool_capacity_changed(
    market, pool_id, provider, events, expect, seq
):
    receipt = market.setPoolCapacity(pool_id, 4, sender=provider)
    assert events(receipt, market) == [
        expect("PoolCapacityChanged", poolId=pool_id, capacity=4, seq=seq())
    ]


def test_capacity_may_be_lowered_to_what_is_allocated(market, pool_id, provider, lease_id):
    market.setPoolCapacity(pool_id, UNITS, sender=provider)
    assert market.pool(pool_id).capacity == UNITS


def test_capacity_below_what_is_allocated_reverts(market, pool_id, provider, lease_id, reverts):
    with reverts(
        market.PoolCapacityBelowAllocated, poolId=pool_id, capacity=UNITS - 1, allocated=UNITS
    ):
        market.setPoolCapacity(pool_id, UNITS - 1, sender=provider)


def test_zero_capacity_reverts(market, pool_id, provider, reverts):
    with reverts(market.PoolZeroCapacity):
        market.setPoolCapacity(pool_id, 0, sender=provider)


def test_capacity_of_a_paused_pool_may_change(market, pool_id, provider):
    market.pausePool(pool_id, sender=provider)
    market.setPoolCapacity(pool_id, 3, sender=provider)
    assert market.pool(pool_id).capacity == 3


# -------------------------------------------------------------------------------- setPoolPrice


def test_provider_sets_the_price_for_new_leases(market, pool_id, provider):
    market.setPoolPrice(pool_id, 3 * PRICE, sender=provider)
    assert market.pool(pool_id).pricePerUnitSecond == 3 * PRICE


def test_set_pool_price_emits_pool_price_changed(market, pool_id, provider, events, expect, seq):
    receipt = market.setPoolPrice(pool_id, 3 * PRICE, sender=provider)
    assert events(receipt, market) == [
        expect("PoolPriceChanged", poolId=pool_id, pricePerUnitSecond=3 * PRICE, seq=seq())
    ]


def test_a_running_lease_keeps_the_price_it_opened_with(market, pool_id, provider, lease_id):
    market.setPoolPrice(pool_id, 3 * PRICE, sender=provider)
    assert market.lease(lease_id).pricePerUnitSecond == PRICE


def test_a_new_lease_pays_the_new_price(
    market, pool_id, provider, funded_tenant, tenant_owner, open_lease
):
    market.setPoolPrice(pool_id, 3 * PRICE, sender=provider)
    lease = open_lease(funded_tenant, pool_id, 1, HOUR, tenant_owner)
    assert market.lease(lease).pricePerUnitSecond == 3 * PRICE
    assert market.account(funded_tenant)[1] == 3 * PRICE * HOUR


def test_leases_opened_between_price_changes_keep_their_own_price(
    market, pool_id, provider, funded_tenant, tenant_owner, open_lease
):
    leases = []
    for price in (2 * PRICE, 5 * PRICE, PRICE // 2):
        market.setPoolPrice(pool_id, price, sender=provider)
        leases.append(open_lease(funded_tenant, pool_id, 1, HOUR, tenant_owner))
    assert [market.lease(lease).pricePerUnitSecond for lease in leases] == [
        2 * PRICE,
        5 * PRICE,
        PRICE // 2,
    ]


def test_zero_price_reverts(market, pool_id, provider, reverts):
    with reverts(market.PoolZeroPrice):
        market.setPoolPrice(pool_id, 0, sender=provider)


# --------------------------------------------------------------------- pause, unpause, retire


def test_provider_pauses_an_open_pool(market, pool_id, provider):
    market.pausePool(pool_id, sender=provider)
    assert market.pool(pool_id).status == POOL_PAUSED


def test_provider_unpauses_a_paused_pool(market, pool_id, provider):
    market.pausePool(pool_id, sender=provider)
    market.unpausePool(pool_id, sender=provider)
    assert market.pool(pool_id).status == POOL_OPEN


@pytest.mark.parametrize("paused_first", [False, True], ids=["from-open", "from-paused"])
def test_provider_retires_an_open_or_paused_pool(market, pool_id, provider, paused_first):
    if paused_first:
        market.pausePool(pool_id, sender=provider)
    market.retirePool(pool_id, sender=provider)
    assert market.pool(pool_id).status == POOL_RETIRED


@pytest.mark.parametrize(
    ("method", "status"),
    [("pausePool", POOL_PAUSED), ("retirePool", POOL_RETIRED)],
)
def test_status_changes_emit_pool_status_changed(
    market, pool_id, provider, events, expect, seq, method, status
):
    receipt = getattr(market, method)(pool_id, sender=provider)
    assert events(receipt, market) == [
        expect(
            "PoolStatusChanged",
            poolId=pool_id,
            status=status,
            by=provider,
            byAdmin=False,
            seq=seq(),
        )
    ]


def test_unpause_emits_pool_status_changed_to_open(market, pool_id, provider, events, expect, seq):
    market.pausePool(pool_id, sender=provider)
    receipt = market.unpausePool(pool_id, sender=provider)
    assert events(receipt, market) == [
        expect(
            "PoolStatusChanged",
            poolId=pool_id,
            status=POOL_OPEN,
            by=provider,
            byAdmin=False,
            seq=seq(),
        )
    ]


@pytest.mark.parametrize(
    ("method", "status"),
    [("pausePool", POOL_PAUSED), ("retirePool", POOL_RETIRED)],
)
def test_a_platform_admin_pauses_or_retires_any_pool(
    market, pool_id, admin, events, expect, seq, method, status
):
    receipt = getattr(market, method)(pool_id, sender=admin)
    assert events(receipt, market) == [
        expect(
            "PoolStatusChanged", poolId=pool_id, status=status, by=admin, byAdmin=True, seq=seq()
        )
    ]


def test_a_pool_an_admin_paused_stays_paused_until_an_admin_unpauses(
    market, pool_id, admin, provider, reverts
):
    market.pausePool(pool_id, sender=admin)
    with reverts(market.PoolPausedByAdmin, poolId=pool_id):
        market.unpausePool(pool_id, sender=provider)
    market.unpausePool(pool_id, sender=admin)
    assert market.pool(pool_id).status == POOL_OPEN


@pytest.mark.parametrize("method", ["pausePool", "unpausePool", "retirePool"])
def test_a_stranger_manages_no_pool(market, pool_id, stranger, reverts, method):
    with reverts(market.PoolNotManager, poolId=pool_id, caller=stranger):
        getattr(market, method)(pool_id, sender=stranger)


def test_an_offboarded_providers_pool_takes_no_lease_and_cannot_be_repriced(
    market, registry, admin, provider, pool_id, funded_tenant, tenant_owner, reverts
):
    registry.revokeRole(PROVIDER_ROLE, provider, sender=admin)
    with reverts(market.PoolProviderInactive, poolId=pool_id, provider=provider):
        market.openLease(funded_tenant, pool_id, 1, HOUR, PRICE, sender=tenant_owner)
    with reverts(market.MarketNotProvider, caller=provider):
        market.setPoolPrice(pool_id, 2 * PRICE, sender=provider)
    market.retirePool(pool_id, sender=provider)  # stopping stays allowed


# (method, status the pool is brought to first, status the revert reports)
WRONG_STATUS = [
    ("pausePool", "paused", POOL_PAUSED),
    ("pausePool", "retired", POOL_RETIRED),
    ("unpausePool", "open", POOL_OPEN),
    ("unpausePool", "retired", POOL_RETIRED),
    ("retirePool", "retired", POOL_RETIRED),
    ("setPoolCapacity", "retired", POOL_RETIRED),
    ("setPoolPrice", "retired", POOL_RETIRED),
]


def _args(method: str, pool: int) -> tuple[int, ...]:
    return {"setPoolCapacity": (pool, 5), "setPoolPrice": (pool, PRICE)}.get(method, (pool,))


@pytest.mark.parametrize(("method", "state", "status"), WRONG_STATUS)
def test_pool_change_in_the_wrong_status_reverts(
    market, pool_id, provider, reverts, method, state, status
):
    if state == "paused":
        market.pausePool(pool_id, sender=provider)
    elif state == "retired":
        market.retirePool(pool_id, sender=provider)
    with reverts(market.PoolInvalidStatus, poolId=pool_id, status=status):
        getattr(market, method)(*_args(method, pool_id), sender=provider)


POOL_METHODS = ["setPoolCapacity", "setPoolPrice", "pausePool", "unpausePool", "retirePool"]


@pytest.mark.parametrize("method", ["setPoolCapacity", "setPoolPrice"])
@pytest.mark.parametrize("who", ["second_provider", "admin", "stranger"])
def test_only_the_pools_provider_may_resize_or_reprice_it(
    market, pool_id, request, reverts, method, who
):
    caller = request.getfixturevalue(who)
    with reverts(market.PoolNotProvider, poolId=pool_id, caller=caller):
        getattr(market, method)(*_args(method, pool_id), sender=caller)


@pytest.mark.parametrize("method", ["pausePool", "unpausePool", "retirePool"])
@pytest.mark.parametrize("who", ["second_provider", "stranger"])
def test_only_the_pools_provider_or_an_admin_may_pause_or_retire_it(
    market, pool_id, request, reverts, method, who
):
    caller = request.getfixturevalue(who)
    with reverts(market.PoolNotManager, poolId=pool_id, caller=caller):
        getattr(market, method)(*_args(method, pool_id), sender=caller)


@pytest.mark.parametrize("method", POOL_METHODS)
def test_changing_an_unknown_pool_reverts(market, provider, reverts, method):
    with reverts(market.PoolUnknown, poolId=9):
        getattr(market, method)(*_args(method, 9), sender=provider)


def test_a_running_lease_survives_retirement_and_can_be_released(
    market, pool_id, provider, tenant_owner, lease_id, events
):
    market.retirePool(pool_id, sender=provider)
    receipt = market.releaseLease(lease_id, sender=tenant_owner)
    assert [e["reason"] for e in events(receipt, market)] == [RELEASED]
    assert market.pool(pool_id).allocated == 0

"""Reclaiming leases: anyone closes expired leases, and running leases of Closed tenants."""

from __future__ import annotations

import pytest
from _market import (
    ESCROW,
    EXPIRED,
    GPU,
    HOUR,
    LEASE_CLOSED,
    MIN_DURATION,
    PRICE,
    TENANT_CLOSED,
    UNITS,
)


@pytest.fixture
def expired(market, lease_id, chain) -> int:
    """The standard lease, after its end."""
    chain.mine(timestamp=market.lease(lease_id).end)
    return lease_id


def test_anyone_reclaims_an_expired_lease(market, stranger, expired):
    market.reclaim([expired], sender=stranger)
    lease = market.lease(expired)
    assert (lease.status, lease.closeReason) == (LEASE_CLOSED, EXPIRED)


def test_reclaim_pays_the_provider_the_whole_unsettled_rest(
    market, funded_tenant, provider, stranger, expired
):
    market.reclaim([expired], sender=stranger)
    assert market.claimable(provider) == UNITS * PRICE * HOUR
    assert market.account(funded_tenant) == (ESCROW - UNITS * PRICE * HOUR, 0)


def test_reclaim_frees_the_units(market, funded_tenant, pool_id, stranger, expired):
    market.reclaim([expired], sender=stranger)
    assert market.pool(pool_id).allocated == 0
    assert market.activeUnits(funded_tenant, GPU) == 0


def test_reclaim_of_an_expired_lease_emits_lease_closed(
    market, stranger, expired, events, expect, seq
):
    receipt = market.reclaim([expired], sender=stranger)
    assert events(receipt, market) == [
        expect(
            "LeaseClosed",
            leaseId=expired,
            reason=EXPIRED,
            reasonCode=0,
            toProvider=UNITS * PRICE * HOUR,
            refunded=0,
            by=stranger,
            seq=seq(),
        )
    ]


def test_reclaim_after_a_claim_pays_only_the_unsettled_rest(
    market, provider, stranger, lease_id, chain, events
):
    end = market.lease(lease_id).end
    chain.mine(timestamp=end + 10)
    market.claim(provider, [lease_id], sender=provider)
    receipt = market.reclaim([lease_id], sender=stranger)
    assert events(receipt, market)[0]["toProvider"] == 0


def test_reclaim_closes_a_running_lease_of_a_closed_tenant_with_a_refund(
    market, registry, funded_tenant, tenant_owner, stranger, lease_id, events, block_time
):
    registry.close(funded_tenant, sender=tenant_owner)
    receipt = market.reclaim([lease_id], sender=stranger)
    lease = market.lease(lease_id)
    ran = block_time(receipt) - lease.start
    closed = events(receipt, market)[0]
    assert (closed["reason"], closed["toProvider"], closed["refunded"]) == (
        TENANT_CLOSED,
        UNITS * PRICE * ran,
        UNITS * PRICE * (HOUR - ran),
    )
    assert market.account(funded_tenant) == (ESCROW - UNITS * PRICE * ran, 0)


def test_the_owner_of_a_closed_tenant_withdraws_the_refund(
    market, registry, funded_tenant, tenant_owner, stranger, lease_id
):
    registry.close(funded_tenant, sender=tenant_owner)
    market.reclaim([lease_id], sender=stranger)
    free = market.account(funded_tenant)[0]
    market.withdraw(funded_tenant, free, tenant_owner, sender=tenant_owner)
    assert market.account(funded_tenant) == (0, 0)


def test_reclaim_closes_a_batch(
    market, funded_tenant, pool_id, tenant_owner, stranger, open_lease, chain, events
):
    ids = [open_lease(funded_tenant, pool_id, 1, MIN_DURATION, tenant_owner) for _ in range(4)]
    chain.mine(timestamp=market.lease(ids[-1]).end)
    receipt = market.reclaim(ids, sender=stranger)
    assert [e["leaseId"] for e in events(receipt, market)] == ids
    assert market.pool(pool_id).allocated == 0


def test_reclaim_skips_leases_already_closed(market, stranger, expired, events):
    market.reclaim([expired], sender=stranger)
    receipt = market.reclaim([expired, expired], sender=stranger)
    assert events(receipt, market) == []


def test_a_running_lease_of_a_live_tenant_is_not_reclaimable(market, stranger, lease_id, reverts):
    end = market.lease(lease_id).end
    with reverts(market.LeaseNotReclaimable, leaseId=lease_id, end=end):
        market.reclaim([lease_id], sender=stranger)


def test_a_running_lease_of_a_suspended_tenant_is_not_reclaimable(
    market, registry, admin, funded_tenant, stranger, lease_id, reverts
):
    registry.suspend(funded_tenant, 1, sender=admin)
    end = market.lease(lease_id).end
    with reverts(market.LeaseNotReclaimable, leaseId=lease_id, end=end):
        market.reclaim([lease_id], sender=stranger)


def test_reclaim_of_an_unknown_lease_reverts(market, stranger, reverts):
    with reverts(market.LeaseUnknown, leaseId=31337):
        market.reclaim([31337], sender=stranger)


def test_reclaim_takes_a_batch_of_100_and_closes_a_repeated_lease_once(
    market, stranger, expired, events
):
    receipt = market.reclaim([expired] * 100, sender=stranger)
    assert [e["leaseId"] for e in events(receipt, market)] == [expired]


def test_reclaim_of_more_than_100_leases_reverts(market, stranger, reverts):
    with reverts(market.MarketBatchTooLarge, length=101, maxLength=100):
        market.reclaim([1] * 101, sender=stranger)

"""Releasing a running lease early: accrued to the provider, the rest back to free escrow."""

from __future__ import annotations

import pytest
from _market import CAPACITY, ESCROW, GPU, HOUR, LEASE_CLOSED, PRICE, RELEASED, UNITS


@pytest.fixture
def released(market, tenant_owner, lease_id, warp):
    """Release the standard lease at least 100 seconds after it started; return the receipt."""
    warp(100)
    return market.releaseLease(lease_id, sender=tenant_owner)


def _split(market, lease_id, closed_at):
    """(to provider, refunded) of a lease never claimed before it closed at ``closed_at``."""
    lease = market.lease(lease_id)
    assert lease.paidUntil == closed_at  # a closed lease is paid up to its close
    rate = lease.units * lease.pricePerUnitSecond
    return rate * (closed_at - lease.start), rate * (lease.end - closed_at)


def test_release_credits_the_accrued_amount_to_the_provider(
    market, provider, lease_id, released, block_time
):
    to_provider, _ = _split(market, lease_id, block_time(released))
    assert to_provider == UNITS * PRICE * (block_time(released) - market.lease(lease_id).start)
    assert market.claimable(provider) == to_provider


def test_release_returns_the_unaccrued_rest_to_free_escrow(
    market, funded_tenant, lease_id, released, block_time
):
    to_provider, _ = _split(market, lease_id, block_time(released))
    assert market.account(funded_tenant) == (ESCROW - to_provider, 0)


def test_release_frees_the_units_at_once(market, funded_tenant, pool_id, lease_id, released):
    assert market.pool(pool_id).allocated == 0
    assert market.activeUnits(funded_tenant, GPU) == 0


def test_released_units_can_be_leased_again_in_the_same_block(
    market, registry, admin, funded_tenant, pool_id, tenant_owner, open_lease
):
    registry.setQuota(funded_tenant, GPU, CAPACITY, sender=admin)
    first = open_lease(funded_tenant, pool_id, CAPACITY, HOUR, tenant_owner)
    market.releaseLease(first, sender=tenant_owner)
    open_lease(funded_tenant, pool_id, CAPACITY, HOUR, tenant_owner)
    assert market.pool(pool_id).allocated == CAPACITY


def test_release_closes_the_lease_with_reason_released(market, lease_id, released):
    lease = market.lease(lease_id)
    assert (lease.status, lease.closeReason) == (LEASE_CLOSED, RELEASED)


def test_release_emits_lease_closed(
    market, tenant_owner, lease_id, released, events, expect, seq, block_time
):
    to_provider, refunded = _split(market, lease_id, block_time(released))
    assert events(released, market) == [
        expect(
            "LeaseClosed",
            leaseId=lease_id,
            reason=RELEASED,
            reasonCode=0,
            toProvider=to_provider,
            refunded=refunded,
            by=tenant_owner,
            seq=seq(),
        )
    ]


def test_payout_and_refund_add_up_to_the_cost(market, lease_id, released, events):
    closed = events(released, market)[0]
    assert closed["toProvider"] + closed["refunded"] == UNITS * PRICE * HOUR


def test_release_after_a_claim_pays_only_what_accrued_since(
    market, provider, tenant_owner, lease_id, warp, events, block_time
):
    warp(50)
    claimed = market.claim(provider, [lease_id], sender=provider)
    warp(70)
    released = market.releaseLease(lease_id, sender=tenant_owner)
    closed = events(released, market)[0]
    assert closed["toProvider"] == UNITS * PRICE * (block_time(released) - block_time(claimed))
    settled = events(claimed, market)[0]["amount"]
    assert settled + closed["toProvider"] + closed["refunded"] == UNITS * PRICE * HOUR


def test_an_operator_releases_the_tenants_lease(market, operator, operator_expiry, lease_id):
    market.releaseLease(lease_id, sender=operator)
    assert market.lease(lease_id).status == LEASE_CLOSED


@pytest.mark.parametrize("who", ["stranger", "provider", "admin", "other_owner"])
def test_an_account_not_authorized_for_the_tenant_may_not_release(
    market, funded_tenant, lease_id, request, reverts, who
):
    caller = request.getfixturevalue(who)
    with reverts(market.MarketUnauthorized, tenantId=funded_tenant, caller=caller):
        market.releaseLease(lease_id, sender=caller)


def test_release_of_an_unknown_lease_reverts(market, tenant_owner, reverts):
    with reverts(market.LeaseUnknown, leaseId=777):
        market.releaseLease(777, sender=tenant_owner)


def test_release_of_a_closed_lease_reverts(market, tenant_owner, lease_id, released, reverts):
    with reverts(market.LeaseNotActive, leaseId=lease_id, status=LEASE_CLOSED):
        market.releaseLease(lease_id, sender=tenant_owner)


def test_release_at_or_after_the_end_reverts(market, tenant_owner, lease_id, chain, reverts):
    end = market.lease(lease_id).end
    chain.mine(timestamp=end)
    with reverts(market.LeaseExpired, leaseId=lease_id, end=end):
        market.releaseLease(lease_id, sender=tenant_owner)

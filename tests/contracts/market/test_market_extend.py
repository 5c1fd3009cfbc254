"""Extending a running lease at its locked price, paid from free escrow."""

from __future__ import annotations

import pytest
from _market import ANY_PRICE, ESCROW, HOUR, LEASE_CLOSED, PRICE, UNITS

SUSPENDED = 3


def test_extend_moves_the_extra_cost_from_free_to_reserved(
    market, funded_tenant, tenant_owner, lease_id
):
    market.extendLease(lease_id, 600, ANY_PRICE, sender=tenant_owner)
    cost = UNITS * PRICE * (HOUR + 600)
    assert market.account(funded_tenant) == (ESCROW - cost, cost)


def test_extend_moves_the_end(market, tenant_owner, lease_id):
    end = market.lease(lease_id).end
    market.extendLease(lease_id, 600, ANY_PRICE, sender=tenant_owner)
    assert market.lease(lease_id).end == end + 600


def test_extend_emits_lease_extended_with_the_extension_cost(
    market, tenant_owner, lease_id, events, expect, seq
):
    end = market.lease(lease_id).end
    receipt = market.extendLease(lease_id, 600, ANY_PRICE, sender=tenant_owner)
    assert events(receipt, market) == [
        expect(
            "LeaseExtended", leaseId=lease_id, end=end + 600, cost=UNITS * PRICE * 600, seq=seq()
        )
    ]


def test_extend_charges_the_locked_price_after_a_price_change(
    market, pool_id, provider, funded_tenant, tenant_owner, lease_id, events
):
    market.setPoolPrice(pool_id, 10 * PRICE, sender=provider)
    receipt = market.extendLease(lease_id, 600, ANY_PRICE, sender=tenant_owner)
    assert events(receipt, market)[0]["cost"] == UNITS * PRICE * 600


def test_extend_ignores_the_pools_status_and_bounds(
    market, pool_id, provider, tenant_owner, lease_id
):
    market.retirePool(pool_id, sender=provider)
    end = market.lease(lease_id).end
    market.extendLease(lease_id, 40 * 24 * HOUR, ANY_PRICE, sender=tenant_owner)
    assert market.lease(lease_id).end == end + 40 * 24 * HOUR


def test_an_operator_extends_the_tenants_lease(market, operator, operator_expiry, lease_id):
    end = market.lease(lease_id).end
    market.extendLease(lease_id, 60, ANY_PRICE, sender=operator)
    assert market.lease(lease_id).end == end + 60


@pytest.mark.parametrize("who", ["stranger", "provider", "admin", "other_owner"])
def test_an_account_not_authorized_for_the_tenant_may_not_extend(
    market, funded_tenant, lease_id, request, reverts, who
):
    caller = request.getfixturevalue(who)
    with reverts(market.MarketUnauthorized, tenantId=funded_tenant, caller=caller):
        market.extendLease(lease_id, 60, ANY_PRICE, sender=caller)


def test_the_owner_of_a_suspended_tenant_may_not_extend(
    market, registry, admin, funded_tenant, tenant_owner, lease_id, reverts
):
    registry.suspend(funded_tenant, 1, sender=admin)
    with reverts(market.MarketUnauthorized, tenantId=funded_tenant, caller=tenant_owner):
        market.extendLease(lease_id, 60, ANY_PRICE, sender=tenant_owner)


def test_extend_by_zero_reverts(market, tenant_owner, lease_id, reverts):
    with reverts(market.LeaseZeroDuration):
        market.extendLease(lease_id, 0, ANY_PRICE, sender=tenant_owner)


def test_extend_of_an_unknown_lease_reverts(market, tenant_owner, reverts):
    with reverts(market.LeaseUnknown, leaseId=12345):
        market.extendLease(12345, 60, ANY_PRICE, sender=tenant_owner)


def test_extend_of_a_closed_lease_reverts(market, tenant_owner, lease_id, reverts):
    market.releaseLease(lease_id, sender=tenant_owner)
    with reverts(market.LeaseNotActive, leaseId=lease_id, status=LEASE_CLOSED):
        market.extendLease(lease_id, 60, ANY_PRICE, sender=tenant_owner)


def test_extend_at_or_after_the_end_reverts(market, tenant_owner, lease_id, chain, reverts):
    end = market.lease(lease_id).end
    chain.mine(timestamp=end - 1)  # the next block is at `end`
    with reverts(market.LeaseExpired, leaseId=lease_id, end=end):
        market.extendLease(lease_id, 60, ANY_PRICE, sender=tenant_owner)


def test_extend_without_enough_free_escrow_reverts(
    market, funded_tenant, tenant_owner, lease_id, reverts
):
    free = market.account(funded_tenant)[0]
    market.withdraw(funded_tenant, free, tenant_owner, sender=tenant_owner)
    with reverts(
        market.MarketInsufficientEscrow,
        tenantId=funded_tenant,
        needed=UNITS * PRICE * 60,
        available=0,
    ):
        market.extendLease(lease_id, 60, ANY_PRICE, sender=tenant_owner)


def test_extend_past_2_to_the_32_seconds_in_all_reverts(market, tenant_owner, lease_id, reverts):
    additional = 2**32 - HOUR  # length would be exactly 2^32
    with reverts(
        market.LeaseCostOverflow, units=UNITS, pricePerUnitSecond=PRICE, duration=additional
    ):
        market.extendLease(lease_id, additional, ANY_PRICE, sender=tenant_owner)

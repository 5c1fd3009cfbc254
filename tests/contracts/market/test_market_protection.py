"""Tenant protection (issue 11): price protection, operator limits, suspension, provider handover.

Each rule on chain: its happy path, each revert with its arguments, its events, and who may not.
"""

from __future__ import annotations

import pytest
from _market import ESCROW, HOUR, PRICE, PROVIDER_ROLE, UNITS

SUSPENDED = 3


# ------------------------------------------------------------------------------ price protection


def test_open_lease_refuses_a_price_raised_before_it_lands(
    market, funded_tenant, pool_id, provider, tenant_owner, reverts
):
    market.setPoolPrice(pool_id, 100 * PRICE, sender=provider)  # the sandwich's first leg

    with reverts(
        market.LeasePriceAboveMax,
        poolId=pool_id,
        pricePerUnitSecond=100 * PRICE,
        maxPricePerUnitSecond=PRICE,
    ):
        market.openLease(funded_tenant, pool_id, 1, HOUR, PRICE, sender=tenant_owner)


def test_open_lease_at_a_price_below_the_maximum_pays_the_pools_price(
    market, funded_tenant, pool_id, tenant_owner, open_lease
):
    lease = market.openLease(funded_tenant, pool_id, 1, HOUR, 2 * PRICE, sender=tenant_owner)
    lease_id = lease.events.filter(market.LeaseOpened)[0].leaseId

    assert market.lease(lease_id).pricePerUnitSecond == PRICE


def test_extend_lease_refuses_a_locked_price_above_the_maximum(
    market, lease_id, pool_id, tenant_owner, reverts
):
    with reverts(
        market.LeasePriceAboveMax,
        poolId=pool_id,
        pricePerUnitSecond=PRICE,
        maxPricePerUnitSecond=PRICE - 1,
    ):
        market.extendLease(lease_id, 60, PRICE - 1, sender=tenant_owner)


# ------------------------------------------------------------------------------- operator limits


@pytest.fixture
def limited_operator(market, registry, funded_tenant, tenant_owner, operator, chain):
    """``operator`` on the funded tenant with 10 unit-hours of allowance and 2-hour leases (limits
    set in the market first, then the grant in the registry)."""
    expiry = int(chain.pending_timestamp) + 365 * 24 * HOUR
    market.setOperatorLimits(
        funded_tenant, operator, 10 * PRICE * HOUR, 2 * HOUR, sender=tenant_owner
    )
    registry.grantOperator(funded_tenant, operator, expiry, sender=tenant_owner)
    return operator


def test_the_owner_sets_limits_journaled(market, funded_tenant, tenant_owner, operator, events):
    seq = market.journal()[0] + 1
    receipt = market.setOperatorLimits(funded_tenant, operator, 5, 60, sender=tenant_owner)

    assert [
        (e["event"], e["allowance"], e["maxDuration"], e["seq"]) for e in events(receipt, market)
    ] == [("OperatorLimitsSet", 5, 60, seq)]
    assert market.operatorLimits(funded_tenant, operator) == (5, 60)


def test_an_operator_open_spends_its_allowance_and_reports_the_opener(
    market, funded_tenant, pool_id, limited_operator, events
):
    receipt = market.openLease(funded_tenant, pool_id, 2, HOUR, PRICE, sender=limited_operator)

    opened, spent = events(receipt, market)
    assert opened["openedBy"] == limited_operator.address.lower()
    assert (spent["event"], spent["amount"], spent["remaining"], spent["seq"]) == (
        "OperatorAllowanceSpent",
        2 * PRICE * HOUR,
        8 * PRICE * HOUR,
        opened["seq"] + 1,
    )
    assert market.operatorLimits(funded_tenant, limited_operator)[0] == 8 * PRICE * HOUR


def test_an_operator_extend_spends_its_allowance(
    market, funded_tenant, lease_id, limited_operator, events
):
    receipt = market.extendLease(lease_id, 60, PRICE, sender=limited_operator)

    assert [e["event"] for e in events(receipt, market)] == [
        "LeaseExtended",
        "OperatorAllowanceSpent",
    ]
    left = (10 * HOUR - UNITS * 60) * PRICE  # the standard lease holds UNITS units
    assert market.operatorLimits(funded_tenant, limited_operator)[0] == left


def test_an_operator_cannot_reserve_more_than_its_allowance(
    market, funded_tenant, pool_id, limited_operator, reverts
):
    with reverts(
        market.MarketAllowanceExceeded,
        tenantId=funded_tenant,
        operator=limited_operator,
        amount=12 * PRICE * HOUR,
        allowance=10 * PRICE * HOUR,
    ):
        market.openLease(
            funded_tenant, pool_id, 11 // 2 + 1, 2 * HOUR, PRICE, sender=limited_operator
        )


def test_an_operator_cannot_open_past_its_longest_lease(
    market, funded_tenant, pool_id, limited_operator, reverts
):
    with reverts(
        market.MarketOperatorDurationExceeded,
        tenantId=funded_tenant,
        operator=limited_operator,
        length=2 * HOUR + 1,
        maxDuration=2 * HOUR,
    ):
        market.openLease(funded_tenant, pool_id, 1, 2 * HOUR + 1, PRICE, sender=limited_operator)


def test_an_operator_cannot_extend_past_its_longest_lease(
    market, lease_id, funded_tenant, limited_operator, reverts
):
    with reverts(
        market.MarketOperatorDurationExceeded,
        tenantId=funded_tenant,
        operator=limited_operator,
        length=2 * HOUR + 1,
        maxDuration=2 * HOUR,
    ):
        market.extendLease(lease_id, HOUR + 1, PRICE, sender=limited_operator)


def test_the_owner_is_not_limited_by_its_operators_limits(
    market, funded_tenant, pool_id, tenant_owner, limited_operator
):
    market.openLease(funded_tenant, pool_id, UNITS, 30 * 24 * HOUR, PRICE, sender=tenant_owner)


def test_only_the_owner_sets_limits(market, funded_tenant, operator, stranger, reverts):
    with reverts(market.MarketNotTenantOwner, tenantId=funded_tenant, caller=operator):
        market.setOperatorLimits(funded_tenant, stranger, 1, 1, sender=operator)


def test_an_ownership_transfer_lapses_the_limits(
    market, registry, funded_tenant, tenant_owner, stranger, limited_operator
):
    registry.proposeOwner(funded_tenant, stranger, sender=tenant_owner)
    registry.acceptOwnership(funded_tenant, sender=stranger)

    assert market.operatorLimits(funded_tenant, limited_operator) == (2**128 - 1, 2**32 - 1)


# ------------------------------------------------------------------------------------ suspension


def test_a_suspended_tenant_releases_but_neither_opens_nor_extends(
    market, registry, admin, funded_tenant, pool_id, lease_id, tenant_owner, reverts
):
    registry.suspend(funded_tenant, 1, sender=admin)

    with reverts(market.MarketUnauthorized, tenantId=funded_tenant, caller=tenant_owner):
        market.openLease(funded_tenant, pool_id, 1, HOUR, PRICE, sender=tenant_owner)
    with reverts(market.MarketUnauthorized, tenantId=funded_tenant, caller=tenant_owner):
        market.extendLease(lease_id, 60, PRICE, sender=tenant_owner)
    market.releaseLease(lease_id, sender=tenant_owner)
    assert market.account(funded_tenant)[1] == 0


# -------------------------------------------------------------------------------------- handover


def test_a_provider_hands_its_pools_and_earnings_to_a_new_address(
    market, registry, admin, provider, stranger, lease_id, tenant_owner, events, expect, seq, chain
):
    chain.mine(timestamp=chain.pending_timestamp + 100)
    market.releaseLease(lease_id, sender=tenant_owner)
    owed = market.claimable(provider)
    registry.grantRole(PROVIDER_ROLE, stranger, sender=admin)

    proposed = market.proposeProviderHandover(stranger, sender=provider)
    assert events(proposed, market) == [
        expect("ProviderHandoverProposed", provider=provider, newProvider=stranger, seq=seq())
    ]
    accepted = market.acceptProviderHandover(provider, sender=stranger)

    assert events(accepted, market) == [
        expect("ProviderHandedOver", previousProvider=provider, newProvider=stranger, seq=seq())
    ]
    assert market.pool(1).provider == stranger
    assert market.claimable(stranger) == owed
    assert market.claimable(provider) == 0


def test_only_the_proposed_address_accepts_a_handover(
    market, provider, stranger, admin, pool_id, reverts
):
    market.proposeProviderHandover(stranger, sender=provider)
    with reverts(market.MarketNotPendingProvider, provider=provider, caller=admin):
        market.acceptProviderHandover(provider, sender=admin)


def test_a_handover_needs_the_provider_role(market, provider, stranger, pool_id, reverts):
    market.proposeProviderHandover(stranger, sender=provider)
    with reverts(market.MarketNotProvider, caller=stranger):
        market.acceptProviderHandover(provider, sender=stranger)


def test_a_handover_goes_to_an_address_without_pools(
    market, provider, second_provider, pool_id, create_pool, reverts
):
    create_pool(sender=second_provider)
    market.proposeProviderHandover(second_provider, sender=provider)
    with reverts(market.MarketProviderExists, account=second_provider):
        market.acceptProviderHandover(provider, sender=second_provider)


# ------------------------------------------------------------------------------- smaller fixes


def test_withdraw_to_the_market_itself_reverts(market, funded_tenant, tenant_owner, reverts):
    with reverts(market.MarketInvalidRecipient, to=market.address):
        market.withdraw(funded_tenant, 1, market, sender=tenant_owner)


def test_a_released_lease_reports_paid_until_its_close(
    market, lease_id, tenant_owner, block_time, chain
):
    chain.mine(timestamp=chain.pending_timestamp + 100)
    closed_at = block_time(market.releaseLease(lease_id, sender=tenant_owner))

    assert market.lease(lease_id).paidUntil == closed_at
    assert market.account(1)[0] <= ESCROW

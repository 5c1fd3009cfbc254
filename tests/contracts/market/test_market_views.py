"""Views: a tenant's free and reserved escrow, each lease's remaining time and unaccrued amount."""

from __future__ import annotations

import pytest
from _market import CPU, GPU, HOUR, LEASE_NONE, PRICE, UNITS, ZERO_ADDRESS


def test_the_market_reports_its_asset_and_registry(market, registry, token):
    assert market.asset() == (token.address if token else ZERO_ADDRESS)
    assert market.registry() == registry.address


@pytest.mark.parametrize("after", [0, 1, 600, HOUR - 1])
def test_lease_remaining_counts_down_to_the_end(market, lease_id, chain, after):
    start, end = market.lease(lease_id).start, market.lease(lease_id).end
    if after:  # else read in the opening block
        chain.mine(timestamp=start + after)
    assert market.leaseRemaining(lease_id) == (end - start - after, UNITS * PRICE * (HOUR - after))


@pytest.mark.parametrize("after", [HOUR, HOUR + 1, 10 * HOUR])
def test_lease_remaining_is_zero_from_the_end_on(market, lease_id, chain, after):
    chain.mine(timestamp=market.lease(lease_id).start + after)
    assert market.leaseRemaining(lease_id) == (0, 0)


@pytest.mark.parametrize(
    ("after", "accrued_seconds"), [(0, 0), (90, 90), (HOUR, HOUR), (2 * HOUR, HOUR)]
)
def test_accrued_grows_linearly_until_the_end(market, lease_id, chain, after, accrued_seconds):
    if after:  # else read in the opening block
        chain.mine(timestamp=market.lease(lease_id).start + after)
    assert market.accrued(lease_id) == UNITS * PRICE * accrued_seconds


def test_accrued_counts_from_the_last_settlement(market, provider, lease_id, chain, block_time):
    settled_at = block_time(market.claim(provider, [lease_id], sender=provider))
    chain.mine(timestamp=settled_at + 40)
    assert market.accrued(lease_id) == UNITS * PRICE * 40


def test_accrued_plus_unaccrued_is_the_tenants_reserve_for_the_lease(
    market, funded_tenant, provider, lease_id, chain, block_time
):
    settled_at = block_time(market.claim(provider, [lease_id], sender=provider))
    chain.mine(timestamp=settled_at + 25)
    assert (
        market.accrued(lease_id) + market.leaseRemaining(lease_id)[1]
        == market.account(funded_tenant)[1]
    )


def test_a_closed_lease_has_nothing_remaining_or_accrued(market, tenant_owner, lease_id):
    market.releaseLease(lease_id, sender=tenant_owner)
    assert market.leaseRemaining(lease_id) == (0, 0)
    assert market.accrued(lease_id) == 0


def test_an_unknown_lease_reads_as_status_none(market):
    lease = market.lease(5)
    assert (lease.status, lease.tenantId, lease.start, lease.end) == (LEASE_NONE, 0, 0, 0)
    assert market.leaseRemaining(5) == (0, 0)
    assert market.accrued(5) == 0


def test_an_unknown_tenant_has_an_empty_account(market):
    assert market.account(99) == (0, 0)


def test_active_units_of_a_class_no_pool_offers_is_zero(market, funded_tenant, lease_id):
    assert (market.activeUnits(funded_tenant, GPU), market.activeUnits(funded_tenant, CPU)) == (
        UNITS,
        0,
    )


def test_an_account_that_runs_no_pool_has_nothing_claimable(market, stranger):
    assert market.claimable(stranger) == 0

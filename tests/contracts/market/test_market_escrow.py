"""Tenant escrow: deposits by anyone, withdrawals of free escrow by the tenant's owner only."""

from __future__ import annotations

import pytest
from _market import ESCROW, HOUR, UNITS

CLOSED, SUSPENDED, PENDING = 4, 3, 1


# ------------------------------------------------------------------------------------ deposit


def test_deposit_credits_the_tenants_free_escrow(market, tenant_id, tenant_owner, deposit, held):
    before = held()
    deposit(tenant_id, 1_000, tenant_owner)
    assert market.account(tenant_id) == (1_000, 0)
    assert held() == before + 1_000


def test_deposit_emits_deposited_with_the_next_seq(
    market, tenant_id, tenant_owner, deposit, events, expect, seq
):
    receipt = deposit(tenant_id, 1_000, tenant_owner)
    assert events(receipt, market) == [
        expect("Deposited", tenantId=tenant_id, **{"from": tenant_owner}, amount=1_000, seq=seq())
    ]


def test_anyone_may_top_up_a_tenants_escrow(market, tenant_id, tenant_owner, stranger, deposit):
    deposit(tenant_id, 700, tenant_owner)
    deposit(tenant_id, 300, stranger)
    assert market.account(tenant_id) == (1_000, 0)


@pytest.mark.parametrize("status", [PENDING, SUSPENDED])
def test_deposit_is_accepted_for_a_tenant_that_is_not_closed(
    market, tenant_in, other_owner, deposit, status
):
    tenant = tenant_in(status, other_owner)
    deposit(tenant, 500, other_owner)
    assert market.account(tenant) == (500, 0)


def test_deposit_of_zero_reverts(market, tenant_id, tenant_owner, deposit, reverts):
    with reverts(market.MarketZeroAmount):
        deposit(tenant_id, 0, tenant_owner)


def test_deposit_for_an_unknown_tenant_reverts(market, tenant_owner, deposit, reverts):
    with reverts(market.MarketUnknownTenant, tenantId=99):
        deposit(99, 1_000, tenant_owner)


def test_deposit_for_a_closed_tenant_reverts(market, tenant_in, other_owner, deposit, reverts):
    tenant = tenant_in(CLOSED, other_owner)
    with reverts(market.MarketTenantClosed, tenantId=tenant):
        deposit(tenant, 1_000, other_owner)


def test_deposit_with_a_value_that_does_not_match_the_asset_reverts(
    market, token, tenant_id, tenant_owner, fund, reverts
):
    fund(tenant_owner, 1_000)
    if token is None:
        with reverts(market.MarketValueMismatch, amount=1_000, value=999):
            market.deposit(tenant_id, 1_000, sender=tenant_owner, value=999)
    else:
        with reverts(market.MarketUnexpectedValue, value=1):
            market.deposit(tenant_id, 1_000, sender=tenant_owner, value=1)


# ----------------------------------------------------------------------------------- withdraw


def test_owner_withdraws_free_escrow_to_a_recipient(
    market, funded_tenant, tenant_owner, stranger, balance_of, held
):
    recipient_before, held_before = balance_of(stranger), held()
    market.withdraw(funded_tenant, 400, stranger, sender=tenant_owner)
    assert market.account(funded_tenant) == (ESCROW - 400, 0)
    assert balance_of(stranger) == recipient_before + 400
    assert held() == held_before - 400


def test_withdraw_emits_withdrawn_with_the_next_seq(
    market, funded_tenant, tenant_owner, stranger, events, expect, seq
):
    receipt = market.withdraw(funded_tenant, 400, stranger, sender=tenant_owner)
    assert events(receipt, market) == [
        expect("Withdrawn", tenantId=funded_tenant, to=stranger, amount=400, seq=seq())
    ]


def test_owner_may_withdraw_all_free_escrow(market, funded_tenant, tenant_owner):
    market.withdraw(funded_tenant, ESCROW, tenant_owner, sender=tenant_owner)
    assert market.account(funded_tenant) == (0, 0)


def test_owner_of_a_closed_tenant_still_withdraws(market, registry, funded_tenant, tenant_owner):
    registry.close(funded_tenant, sender=tenant_owner)
    market.withdraw(funded_tenant, ESCROW, tenant_owner, sender=tenant_owner)
    assert market.account(funded_tenant) == (0, 0)


@pytest.mark.parametrize("who", ["operator", "stranger", "provider", "admin"])
def test_only_the_owner_may_withdraw(market, funded_tenant, operator_expiry, request, reverts, who):
    caller = request.getfixturevalue(who)
    with reverts(market.MarketNotTenantOwner, tenantId=funded_tenant, caller=caller):
        market.withdraw(funded_tenant, 1, caller, sender=caller)


def test_a_depositor_may_not_withdraw_what_it_deposited(
    market, tenant_id, stranger, deposit, reverts
):
    deposit(tenant_id, 1_000, stranger)
    with reverts(market.MarketNotTenantOwner, tenantId=tenant_id, caller=stranger):
        market.withdraw(tenant_id, 1_000, stranger, sender=stranger)


def test_withdraw_of_zero_reverts(market, funded_tenant, tenant_owner, reverts):
    with reverts(market.MarketZeroAmount):
        market.withdraw(funded_tenant, 0, tenant_owner, sender=tenant_owner)


def test_withdraw_to_the_zero_address_reverts(market, funded_tenant, tenant_owner, reverts):
    zero = "0x0000000000000000000000000000000000000000"
    with reverts(market.MarketZeroAddress):
        market.withdraw(funded_tenant, 1, zero, sender=tenant_owner)


def test_withdraw_from_an_unknown_tenant_reverts(market, tenant_owner, reverts):
    with reverts(market.MarketUnknownTenant, tenantId=99):
        market.withdraw(99, 1, tenant_owner, sender=tenant_owner)


def test_withdraw_of_more_than_free_escrow_reverts(market, funded_tenant, tenant_owner, reverts):
    with reverts(
        market.MarketInsufficientEscrow, tenantId=funded_tenant, needed=ESCROW + 1, available=ESCROW
    ):
        market.withdraw(funded_tenant, ESCROW + 1, tenant_owner, sender=tenant_owner)


def test_reserved_escrow_cannot_be_withdrawn(
    market, funded_tenant, pool_id, tenant_owner, open_lease, reverts
):
    open_lease(funded_tenant, pool_id, UNITS, HOUR, tenant_owner)
    free, reserved = market.account(funded_tenant)
    assert reserved > 0
    with reverts(
        market.MarketInsufficientEscrow, tenantId=funded_tenant, needed=free + 1, available=free
    ):
        market.withdraw(funded_tenant, free + 1, tenant_owner, sender=tenant_owner)

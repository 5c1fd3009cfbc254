"""ERC-20 deployments: tokens that take a fee, tokens that call back, huge balances, deployment."""

from __future__ import annotations

import pytest
from _market import ANY_PRICE, GPU, HOUR, MIN_DURATION, UINT128_MAX, ZERO_ADDRESS
from eth_hash.auto import keccak

GUARD_ERROR = keccak(b"ReentrancyGuardReentrantCall()")[:4]


def _market_for(project, registry, admin, token):
    return project.LeaseMarket.deploy(registry, token, sender=admin)


def _give(token, market, account, amount):
    token.mint(account, amount, sender=account)
    token.approve(market, amount, sender=account)


# -------------------------------------------------------------------------------- fee on transfer


@pytest.fixture
def fee_token(mocks, admin):
    """Burns 1% of every transfer."""
    return mocks["FeeOnTransferERC20"].deploy(100, sender=admin)


@pytest.fixture
def fee_market(project, registry, admin, fee_token):
    return _market_for(project, registry, admin, fee_token)


def test_a_fee_taking_token_credits_what_arrived(
    fee_market, fee_token, tenant_id, tenant_owner, events, expect
):
    _give(fee_token, fee_market, tenant_owner, 10_000)
    receipt = fee_market.deposit(tenant_id, 10_000, sender=tenant_owner)
    assert fee_market.account(tenant_id) == (9_900, 0)
    assert events(receipt, fee_market) == [
        expect(
            "Deposited",
            tenantId=tenant_id,
            **{"from": tenant_owner},
            amount=9_900,
            seq=int(fee_market.journal()[0]),
        )
    ]
    assert fee_token.balanceOf(fee_market) == 9_900


def test_a_fee_taking_token_withdrawal_debits_the_amount_sent(
    fee_market, fee_token, tenant_id, tenant_owner, stranger
):
    _give(fee_token, fee_market, tenant_owner, 10_000)
    fee_market.deposit(tenant_id, 10_000, sender=tenant_owner)
    fee_market.withdraw(tenant_id, 5_000, stranger, sender=tenant_owner)
    assert fee_market.account(tenant_id) == (4_900, 0)
    assert fee_token.balanceOf(stranger) == 4_950
    assert fee_token.balanceOf(fee_market) == 4_900


def test_a_token_that_delivers_nothing_is_refused(
    mocks, project, registry, admin, tenant_id, tenant_owner, reverts
):
    token = mocks["FeeOnTransferERC20"].deploy(10_000, sender=admin)
    market = _market_for(project, registry, admin, token)
    _give(token, market, tenant_owner, 1_000)
    with reverts(market.MarketZeroAmount):
        market.deposit(tenant_id, 1_000, sender=tenant_owner)


# ------------------------------------------------------------------------------- re-entering token


@pytest.fixture
def hook_token(mocks, admin):
    return mocks["ReentrantERC20"].deploy(sender=admin)


@pytest.fixture
def hook_market(project, registry, admin, hook_token):
    return _market_for(project, registry, admin, hook_token)


@pytest.fixture
def hook_tenant(hook_market, hook_token, tenant_id, tenant_owner) -> int:
    _give(hook_token, hook_market, tenant_owner, 10_000)
    hook_market.deposit(tenant_id, 10_000, sender=tenant_owner)
    return int(tenant_id)


def test_a_token_reentering_during_a_deposit_is_refused(
    hook_market, hook_token, hook_tenant, tenant_owner, stranger
):
    hook_token.arm(
        hook_market,
        hook_market.withdraw.encode_input(hook_tenant, 5_000, stranger),
        False,
        sender=stranger,
    )
    _give(hook_token, hook_market, tenant_owner, 1_000)
    hook_market.deposit(hook_tenant, 1_000, sender=tenant_owner)
    assert (hook_token.attempted(), hook_token.succeeded()) == (True, False)
    assert bytes(hook_token.returned()) == GUARD_ERROR
    assert hook_market.account(hook_tenant) == (11_000, 0)
    assert hook_token.balanceOf(stranger) == 0


def test_a_token_reentering_during_a_withdrawal_is_refused(
    hook_market, hook_token, hook_tenant, tenant_owner, stranger
):
    withdraw = hook_market.withdraw.encode_input(hook_tenant, 1_000, stranger)
    hook_token.arm(hook_market, withdraw, False, sender=stranger)
    hook_market.withdraw(hook_tenant, 1_000, stranger, sender=tenant_owner)
    assert (hook_token.attempted(), hook_token.succeeded()) == (True, False)
    assert bytes(hook_token.returned()) == GUARD_ERROR
    assert hook_token.balanceOf(stranger) == 1_000
    assert hook_market.account(hook_tenant) == (9_000, 0)


def test_a_token_whose_hook_fails_on_the_refused_reentry_fails_the_deposit(
    hook_market, hook_token, hook_tenant, tenant_owner, stranger, reverts
):
    hook_token.arm(hook_market, hook_market.claim.encode_input(stranger, []), True, sender=stranger)
    _give(hook_token, hook_market, tenant_owner, 1_000)
    with reverts(hook_market.ReentrancyGuardReentrantCall):
        hook_market.deposit(hook_tenant, 1_000, sender=tenant_owner)
    assert hook_market.account(hook_tenant) == (10_000, 0)


def test_a_token_reentering_during_a_claim_is_refused(
    hook_market, hook_token, hook_tenant, registry, admin, provider, tenant_owner, stranger, chain
):
    registry.setQuota(hook_tenant, GPU, 1, sender=admin)
    hook_market.createPool(GPU, 1, 1, MIN_DURATION, HOUR, sender=provider)
    opened = hook_market.openLease(hook_tenant, 1, 1, MIN_DURATION, ANY_PRICE, sender=tenant_owner)
    lease = int(opened.events.filter(hook_market.LeaseOpened)[0].leaseId)
    chain.mine(timestamp=hook_market.lease(lease).end)
    hook_token.arm(
        hook_market, hook_market.claim.encode_input(provider, [lease]), False, sender=stranger
    )
    hook_market.claim(provider, [lease], sender=provider)
    assert (hook_token.attempted(), hook_token.succeeded()) == (True, False)
    assert hook_token.balanceOf(provider) == MIN_DURATION
    assert hook_token.balanceOf(hook_market) == 10_000 - MIN_DURATION


@pytest.mark.parametrize("reentry", ["openLease", "reclaim"])
def test_lease_functions_cannot_run_inside_a_token_transfer(
    hook_market, hook_token, hook_tenant, registry, admin, provider, tenant_owner, stranger, reentry
):
    registry.setQuota(hook_tenant, GPU, 1, sender=admin)
    hook_market.createPool(GPU, 1, 1, MIN_DURATION, HOUR, sender=provider)
    data = {
        "openLease": hook_market.openLease.encode_input(hook_tenant, 1, 1, MIN_DURATION, ANY_PRICE),
        "reclaim": hook_market.reclaim.encode_input([]),
    }[reentry]
    hook_token.arm(hook_market, data, False, sender=stranger)
    hook_market.withdraw(hook_tenant, 10, stranger, sender=tenant_owner)
    assert (hook_token.attempted(), hook_token.succeeded()) == (True, False)
    assert bytes(hook_token.returned()) == GUARD_ERROR


# ------------------------------------------------------------------------------ balances and value


@pytest.fixture
def plain_token(mocks, admin):
    return mocks["MockERC20"].deploy(sender=admin)


@pytest.fixture
def token_market(project, registry, admin, plain_token):
    return _market_for(project, registry, admin, plain_token)


def test_escrow_up_to_uint128_is_accepted(token_market, plain_token, tenant_id, tenant_owner):
    _give(plain_token, token_market, tenant_owner, UINT128_MAX)
    token_market.deposit(tenant_id, UINT128_MAX, sender=tenant_owner)
    assert token_market.account(tenant_id) == (UINT128_MAX, 0)


def test_a_deposit_past_uint128_reverts(
    token_market, plain_token, tenant_id, tenant_owner, reverts
):
    _give(plain_token, token_market, tenant_owner, UINT128_MAX + 1)
    token_market.deposit(tenant_id, UINT128_MAX, sender=tenant_owner)
    with reverts(token_market.MarketAmountOverflow, amount=1):
        token_market.deposit(tenant_id, 1, sender=tenant_owner)


def test_reserved_escrow_counts_toward_the_uint128_limit(
    token_market, plain_token, registry, admin, provider, tenant_id, tenant_owner, reverts
):
    price = 2**96 - 1
    registry.setQuota(tenant_id, GPU, 2**32, sender=admin)
    token_market.createPool(GPU, 2**32 - 1, price, 1, 2**32 - 1, sender=provider)
    cost = 2**31 * price
    _give(plain_token, token_market, tenant_owner, UINT128_MAX + 1)
    token_market.deposit(tenant_id, cost, sender=tenant_owner)
    token_market.openLease(tenant_id, 1, 2**31, 1, ANY_PRICE, sender=tenant_owner)
    with reverts(token_market.MarketAmountOverflow, amount=UINT128_MAX - cost + 1):
        token_market.deposit(tenant_id, UINT128_MAX - cost + 1, sender=tenant_owner)


def test_a_deposit_without_allowance_reverts_with_the_tokens_error(
    token_market, plain_token, tenant_id, tenant_owner, reverts_via
):
    plain_token.mint(tenant_owner, 1_000, sender=tenant_owner)
    with reverts_via(
        plain_token,
        plain_token.ERC20InsufficientAllowance,
        spender=token_market,
        allowance=0,
        needed=1_000,
    ):
        token_market.deposit(tenant_id, 1_000, sender=tenant_owner)


def test_tokens_sent_by_plain_transfer_are_not_credited(
    token_market, plain_token, tenant_id, tenant_owner, stranger
):
    _give(plain_token, token_market, tenant_owner, 1_000)
    token_market.deposit(tenant_id, 1_000, sender=tenant_owner)
    plain_token.mint(stranger, 50, sender=stranger)
    plain_token.transfer(token_market, 50, sender=stranger)
    assert token_market.account(tenant_id) == (1_000, 0)
    assert plain_token.balanceOf(token_market) == 1_050


# ------------------------------------------------------------------------------------- deployment


def test_deploying_without_a_registry_reverts(project, admin, plain_token, reverts):
    with reverts(project.LeaseMarket.MarketZeroAddress):
        project.LeaseMarket.deploy(ZERO_ADDRESS, plain_token, sender=admin)


def test_deploying_with_a_registry_that_is_not_a_contract_reverts(
    project, admin, stranger, plain_token, reverts
):
    with reverts(project.LeaseMarket.MarketNotAContract, account=stranger):
        project.LeaseMarket.deploy(stranger, plain_token, sender=admin)


def test_deploying_with_an_asset_that_is_not_a_contract_reverts(
    project, admin, registry, stranger, reverts
):
    with reverts(project.LeaseMarket.MarketNotAContract, account=stranger):
        project.LeaseMarket.deploy(registry, stranger, sender=admin)

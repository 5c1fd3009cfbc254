"""Provider earnings: linear accrual, settled per lease by `claim`, paid to the provider only."""

from __future__ import annotations

import pytest
from _market import ESCROW, GPU, HOUR, MIN_DURATION, PRICE, UNITS


def test_claim_pays_the_accrual_of_a_running_lease(
    market, provider, lease_id, warp, balance_of, fees, block_time, held
):
    before, held_before = balance_of(provider), held()
    warp(120)
    receipt = market.claim(provider, [lease_id], sender=provider)
    earned = UNITS * PRICE * (block_time(receipt) - market.lease(lease_id).start)
    assert balance_of(provider) == before + earned - fees(receipt)
    assert held() == held_before - earned


def test_claim_moves_the_accrual_out_of_the_tenants_reserve(
    market, funded_tenant, provider, lease_id, warp, block_time
):
    warp(120)
    receipt = market.claim(provider, [lease_id], sender=provider)
    earned = UNITS * PRICE * (block_time(receipt) - market.lease(lease_id).start)
    assert market.account(funded_tenant) == (
        ESCROW - UNITS * PRICE * HOUR,
        UNITS * PRICE * HOUR - earned,
    )


def test_claim_advances_the_leases_paid_until(market, provider, lease_id, block_time):
    receipt = market.claim(provider, [lease_id], sender=provider)
    assert market.lease(lease_id).paidUntil == block_time(receipt)


def test_claim_emits_lease_settled_then_earnings_claimed(
    market, provider, lease_id, events, expect, seq, block_time
):
    receipt = market.claim(provider, [lease_id], sender=provider)
    now = block_time(receipt)
    earned = UNITS * PRICE * (now - market.lease(lease_id).start)
    assert events(receipt, market) == [
        expect("LeaseSettled", leaseId=lease_id, amount=earned, paidUntil=now, seq=seq() - 1),
        expect("EarningsClaimed", provider=provider, to=provider, amount=earned, seq=seq()),
    ]


def test_claim_with_no_leases_pays_the_claimable_balance(
    market, provider, tenant_owner, lease_id, balance_of, fees
):
    market.releaseLease(lease_id, sender=tenant_owner)
    owed = market.claimable(provider)
    before = balance_of(provider)
    receipt = market.claim(provider, [], sender=provider)
    assert balance_of(provider) == before + owed - fees(receipt)
    assert market.claimable(provider) == 0


def test_claim_settles_a_batch_across_tenants_and_pools(
    market,
    registry,
    admin,
    provider,
    funded_tenant,
    tenant_owner,
    other_tenant_id,
    other_owner,
    pool_id,
    create_pool,
    deposit,
    open_lease,
    warp,
    events,
):
    second_pool = create_pool()
    registry.setQuota(other_tenant_id, GPU, 4, sender=admin)
    deposit(other_tenant_id, ESCROW, other_owner)
    ids = [
        open_lease(funded_tenant, pool_id, 1, HOUR, tenant_owner),
        open_lease(other_tenant_id, second_pool, 2, HOUR, other_owner),
        open_lease(funded_tenant, second_pool, 1, HOUR, tenant_owner),
    ]
    warp(60)
    receipt = market.claim(provider, ids, sender=provider)
    settled = [e for e in events(receipt, market) if e["event"] == "LeaseSettled"]
    assert [e["leaseId"] for e in settled] == ids
    assert events(receipt, market)[-1]["amount"] == sum(e["amount"] for e in settled)


def test_a_second_claim_pays_only_what_accrued_since_the_first(
    market, provider, lease_id, events, block_time
):
    first = market.claim(provider, [lease_id], sender=provider)
    second = market.claim(provider, [lease_id], sender=provider)
    paid = [events(r, market)[-1]["amount"] for r in (first, second)]
    start = market.lease(lease_id).start
    assert paid == [
        UNITS * PRICE * (block_time(first) - start),
        UNITS * PRICE * (block_time(second) - block_time(first)),
    ]


def test_claim_when_nothing_is_owed_returns_zero_and_emits_nothing(market, provider, events):
    assert market.claim.call(provider, [], sender=provider) == 0
    receipt = market.claim(provider, [], sender=provider)
    assert events(receipt, market) == []


def test_an_expired_lease_accrues_only_up_to_its_end(market, provider, lease_id, chain, events):
    end = market.lease(lease_id).end
    chain.mine(timestamp=end + 500)
    receipt = market.claim(provider, [lease_id], sender=provider)
    settled = events(receipt, market)[0]
    assert (settled["amount"], settled["paidUntil"]) == (UNITS * PRICE * HOUR, end)


def test_claim_skips_closed_leases(market, provider, tenant_owner, lease_id, events):
    market.releaseLease(lease_id, sender=tenant_owner)
    receipt = market.claim(provider, [lease_id], sender=provider)
    assert [e["event"] for e in events(receipt, market)] == ["EarningsClaimed"]


@pytest.mark.parametrize("who", ["second_provider", "stranger", "tenant_owner", "admin"])
def test_only_the_pools_provider_may_claim_a_lease(market, lease_id, request, reverts, who):
    caller = request.getfixturevalue(who)
    with reverts(market.LeaseNotProvider, leaseId=lease_id, caller=caller):
        market.claim(caller, [lease_id], sender=caller)


@pytest.mark.parametrize("who", ["second_provider", "stranger", "tenant_owner", "admin"])
def test_no_one_but_the_provider_or_its_payout_address_claims_for_it(
    market, provider, lease_id, request, reverts, who
):
    caller = request.getfixturevalue(who)
    with reverts(market.MarketNotPayee, provider=provider, caller=caller):
        market.claim(provider, [lease_id], sender=caller)


def test_claim_pays_the_payout_address_and_the_payout_address_may_claim(
    market, provider, stranger, lease_id, events, expect, seq, balance_of, fees, chain
):
    receipt = market.setPayoutAddress(stranger, sender=provider)
    assert events(receipt, market) == [
        expect("PayoutAddressSet", provider=provider, payout=stranger, seq=seq())
    ]
    chain.mine(timestamp=chain.pending_timestamp + 100)
    before = balance_of(stranger)

    receipt = market.claim(provider, [lease_id], sender=stranger)

    paid = events(receipt, market)[-1]["amount"]
    assert events(receipt, market)[-1] == expect(
        "EarningsClaimed", provider=provider, to=stranger, amount=paid, seq=seq()
    )
    assert balance_of(stranger) == before + paid - fees(receipt)


def test_a_payout_address_cannot_be_the_market(market, provider, reverts):
    with reverts(market.MarketInvalidRecipient, to=market.address):
        market.setPayoutAddress(market, sender=provider)


def test_an_address_without_pools_cannot_name_a_payout_address(market, stranger, reverts):
    with reverts(market.MarketUnknownProvider, account=stranger):
        market.setPayoutAddress(stranger, sender=stranger)


def test_a_lease_of_another_providers_pool_in_a_batch_reverts(
    market,
    provider,
    second_provider,
    funded_tenant,
    tenant_owner,
    pool_id,
    create_pool,
    open_lease,
    reverts,
):
    theirs = create_pool(second_provider)
    mine = open_lease(funded_tenant, pool_id, 1, HOUR, tenant_owner)
    other = open_lease(funded_tenant, theirs, 1, HOUR, tenant_owner)
    with reverts(market.LeaseNotProvider, leaseId=other, caller=provider):
        market.claim(provider, [mine, other], sender=provider)


def test_claim_of_an_unknown_lease_reverts(market, provider, reverts):
    with reverts(market.LeaseUnknown, leaseId=999):
        market.claim(provider, [999], sender=provider)


def test_claim_takes_a_batch_of_100_and_settles_a_repeated_lease_once(
    market, provider, lease_id, events
):
    receipt = market.claim(provider, [lease_id] * 100, sender=provider)
    assert [e["event"] for e in events(receipt, market)] == ["LeaseSettled", "EarningsClaimed"]


def test_claim_of_more_than_100_leases_reverts(market, provider, reverts):
    with reverts(market.MarketBatchTooLarge, length=101, maxLength=100):
        market.claim(provider, [1] * 101, sender=provider)


def test_claimable_balances_are_kept_per_provider(
    market,
    provider,
    second_provider,
    funded_tenant,
    tenant_owner,
    pool_id,
    create_pool,
    open_lease,
    chain,
):
    theirs = create_pool(second_provider)
    mine = open_lease(funded_tenant, pool_id, 1, MIN_DURATION, tenant_owner)
    other = open_lease(funded_tenant, theirs, 2, MIN_DURATION, tenant_owner)
    chain.mine(timestamp=market.lease(other).end)
    market.reclaim([mine, other], sender=tenant_owner)
    assert (market.claimable(provider), market.claimable(second_provider)) == (
        PRICE * MIN_DURATION,
        2 * PRICE * MIN_DURATION,
    )

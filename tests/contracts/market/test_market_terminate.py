"""Terminating a running lease: by the pool's provider or a platform admin, with a reason code."""

from __future__ import annotations

import pytest
from _market import BY_ADMIN, BY_PROVIDER, ESCROW, GPU, HOUR, LEASE_CLOSED, PRICE, UNITS


@pytest.mark.parametrize(("who", "reason"), [("provider", BY_PROVIDER), ("admin", BY_ADMIN)])
def test_terminate_records_who_ended_the_lease(market, lease_id, request, who, reason):
    market.terminateLease(lease_id, 17, sender=request.getfixturevalue(who))
    lease = market.lease(lease_id)
    assert (lease.status, lease.closeReason) == (LEASE_CLOSED, reason)


@pytest.mark.parametrize(("who", "reason"), [("provider", BY_PROVIDER), ("admin", BY_ADMIN)])
def test_terminate_emits_lease_closed_with_the_reason_code(
    market, lease_id, request, events, expect, seq, block_time, who, reason
):
    caller = request.getfixturevalue(who)
    receipt = market.terminateLease(lease_id, 17, sender=caller)
    ran = block_time(receipt) - market.lease(lease_id).start
    assert events(receipt, market) == [
        expect(
            "LeaseClosed",
            leaseId=lease_id,
            reason=reason,
            reasonCode=17,
            toProvider=UNITS * PRICE * ran,
            refunded=UNITS * PRICE * (HOUR - ran),
            by=caller,
            seq=seq(),
        )
    ]


def test_terminate_refunds_the_unaccrued_amount_to_the_tenant(
    market, funded_tenant, provider, lease_id, warp, block_time
):
    warp(300)
    receipt = market.terminateLease(lease_id, 1, sender=provider)
    ran = block_time(receipt) - market.lease(lease_id).start
    assert market.account(funded_tenant) == (ESCROW - UNITS * PRICE * ran, 0)
    assert market.claimable(provider) == UNITS * PRICE * ran


def test_terminate_frees_the_units(market, funded_tenant, pool_id, provider, lease_id):
    market.terminateLease(lease_id, 1, sender=provider)
    assert market.pool(pool_id).allocated == 0
    assert market.activeUnits(funded_tenant, GPU) == 0


def test_the_provider_terminates_in_a_retired_pool(market, pool_id, provider, lease_id):
    market.retirePool(pool_id, sender=provider)
    market.terminateLease(lease_id, 1, sender=provider)
    assert market.lease(lease_id).closeReason == BY_PROVIDER


@pytest.mark.parametrize("who", ["tenant_owner", "operator", "stranger", "second_provider"])
def test_only_the_pools_provider_or_an_admin_may_terminate(
    market, lease_id, operator_expiry, request, reverts, who
):
    caller = request.getfixturevalue(who)
    with reverts(market.LeaseNotTerminator, leaseId=lease_id, caller=caller):
        market.terminateLease(lease_id, 1, sender=caller)


def test_terminate_of_an_unknown_lease_reverts(market, provider, reverts):
    with reverts(market.LeaseUnknown, leaseId=4242):
        market.terminateLease(4242, 1, sender=provider)


def test_terminate_of_a_closed_lease_reverts(market, provider, tenant_owner, lease_id, reverts):
    market.releaseLease(lease_id, sender=tenant_owner)
    with reverts(market.LeaseNotActive, leaseId=lease_id, status=LEASE_CLOSED):
        market.terminateLease(lease_id, 1, sender=provider)


def test_terminate_of_an_expired_lease_reverts(market, provider, lease_id, chain, reverts):
    end = market.lease(lease_id).end
    chain.mine(timestamp=end)
    with reverts(market.LeaseExpired, leaseId=lease_id, end=end):
        market.terminateLease(lease_id, 1, sender=provider)

"""The market's journal: every event carries the next seq and `journal()` equals a Python replay."""

from __future__ import annotations

from _market import ANY_PRICE, ESCROW, GPU, HOUR, MAX_DURATION, MIN_DURATION, PRICE


def test_every_market_event_is_journaled_in_order(
    market,
    registry,
    admin,
    provider,
    tenant_owner,
    stranger,
    operator,
    operator_expiry,
    tenant_id,
    deposit,
    journal,
    chain,
):
    tracker = journal(market)
    applied: list[int] = []

    def run(receipt):
        applied.extend(tracker.apply(receipt))
        assert tracker.matches()
        return receipt

    registry.setQuota(tenant_id, GPU, 8, sender=admin)
    run(deposit(tenant_id, ESCROW, tenant_owner))
    created = run(market.createPool(GPU, 10, PRICE, MIN_DURATION, MAX_DURATION, sender=provider))
    pool = created.events.filter(market.PoolCreated)[0].poolId
    run(market.setPoolCapacity(pool, 9, sender=provider))
    run(market.setPoolPrice(pool, 2 * PRICE, sender=provider))
    run(market.pausePool(pool, sender=provider))
    run(market.unpausePool(pool, sender=provider))
    opened = run(market.openLease(tenant_id, pool, 2, HOUR, ANY_PRICE, sender=tenant_owner))
    lease = opened.events.filter(market.LeaseOpened)[0].leaseId
    run(market.extendLease(lease, 60, ANY_PRICE, sender=tenant_owner))
    # A limited operator: its limits, and the spend journaled after each lease event it pays for.
    run(market.setOperatorLimits(tenant_id, operator, ESCROW, MAX_DURATION, sender=tenant_owner))
    by_operator = run(market.openLease(tenant_id, pool, 1, HOUR, ANY_PRICE, sender=operator))
    operated = by_operator.events.filter(market.LeaseOpened)[0].leaseId
    run(market.extendLease(operated, 60, ANY_PRICE, sender=operator))
    run(market.releaseLease(operated, sender=operator))
    run(market.claim(provider, [lease], sender=provider))
    run(market.releaseLease(lease, sender=tenant_owner))
    second = run(market.openLease(tenant_id, pool, 1, HOUR, ANY_PRICE, sender=tenant_owner))
    run(market.terminateLease(second.events.filter(market.LeaseOpened)[0].leaseId, 9, sender=admin))
    third = run(market.openLease(tenant_id, pool, 1, MIN_DURATION, ANY_PRICE, sender=tenant_owner))
    expired = third.events.filter(market.LeaseOpened)[0].leaseId
    chain.mine(timestamp=market.lease(expired).end)
    run(market.reclaim([expired], sender=stranger))
    run(market.claim(provider, [], sender=provider))
    run(market.withdraw(tenant_id, 1, stranger, sender=tenant_owner))
    run(market.retirePool(pool, sender=provider))

    assert applied == list(range(applied[0], applied[0] + len(applied)))
    assert applied[-1] == int(market.journal()[0])

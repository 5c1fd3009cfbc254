"""UsageLedger's main flows on eth-tester: a statement posted, accepted and claimed; a dispute split
by the arbiter; a dispute nobody resolved returned to the budget; the leftover refunded. Each checks
the events, the balances and the journal recomputed in Python (the dynamic-array events included).
The exhaustive checks (every revert, every caller) are the forge tests in tests/forge/usage/."""

from __future__ import annotations

import ape
from _usage import (
    ACCEPTED,
    BUDGET,
    CLAIMED,
    DAY,
    GPU_PRICE,
    HOUR,
    PENDING,
    RESOLVED,
    RETURNED,
    TOKEN_PRICE,
    UNITS,
    WINDOW,
)


def test_a_statement_is_posted_accepted_and_claimed(
    ledger, lease_id, post, statement_of, tenant_owner, provider, journal, events, expect, chain
):
    tracker = journal(ledger)
    receipt = post(lease_id, 7200, 1000)
    sid = statement_of(receipt)
    charge = 7200 * GPU_PRICE + 1000 * TOKEN_PRICE
    start = int(ledger.budget(lease_id).billedUntil) - HOUR
    posted_at = int(chain.blocks[receipt.block_number].timestamp)

    assert events(receipt, ledger) == [
        expect(
            "StatementPosted",
            statementId=sid,
            leaseId=lease_id,
            periodStart=start,
            periodEnd=start + HOUR,
            quantities=[7200, 1000, 0, 0],
            amount=charge,
            recordsRoot=receipt.events[0].recordsRoot,
            recordCount=3,
            payableAt=posted_at + WINDOW,
            by=provider,
            seq=sid,
        )
    ]
    assert tuple(ledger.statement(sid)) == (lease_id, charge, posted_at + WINDOW, PENDING)
    assert ledger.budget(lease_id).remaining == BUDGET - charge

    accepted = ledger.acceptStatement(sid, sender=tenant_owner)
    assert ledger.statement(sid).status == ACCEPTED
    before = provider.balance
    claimed = ledger.claim(provider, [sid], sender=provider)
    assert events(claimed, ledger) == [
        expect(
            "UsageClaimed",
            provider=provider,
            to=provider,
            amount=charge,
            statementIds=[sid],
            seq=sid + 2,
        )
    ]
    assert provider.balance == before + charge - claimed.total_fees_paid
    assert ledger.statement(sid).status == CLAIMED
    for r in (receipt, accepted, claimed):
        tracker.apply(r)
    assert tracker.matches()


def test_a_dispute_is_split_by_the_arbiter(
    ledger,
    lease_id,
    post,
    statement_of,
    tenant_owner,
    operator,
    arbiter,
    provider,
    reverts,
    operator_expiry,
    events,
    expect,
):
    sid = statement_of(post(lease_id, 3600, 0))
    amount = 3600 * GPU_PRICE
    ledger.disputeStatement(sid, b"\x01" * 32, sender=operator)
    with reverts(ledger.UsageNotArbiter, caller=provider):
        ledger.resolveDispute(sid, 0, sender=provider)

    receipt = ledger.resolveDispute(sid, amount // 4, sender=arbiter)

    assert events(receipt, ledger) == [
        expect(
            "DisputeResolved",
            statementId=sid,
            toProvider=amount // 4,
            toTenant=amount - amount // 4,
            by=arbiter,
            seq=sid + 2,
        )
    ]
    assert tuple(ledger.statement(sid))[1:4:2] == (amount // 4, RESOLVED)
    assert ledger.budget(lease_id).remaining == BUDGET - amount // 4


def test_an_unresolved_dispute_returns_and_the_leftover_is_refunded(
    ledger, lease_id, post, statement_of, tenant_owner, stranger, warp, reverts, journal
):
    tracker = journal(ledger)
    posted = post(lease_id, 100, 100)
    sid = statement_of(posted)
    disputed = ledger.disputeStatement(sid, b"\x02" * 32, sender=tenant_owner)
    deadline = int(ledger.resolveBy(sid))
    with reverts(ledger.UsageResolutionOpen, statementId=sid, resolveBy=deadline):
        ledger.expireDispute(sid, sender=stranger)
    warp(deadline - int(ape.chain.blocks.head.timestamp))
    expired = ledger.expireDispute(sid, sender=stranger)
    assert ledger.statement(sid).status == RETURNED
    assert ledger.budget(lease_id).remaining == BUDGET

    warp(DAY + 2 * DAY)
    before = tenant_owner.balance
    refunded = ledger.refundBudget(lease_id, tenant_owner, sender=tenant_owner)
    assert tenant_owner.balance == before + BUDGET - refunded.total_fees_paid
    for r in (posted, disputed, expired, refunded):
        tracker.apply(r)
    assert tracker.matches()


def test_bad_statements_change_nothing(ledger, lease_id, post, provider, stranger, reverts, warp):
    ceiling = UNITS * HOUR
    start = int(ledger.budget(lease_id).billedUntil)
    warp(HOUR)
    with reverts(
        ledger.UsageAboveCeiling,
        leaseId=lease_id,
        meterIndex=0,
        quantity=ceiling + 1,
        ceiling=ceiling,
    ):
        ledger.postStatement(
            (lease_id, start, start + HOUR, [ceiling + 1, 0], b"\x00" * 32, 1), sender=provider
        )
    with reverts(ledger.UsageNotReporter, poolId=ledger.budget(lease_id).poolId, caller=stranger):
        ledger.postStatement(
            (lease_id, start, start + HOUR, [1, 0], b"\x00" * 32, 1), sender=stranger
        )
    over = BUDGET // TOKEN_PRICE + 1
    with reverts(
        ledger.UsageOverBudget, leaseId=lease_id, charge=over * TOKEN_PRICE, remaining=BUDGET
    ):
        ledger.postStatement(
            (lease_id, start, start + HOUR, [0, over], b"\x00" * 32, 1), sender=provider
        )
    assert int(ledger.budget(lease_id).billedUntil) == start
    assert ledger.budget(lease_id).remaining == BUDGET


def test_a_dispute_after_the_window_is_refused(
    ledger, lease_id, post, statement_of, tenant_owner, reverts, warp
):
    sid = statement_of(post(lease_id, 1, 1))
    payable_at = int(ledger.statement(sid).payableAt)
    warp(WINDOW)
    with reverts(ledger.UsageWindowClosed, statementId=sid, payableAt=payable_at):
        ledger.disputeStatement(sid, b"\x03" * 32, sender=tenant_owner)

"""The client's UsageLedger surface: schedules, budgets, statements, disputes, payouts, and each
revert decoded into a UsageRevertError with its hint. The ledger's own views, read through ape's
contract object, are the oracle."""

from __future__ import annotations

import pytest
from _client_setup import signer
from eth_hash.auto import keccak

from offchain.chain.usage import (
    Meter,
    StatementInput,
    StatementStatus,
    UsageRevertError,
)
from offchain.exceptions import InvalidValueError, UnknownStatementError

HOUR = 3600
DAY = 24 * HOUR
GPU_PRICE = 10**12
TOKEN_PRICE = 10**6
WINDOW = 3600
BUDGET = 10**16
ROOT = keccak(b"records")


@pytest.fixture
def warp(chain):
    def go(seconds):
        target = int(chain.blocks.head.timestamp) + seconds
        chain.mine(timestamp=target)
        chain.pending_timestamp = target + 1
        return target

    return go


@pytest.fixture
def ux(usage_client, tenant_owner, provider, arbiter, stranger):
    """The ledger's client as each party."""
    return {
        name: usage_client.using(signer(account)).usage
        for name, account in [
            ("owner", tenant_owner),
            ("provider", provider),
            ("arbiter", arbiter),
            ("stranger", stranger),
        ]
    }


@pytest.fixture
def funds(as_owner, tenant_id):
    """The tenant with 1 ETH of escrow, for this test only (the session's ``funded`` would leave
    the deposit behind for the files that run later)."""
    as_owner.market.deposit(tenant_id, 10**18)
    return tenant_id


@pytest.fixture
def lease_id(ux, usage_client, funds, pool_id):
    """A day-long lease of 2 GPUs with a budget, under a GPU-seconds and tokens schedule."""
    meters = [Meter("gpu.seconds", GPU_PRICE, 1), Meter("tokens", TOKEN_PRICE)]
    ux["provider"].publish_schedule(pool_id, WINDOW, meters)
    owner_market = usage_client.using(ux["owner"]._signer).market
    lease = owner_market.open_lease(funds, pool_id, 2, DAY).created
    ux["owner"].open_budget(lease, BUDGET)
    return lease


def post(ux, ledger, lease, warp, gpu=100, tokens=1000, start=None):
    warp(HOUR)
    begin = int(ledger.budget(lease).billedUntil) if start is None else start
    statement = StatementInput(lease, begin, begin + HOUR, (gpu, tokens), ROOT, 3)
    return ux["provider"].post_statement(statement)


def test_a_deployment_without_a_ledger_has_no_usage_client(client, usage_client):
    assert client.usage is None
    assert usage_client.usage is not None


def test_publish_schedule_reads_back(ux, ledger, pool_id):
    meters = [Meter("gpu.seconds", GPU_PRICE, 1), Meter("tokens", TOKEN_PRICE)]
    schedule_id = ux["provider"].publish_schedule(pool_id, WINDOW, meters).created
    schedule = ux["stranger"].schedule(schedule_id)
    assert (
        ux["stranger"].current_schedule(pool_id)
        == schedule_id
        == int(ledger.currentSchedule(pool_id))
    )
    assert schedule.meters == tuple(meters)
    assert schedule.dispute_window == WINDOW
    assert schedule.index_of("tokens") == 1


def test_open_budget_locks_the_schedule_and_top_up_adds(ux, ledger, lease_id):
    budget = ux["owner"].budget(lease_id)
    assert budget.opened
    assert budget.remaining == BUDGET == int(ledger.budget(lease_id).remaining)
    ux["owner"].fund_budget(lease_id, 5)
    assert int(ledger.budget(lease_id).remaining) == BUDGET + 5


def test_post_statement_charges_the_budget_and_is_readable(ux, ledger, lease_id, warp):
    result = post(ux, ledger, lease_id, warp)
    sid = result.created
    charge = 100 * GPU_PRICE + 1000 * TOKEN_PRICE
    statement = ux["stranger"].statement(sid)
    assert statement.status == StatementStatus.PENDING
    assert statement.amount == charge == int(ledger.statement(sid).amount)
    posted = ux["stranger"].posted(sid)
    assert posted.records_root == ROOT
    assert posted.record_count == 3
    assert posted.quantities == (100, 1000, 0, 0)  # the event carries four
    assert [s.statement_id for s in ux["stranger"].statements_of(lease_id)] == [sid]
    assert int(ledger.budget(lease_id).remaining) == BUDGET - charge


def test_post_statements_posts_a_batch(ux, ledger, lease_id, warp):
    warp(2 * HOUR)
    start = int(ledger.budget(lease_id).billedUntil)
    batch = [
        StatementInput(lease_id, start, start + HOUR, (1, 1), ROOT, 1),
        StatementInput(lease_id, start + HOUR, start + 2 * HOUR, (2, 2), ROOT, 1),
    ]
    first = ux["provider"].post_statements(batch).created
    assert len(ux["stranger"].statements_of(lease_id)) == 2
    assert int(ledger.statement(first).status) == StatementStatus.PENDING


def test_accept_then_claim_pays_the_provider(ux, ledger, lease_id, warp, provider):
    sid = post(ux, ledger, lease_id, warp).created
    ux["owner"].accept(sid)
    assert int(ledger.statement(sid).status) == StatementStatus.ACCEPTED
    before = provider.balance
    result = ux["provider"].claim([sid])
    paid = 100 * GPU_PRICE + 1000 * TOKEN_PRICE
    assert int(ledger.statement(sid).status) == StatementStatus.CLAIMED
    assert result.event("UsageClaimed").args["amount"] == paid
    assert provider.balance > before


def test_dispute_then_arbiter_resolves(ux, ledger, lease_id, warp):
    sid = post(ux, ledger, lease_id, warp).created
    ux["owner"].dispute(sid, keccak(b"too many tokens"))
    assert int(ledger.statement(sid).status) == StatementStatus.DISPUTED
    assert ux["stranger"].resolve_by(sid) == int(ledger.resolveBy(sid))
    ux["arbiter"].resolve(sid, 7)
    assert int(ledger.statement(sid).status) == StatementStatus.RESOLVED
    assert int(ledger.statement(sid).amount) == 7


def test_provider_withdraws_a_statement(ux, ledger, lease_id, warp):
    sid = post(ux, ledger, lease_id, warp).created
    ux["provider"].amend_statement(sid, 0)
    assert int(ledger.statement(sid).status) == StatementStatus.WITHDRAWN
    assert int(ledger.budget(lease_id).remaining) == BUDGET


def test_refund_after_the_lease_and_grace(ux, ledger, lease_id, warp, tenant_owner):
    warp(DAY + 3 * DAY)
    result = ux["owner"].refund(lease_id, tenant_owner.address)
    assert result.event("BudgetRefunded").args["amount"] == BUDGET
    assert int(ledger.budget(lease_id).remaining) == 0


# ----------------------------------------------------------------------------------- errors


def test_an_overlapping_period_is_decoded_with_its_hint(ux, ledger, lease_id, warp):
    start = int(ledger.budget(lease_id).billedUntil)
    post(ux, ledger, lease_id, warp)
    with pytest.raises(UsageRevertError, match=r"UsagePeriodNotContiguous.*overlaps") as caught:
        post(ux, ledger, lease_id, warp, start=start)
    assert caught.value.arguments["expectedStart"] == start + HOUR
    assert len(ux["stranger"].statements_of(lease_id)) == 1


def test_a_statement_over_budget_is_refused(ux, ledger, lease_id, warp):
    with pytest.raises(UsageRevertError, match=r"UsageOverBudget.*top up"):
        post(ux, ledger, lease_id, warp, gpu=0, tokens=10**12)
    assert int(ledger.budget(lease_id).remaining) == BUDGET


def test_a_dispute_after_the_window_is_refused(ux, ledger, lease_id, warp):
    sid = post(ux, ledger, lease_id, warp).created
    warp(WINDOW + 1)
    with pytest.raises(UsageRevertError, match=r"UsageWindowClosed"):
        ux["owner"].dispute(sid, keccak(b"late"))
    assert int(ledger.statement(sid).status) == StatementStatus.PENDING


def test_a_resolution_by_a_stranger_is_refused(ux, ledger, lease_id, warp):
    sid = post(ux, ledger, lease_id, warp).created
    ux["owner"].dispute(sid, keccak(b"why"))
    with pytest.raises(UsageRevertError, match=r"UsageNotArbiter.*ARBITER_ROLE"):
        ux["stranger"].resolve(sid, 0)
    assert int(ledger.statement(sid).status) == StatementStatus.DISPUTED


def test_max_price_protection(ux, usage_client, ledger, funds, pool_id):
    ux["provider"].publish_schedule(pool_id, WINDOW, [Meter("gpu.seconds", GPU_PRICE, 0)])
    owner = usage_client.using(ux["owner"]._signer)
    lease = owner.market.open_lease(funds, pool_id, 1, DAY).created
    limits = ux["owner"].max_prices(pool_id, {"gpu.seconds": GPU_PRICE - 1})
    with pytest.raises(UsageRevertError, match=r"UsageMeterPriceAboveMax"):
        ux["owner"].open_budget(lease, BUDGET, limits)
    assert int(ledger.budget(lease).scheduleId) == 0
    with pytest.raises(InvalidValueError, match="meter 'egress'"):
        ux["owner"].max_prices(pool_id, {"egress": 1})


def test_an_unknown_statement_is_a_typed_error(ux):
    with pytest.raises(UnknownStatementError, match="unknown usage statement 999"):
        ux["stranger"].statement(999)
    with pytest.raises(UnknownStatementError):
        ux["stranger"].posted(999)


def test_a_status_error_carries_the_status_enum(ux, ledger, lease_id, warp):
    sid = post(ux, ledger, lease_id, warp).created
    ux["owner"].dispute(sid, keccak(b"why"))
    with pytest.raises(
        UsageRevertError, match=r"UsageBadStatus\(statementId=\d+, status=Disputed\)"
    ):
        ux["owner"].accept(sid)
    with pytest.raises(UsageRevertError) as caught:
        ux["owner"].accept(sid)
    assert caught.value.arguments["status"] is StatementStatus.DISPUTED

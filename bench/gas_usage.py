"""The UsageLedger rows of ``bench/GAS.md`` (imported by ``bench/gas.py``).

The scene (:func:`setup_usage`): a UsageLedger beside the ETH LeaseMarket of ``gas.py``'s scene,
pool 1's provider has named a reporter (``stranger``) and published a schedule of four meters, each
with a ceiling (the most a statement checks), and the ledger's journal is written. Every row runs in
a chain snapshot: it opens its leases and budgets, then measures. Worst cases: the reporter posts
(one more read than the provider: its name), an operator accepts or disputes (the registry reads
its grant), quantities and roots have no zero byte where the ABI lets them.

Functions take the ``gas.Bench`` untyped, so this module does not import ``gas`` (run as a script,
``gas`` is ``__main__``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from web3 import Web3

HOUR = 3600
METERS = 4
METER_PRICE = 10**6
# A quantity with no zero byte in its significant bytes, far below every ceiling of the scene.
QUANTITY = 0x01010101
BUDGET = 10**17 - 1
MAX_PRICE = 2**96 - 1
WINDOW = 3600
ROOT = bytes.fromhex("11" * 32)
ARBITER_ROLE = Web3.keccak(text="leasehold.role.arbiter")
USAGE_NOTES = "UsageLedger: marginal rows"

Measure = Callable[[Any], int]


def setup_usage(bench: Any) -> None:
    """Deploy the ledger for the ETH market, name the reporter, publish the schedule, and make the
    admin account the arbiter."""
    market = bench.contracts["LeaseMarket"]
    ledger = bench.deploy("UsageLedger", market.address)
    bench.send(ledger.functions.setReporter(bench.account("stranger")), "provider")
    names = [f"meter.{i}".encode().ljust(16, b"\0") for i in range(METERS)]
    call = ledger.functions.publishSchedule(
        1, WINDOW, names, [METER_PRICE] * METERS, [0xFFFFFFFF] * METERS
    )
    bench.send(call, "provider")
    registry = bench.contracts["TenantRegistry"]
    bench.send(registry.functions.grantRole(ARBITER_ROLE, bench.account("admin")), "admin")


def _lease_with_budget(bench: Any) -> int:
    """Open a one-unit hour lease in pool 1 for the market tenant and a budget for it; its id."""
    market = bench.contracts["LeaseMarket"]
    ledger = bench.contracts["UsageLedger"]
    call = market.functions.openLease(bench.market_tenant, 1, 1, HOUR, MAX_PRICE)
    receipt = bench.send(call, "tenant_owner")
    lease = int(market.events.LeaseOpened().process_receipt(receipt)[0].args.leaseId)
    budget = ledger.functions.openBudget(lease, BUDGET, [MAX_PRICE] * METERS)
    bench.send(budget, "tenant_owner", value=BUDGET)
    return lease


def _input(bench: Any, lease: int) -> tuple[Any, ...]:
    """A statement of the lease from its billed end to now."""
    ledger = bench.contracts["UsageLedger"]
    start = ledger.functions.budget(lease).call()[1]
    end = bench.w3.eth.get_block("latest")["timestamp"]
    return (lease, start, end, [QUANTITY] * METERS, ROOT, 0x01010101)


def _post(bench: Any, leases: list[int], role: str = "stranger") -> Any:
    ledger = bench.contracts["UsageLedger"]
    inputs = [_input(bench, lease) for lease in leases]
    if len(inputs) == 1:
        return bench.send(ledger.functions.postStatement(inputs[0]), role)
    return bench.send(ledger.functions.postStatements(inputs), role)


def _statement_ids(bench: Any, receipt: Any) -> list[int]:
    ledger = bench.contracts["UsageLedger"]
    events = ledger.events.StatementPosted().process_receipt(receipt)
    return [int(e.args.statementId) for e in events]


def post_one(bench: Any) -> int:
    lease = _lease_with_budget(bench)
    bench.advance(100)
    _post(bench, [lease])  # not the first statement: the same slots, as any later one
    bench.advance(100)
    return int(_post(bench, [lease])["gasUsed"])


def post_batch_marginal(bench: Any) -> int:
    """(batch of 6 leases - batch of 1) / 5, from one snapshot."""
    leases = [_lease_with_budget(bench) for _ in range(6)]
    bench.advance(100)
    with bench.isolated():
        ledger = bench.contracts["UsageLedger"]
        call = ledger.functions.postStatements([_input(bench, leases[0])])
        one = int(bench.send(call, "stranger")["gasUsed"])
    six = int(_post(bench, leases)["gasUsed"])
    bench.note(
        USAGE_NOTES,
        f"postStatements: 1 lease {one:,}, 6 leases {six:,}; ({six:,} - {one:,}) / 5 = "
        f"{(six - one) / 5:,.1f} per lease.",
    )
    return round((six - one) / 5)


def _posted(bench: Any) -> int:
    lease = _lease_with_budget(bench)
    bench.advance(100)
    return _statement_ids(bench, _post(bench, [lease]))[0]


def accept(bench: Any) -> int:
    statement = _posted(bench)
    ledger = bench.contracts["UsageLedger"]
    return int(bench.gas(ledger.functions.acceptStatement(statement), "operator"))


def dispute(bench: Any) -> int:
    statement = _posted(bench)
    ledger = bench.contracts["UsageLedger"]
    call = ledger.functions.disputeStatement(statement, ROOT)
    return int(bench.gas(call, "operator"))


def claim_marginal(bench: Any) -> int:
    """(claim of 6 statements - claim of 1) / 5, the statements of 6 leases, past their window."""
    leases = [_lease_with_budget(bench) for _ in range(6)]
    bench.advance(100)
    ids = _statement_ids(bench, _post(bench, leases))
    bench.advance(WINDOW)
    ledger = bench.contracts["UsageLedger"]
    provider = bench.account("provider")
    with bench.isolated():
        one = int(bench.gas(ledger.functions.claim(provider, ids[:1]), "provider"))
    six = int(bench.gas(ledger.functions.claim(provider, ids), "provider"))
    bench.note(
        USAGE_NOTES,
        f"claim: 1 statement {one:,}, 6 statements {six:,}; ({six:,} - {one:,}) / 5 = "
        f"{(six - one) / 5:,.1f} per statement.",
    )
    return round((six - one) / 5)


def open_budget(bench: Any) -> int:
    market = bench.contracts["LeaseMarket"]
    ledger = bench.contracts["UsageLedger"]
    call = market.functions.openLease(bench.market_tenant, 1, 1, HOUR, MAX_PRICE)
    receipt = bench.send(call, "tenant_owner")
    lease = int(market.events.LeaseOpened().process_receipt(receipt)[0].args.leaseId)
    budget = ledger.functions.openBudget(lease, BUDGET, [MAX_PRICE] * METERS)
    return int(bench.gas(budget, "operator", BUDGET))


def resolve(bench: Any) -> int:
    statement = _posted(bench)
    ledger = bench.contracts["UsageLedger"]
    bench.send(ledger.functions.disputeStatement(statement, ROOT), "tenant_owner")
    return int(bench.gas(ledger.functions.resolveDispute(statement, 1), "admin"))


def refund(bench: Any) -> int:
    lease = _lease_with_budget(bench)
    bench.advance(HOUR + 2 * 24 * 3600)
    ledger = bench.contracts["UsageLedger"]
    call = ledger.functions.refundBudget(lease, bench.account("tenant_owner"))
    return int(bench.gas(call, "tenant_owner"))


#: (operation, measure, budget, reference) rows; ``gas.py`` wraps each in a snapshot.
ROWS: list[tuple[str, Measure, int | None, str]] = [
    ("UsageLedger postStatement (4 meters with ceilings, by the reporter)", post_one, 80_000, ""),
    ("UsageLedger postStatements, marginal per lease (6 vs 1)", post_batch_marginal, 35_000, ""),
    ("UsageLedger acceptStatement (by an operator)", accept, 50_000, ""),
    ("UsageLedger disputeStatement (by an operator)", dispute, 50_000, ""),
    ("UsageLedger claim, marginal per statement (6 vs 1)", claim_marginal, 15_000, ""),
    ("UsageLedger openBudget (4 meters, by an operator)", open_budget, None, ""),
    ("UsageLedger resolveDispute (by the arbiter)", resolve, None, ""),
    ("UsageLedger refundBudget", refund, None, ""),
]

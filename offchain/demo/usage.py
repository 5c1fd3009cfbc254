"""The demo's metered usage: a GPU pool billed by use through the ``UsageLedger``.

Provider A publishes a meter schedule on its H100 pool (GPU-seconds, at most one per leased
GPU-second, and inference tokens); Acme opens a lease there with a usage budget; the provider's
meter writes a log of records, and the provider posts two half-hour statements from it, each with
the Merkle root of its records and a proof bundle per record. Acme verifies one record against the
root on chain, accepts the first statement and disputes the second; the platform's arbiter splits
the disputed amount; the provider claims what is payable. The result holds an invoice: the lease's
time charge and a line per statement.

Runs after :func:`offchain.demo.scenario.run` on the same chain (its tenants and pools).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eth_hash.auto import keccak

from offchain.anchoring.records import (
    Statement,
    UsageRecord,
    in_period,
    load_bundle,
    totals,
    tree_of,
    write_bundles,
)
from offchain.chain._contract import TxResult
from offchain.chain.client import LeaseholdClient
from offchain.chain.usage import Meter, StatementInput, StatementStatus, UsageClient
from offchain.chain.values import ARBITER_ROLE

GWEI = 10**9
MINUTE = 60
HOUR = 3600
DAY = 86400
PERIOD = 30 * MINUTE
STEP = 5 * MINUTE
UNITS = 2
METERS = (
    Meter("gpu.seconds", 20 * GWEI, 1),  # at most one GPU-second per leased GPU-second
    Meter("llm.tokens", GWEI // 100),  # inference tokens, no ceiling
)


@dataclass(slots=True)
class InvoiceLine:
    """One line of the demo's invoice."""

    what: str
    quantity: str
    amount: int
    status: str


@dataclass(slots=True)
class UsageResult:
    """What the usage part created, for the summary and for tests."""

    lease_id: int = 0
    schedule_id: int = 0
    statements: list[int] = field(default_factory=list)
    disputed: int = 0
    to_provider: int = 0
    records_file: Path = Path()
    bundles_dir: Path = Path()
    verified_bundle: Path = Path()
    invoice: list[InvoiceLine] = field(default_factory=list)
    transactions: int = 0


def meter_log(start: int, end: int) -> list[UsageRecord]:
    """What the provider's meter writes every five minutes: GPU-seconds (90% busy) and tokens."""
    records: list[UsageRecord] = []
    for n, at in enumerate(range(start, end, STEP)):
        records.append(UsageRecord(f"gpu-{n:04d}", "gpu.seconds", UNITS * STEP * 9 // 10, at))
        records.append(UsageRecord(f"tok-{n:04d}", "llm.tokens", 40_000 + 1_000 * n, at))
    return records


def _usage(client: LeaseholdClient) -> UsageClient:
    if client.usage is None:
        raise AssertionError("the deployment has no UsageLedger")
    return client.usage


def run_usage(
    client: LeaseholdClient,
    chain_id: int,
    who: dict[str, LeaseholdClient],
    arbiter: str,
    tenant_id: int,
    pool_id: int,
    workdir: Path,
    travel: Callable[[Any, int], None],
    say: Callable[[str], None] = lambda _: None,
) -> UsageResult:
    """Play the usage part (see the module docstring); ``who`` maps roles to signing clients and
    ``arbiter`` is the admin's address (it also arbitrates)."""
    result = UsageResult()

    def tx(sent: TxResult) -> TxResult:
        result.transactions += 1
        return sent

    def made(sent: TxResult) -> int:
        created = tx(sent).created
        assert created is not None, f"transaction {sent.tx_hash} created nothing"
        return created

    ledger = client.usage
    assert ledger is not None, "the deployment has no UsageLedger"
    admin, provider, acme = (_usage(who[role]) for role in ("admin", "provider_a", "acme"))
    registry, market = who["admin"].registry, who["acme"].market

    say("usage: the platform admin is also the arbiter of usage disputes")
    tx(registry.grant_role(ARBITER_ROLE, arbiter))
    say("usage: provider A meters its H100 pool (GPU-seconds, inference tokens), 1-hour window")
    result.schedule_id = made(provider.publish_schedule(pool_id, HOUR, METERS))
    say("usage: Acme leases 2 GPUs for 3 hours with a usage budget of 0.01 of the asset")
    result.lease_id = made(market.open_lease(tenant_id, pool_id, UNITS, 3 * HOUR))
    tx(acme.open_budget(result.lease_id, 10**16))
    start = client.market.lease(result.lease_id).start

    records = meter_log(start, start + 2 * PERIOD)
    result.records_file = workdir / "meter-log.jsonl"
    result.records_file.write_text(
        "".join(json.dumps(r.canonical(), sort_keys=True) + "\n" for r in records)
    )
    travel(client.w3, 2 * PERIOD + MINUTE)
    say("usage: an hour later provider A posts two half-hour statements from its meter log")
    result.bundles_dir = workdir / "usage.bundles"
    names = [m.name for m in METERS]
    for period_start in (start, start + PERIOD):
        period = in_period(records, period_start, period_start + PERIOD)
        tree = tree_of(period, result.records_file.name)
        posted = provider.post_statement(
            StatementInput(
                result.lease_id,
                period_start,
                period_start + PERIOD,
                tuple(totals(period, names, result.records_file.name)),
                tree.root,
                tree.count,
            )
        )
        statement_id = made(posted)
        where = Statement(chain_id, ledger.address, statement_id, result.lease_id,
                          period_start, period_start + PERIOD, posted.tx_hash)  # fmt: skip
        write_bundles(period, tree, where, result.bundles_dir / f"statement-{statement_id}")
        result.statements.append(statement_id)
    first, second = result.statements

    say("usage: Acme checks one record against the root posted on chain, accepts the first")
    result.verified_bundle = sorted((result.bundles_dir / f"statement-{first}").glob("*-*.json"))[0]
    bundle = load_bundle(result.verified_bundle)
    if not bundle.proves() or ledger.posted(first).records_root != bundle.root:
        raise AssertionError(f"{result.verified_bundle} does not prove its record on chain")
    tx(acme.accept(first))
    say("usage: and disputes the second; the arbiter gives the provider half of it")
    tx(acme.dispute(second, keccak(b"GPU idle from 12:40: job queue stalled")))
    result.disputed = ledger.statement(second).amount
    result.to_provider = result.disputed // 2
    tx(admin.resolve(second, result.to_provider))
    say("usage: provider A claims what is payable")
    tx(provider.claim(result.statements))

    lease = client.market.lease(result.lease_id)
    result.invoice.append(
        InvoiceLine(
            f"lease {result.lease_id}: {lease.units} GPU for {(lease.end - lease.start) // HOUR} h",
            f"{lease.units * (lease.end - lease.start):,} unit-seconds",
            lease.units * (lease.end - lease.start) * lease.price_per_unit_second,
            "reserved in escrow",
        )
    )
    for statement_id in result.statements:
        posted_statement = ledger.posted(statement_id)
        stored = ledger.statement(statement_id)
        amounts = ", ".join(
            f"{q:,} {name}" for name, q in zip(names, posted_statement.quantities, strict=False)
        )
        charged = result.to_provider if statement_id == second else stored.amount
        result.invoice.append(
            InvoiceLine(
                f"usage statement {statement_id}",
                amounts,
                charged,
                StatementStatus(stored.status).name.lower(),
            )
        )
    return result

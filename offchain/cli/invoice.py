"""``leasehold invoice TENANT --from T --to T``: a tenant's time charges and usage lines for a
period, every figure read from the chain at one block.

The rules (docs/cli.md repeats them):

* **Time.** One line per lease of the tenant whose *active time* overlaps [from, to). A lease is
  active from its start until its stop: for a closed lease the close time, which LeaseMarket
  records as ``paidUntil`` when it is released, terminated or reclaimed (``_closeLease`` pays the
  provider up to there and refunds the rest; a lease reclaimed after it expired stops at its end);
  for a running lease, the earlier of its end and the block's timestamp (time not yet used is
  prepaid, not charged). The charge is units x seconds of [start, stop) ∩ [from, to) x the price
  per unit-second locked into the lease.
* **Usage.** One line per statement posted for those leases whose period overlaps [from, to),
  with its whole current amount (a statement is not prorated). By status: Pending, Accepted,
  Resolved and Claimed are *billed*; Disputed is *held*; Withdrawn and Returned bill nothing
  (their amount went back to the budget).
* **One block.** The head's number is read first; logs are read up to it; the state reads are
  repeated until the head has not moved during them (the light client has no block pinning), so
  every figure is the chain's state at that block.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any

import click

from offchain.cli._env import Env, pass_env
from offchain.cli._output import emit_json, listing, out, show_record
from offchain.cli._params import TENANT_ID
from offchain.cli.units import show_amount, show_time
from offchain.cli.usage import TIME
from offchain.exceptions import InvalidValueError, LeaseholdError

#: How often the reads are repeated when the head moves while they run.
ATTEMPTS = 5

#: What each statement status means for the invoice.
DISPOSITION = {
    "Pending": "billed",
    "Accepted": "billed",
    "Resolved": "billed",
    "Claimed": "billed",
    "Disputed": "held",
    "Withdrawn": "withdrawn",
    "Returned": "returned",
}


def _solidity_name(name: str) -> str:
    """``RELEASED_BY_TENANT`` as ``ReleasedByTenant``."""
    return "".join(part.capitalize() for part in name.split("_"))


@dataclass(frozen=True, slots=True)
class TimeLine:
    """A lease's time charge within the period."""

    lease_id: int
    pool_id: int
    units: int
    price_per_unit_second: int
    start: int
    end: int
    stop: int
    status: str
    close_reason: str
    seconds: int
    has_budget: bool

    @property
    def amount(self) -> int:
        """units x seconds x price per unit-second."""
        return self.units * self.seconds * self.price_per_unit_second


@dataclass(frozen=True, slots=True)
class UsageLine:
    """A statement whose period overlaps the invoice's."""

    statement_id: int
    lease_id: int
    period_start: int
    period_end: int
    charged: int
    amount: int
    status: str

    @property
    def disposition(self) -> str:
        """billed, held, withdrawn or returned."""
        return DISPOSITION.get(self.status, "billed")


@dataclass(slots=True)
class Invoice:
    """A tenant's invoice for [start, end), as read at ``block``."""

    tenant_id: int
    start: int
    end: int
    block: int
    timestamp: int
    time: list[TimeLine] = field(default_factory=list)
    usage: list[UsageLine] = field(default_factory=list)

    @property
    def time_total(self) -> int:
        return sum(line.amount for line in self.time)

    def usage_total(self, disposition: str) -> int:
        return sum(u.amount for u in self.usage if u.disposition == disposition)

    @property
    def no_budget(self) -> list[int]:
        """Leases on the invoice with no usage budget."""
        return [line.lease_id for line in self.time if not line.has_budget]

    def as_json(self) -> dict[str, Any]:
        """Stable keys; amounts as decimal strings, ids and times as integers."""
        return {
            "tenantId": self.tenant_id,
            "from": self.start,
            "to": self.end,
            "block": self.block,
            "blockTimestamp": self.timestamp,
            "time": [
                {
                    "leaseId": t.lease_id,
                    "poolId": t.pool_id,
                    "units": t.units,
                    "pricePerUnitSecond": str(t.price_per_unit_second),
                    "start": t.start,
                    "end": t.end,
                    "stop": t.stop,
                    "status": t.status,
                    "closeReason": t.close_reason,
                    "seconds": t.seconds,
                    "amount": str(t.amount),
                    "usageBudget": t.has_budget,
                }
                for t in self.time
            ],
            "usage": [
                {
                    "statementId": u.statement_id,
                    "leaseId": u.lease_id,
                    "periodStart": u.period_start,
                    "periodEnd": u.period_end,
                    "charged": str(u.charged),
                    "amount": str(u.amount),
                    "status": u.status,
                    "disposition": u.disposition,
                }
                for u in self.usage
            ],
            "totals": {
                "time": str(self.time_total),
                "usageBilled": str(self.usage_total("billed")),
                "usageHeld": str(self.usage_total("held")),
                "total": str(self.time_total + self.usage_total("billed")),
            },
            "noBudget": self.no_budget,
        }


def _head(w3: Any) -> tuple[int, int]:
    number = int(w3.eth.block_number)
    return number, int(w3.eth.get_block(number)["timestamp"])


def _read(client: Any, tenant_id: int, start: int, end: int, block: int, now: int) -> Invoice:
    """One pass of reads (the caller checks the head did not move)."""
    invoice = Invoice(tenant_id, start, end, block, now)
    market, ledger = client.market, client.usage
    for lease_id in market.lease_ids_of(tenant_id, block):
        lease = market.lease(lease_id)
        closed = lease.status.name == "CLOSED"
        stop = lease.paid_until if closed else min(lease.end, now)
        seconds = max(0, min(stop, end) - max(lease.start, start))
        has_budget = ledger is not None and ledger.budget(lease_id).opened
        if seconds > 0:
            invoice.time.append(
                TimeLine(
                    lease_id=lease_id,
                    pool_id=lease.pool_id,
                    units=lease.units,
                    price_per_unit_second=lease.price_per_unit_second,
                    start=lease.start,
                    end=lease.end,
                    stop=stop,
                    status=_solidity_name(lease.status.name),
                    close_reason=_solidity_name(lease.close_reason.name),
                    seconds=seconds,
                    has_budget=has_budget,
                )
            )
        if not has_budget:
            continue
        for posted in ledger.statements_of(lease_id):
            if posted.block_number > block:
                continue
            if not (posted.period_start < end and posted.period_end > start):
                continue
            stored = ledger.statement(posted.statement_id)
            invoice.usage.append(
                UsageLine(
                    statement_id=posted.statement_id,
                    lease_id=lease_id,
                    period_start=posted.period_start,
                    period_end=posted.period_end,
                    charged=posted.amount,
                    amount=stored.amount,
                    status=stored.status.name.capitalize(),
                )
            )
    invoice.usage.sort(key=lambda u: u.statement_id)
    return invoice


def build_invoice(client: Any, tenant_id: int, start: int, end: int) -> Invoice:
    """The invoice, every read at one block (repeated while the head moves)."""
    w3 = client.market.w3
    for _ in range(ATTEMPTS):
        block, now = _head(w3)
        invoice = _read(client, tenant_id, start, end, block, now)
        if int(w3.eth.block_number) == block:
            return invoice
    raise LeaseholdError(
        f"the chain's head moved during each of {ATTEMPTS} reads: try again when it is quieter"
    )


def _csv(invoice: Invoice) -> str:
    """One row per line and per total: kind,id,lease,from,to,seconds,status,disposition,amount."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(
        ["kind", "id", "lease", "from", "to", "seconds", "status", "disposition", "amount"]
    )
    for t in invoice.time:
        writer.writerow(
            [
                "time",
                t.lease_id,
                t.lease_id,
                max(t.start, invoice.start),
                min(t.stop, invoice.end),
                t.seconds,
                t.status if t.close_reason == "None" else t.close_reason,
                "billed",
                t.amount,
            ]
        )
    for u in invoice.usage:
        writer.writerow(
            [
                "usage",
                u.statement_id,
                u.lease_id,
                u.period_start,
                u.period_end,
                "",
                u.status,
                u.disposition,
                u.amount,
            ]
        )
    totals = invoice.as_json()["totals"]
    for key in ("time", "usageBilled", "usageHeld", "total"):
        writer.writerow(["total", key, "", invoice.start, invoice.end, "", "", "", totals[key]])
    return buffer.getvalue()


def _when(t: int) -> str:
    """A time as text (Unix seconds when it is past the calendar's range)."""
    try:
        return show_time(t)
    except (ValueError, OverflowError, OSError):
        return str(t)


def _table(invoice: Invoice, native: bool) -> None:
    time = listing("lease", "pool", "units", "active in period", "seconds", "price", "amount")
    for t in invoice.time:
        state = t.status if t.close_reason == "None" else t.close_reason
        time.add_row(
            str(t.lease_id),
            str(t.pool_id),
            str(t.units),
            f"{_when(max(t.start, invoice.start))} → {_when(min(t.stop, invoice.end))} ({state})",
            f"{t.seconds:,}",
            str(t.price_per_unit_second),
            show_amount(t.amount, native),
        )
    usage = listing("statement", "lease", "period", "status", "disposition", "amount")
    for u in invoice.usage:
        usage.add_row(
            str(u.statement_id),
            str(u.lease_id),
            f"{_when(u.period_start)} → {_when(u.period_end)}",
            u.status,
            u.disposition,
            show_amount(u.amount, native),
        )
    out.print(
        f"invoice of tenant {invoice.tenant_id}, {_when(invoice.start)} → "
        f"{_when(invoice.end)}, read at block {invoice.block} ({_when(invoice.timestamp)})"
    )
    out.print(time if invoice.time else "no lease was active in the period")
    if invoice.usage:
        out.print(usage)
    show_record(
        "totals",
        [
            ("time", show_amount(invoice.time_total, native)),
            ("usage billed", show_amount(invoice.usage_total("billed"), native)),
            ("usage held (disputed)", show_amount(invoice.usage_total("held"), native)),
            (
                "total billed",
                show_amount(invoice.time_total + invoice.usage_total("billed"), native),
            ),
        ],
    )
    if invoice.no_budget:
        out.print("no usage budget: lease " + ", ".join(str(i) for i in invoice.no_budget))


@click.command()
@click.argument("tenant_id", type=TENANT_ID)
@click.option("--from", "start", type=TIME, required=True, help="Start (Unix seconds or ISO 8601).")
@click.option("--to", "end", type=TIME, required=True, help="End, exclusive.")
@click.option("--json", "as_json", is_flag=True, help="Print the invoice as JSON.")
@click.option("--csv", "as_csv", is_flag=True, help="Print the invoice as CSV.")
@pass_env
def invoice(env: Env, tenant_id: int, start: int, end: int, as_json: bool, as_csv: bool) -> None:
    """A tenant's time charges and usage lines for a period, read from the chain at one block.

    Time: units x active seconds in [--from, --to) x the lease's price per unit-second (a closed
    lease stops at its close time, a running one at the block's time). Usage: the statements whose
    period overlaps, billed, held in dispute, withdrawn or returned.
    """
    if as_json and as_csv:
        raise InvalidValueError("output", "--json --csv", "one of --json and --csv")
    if start >= end:
        raise InvalidValueError("period", f"--from {start} --to {end}", "--from before --to")
    client = env.client()
    client.registry.tenant(tenant_id)  # UnknownTenantError: exit code 4
    found = build_invoice(client, tenant_id, start, end)
    if as_json:
        emit_json(found.as_json())
    elif as_csv:
        click.echo(_csv(found), nl=False)
    else:
        _table(found, client.market.asset() == "0x" + "00" * 20)

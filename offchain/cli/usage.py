"""``leasehold usage``: metered usage (UsageLedger): report statements with their records' proofs,
show, verify, accept, dispute and resolve them, and open and top up budgets."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from offchain.cli._env import Env, account_option, pass_env
from offchain.cli._output import (
    EXIT_UNVERIFIED,
    emit_json,
    json_option,
    listing,
    out,
    report_tx,
    show_record,
    tx_json_option,
)
from offchain.cli._params import AMOUNT, LEASE_ID, _IdType
from offchain.cli.units import parse_amount, show_amount, show_time
from offchain.exceptions import InvalidValueError, ManifestError, UnknownStatementError

STATEMENT_ID = _IdType("statement", 64)


class _Time(click.ParamType):
    """Unix seconds or ISO 8601 (UTC when no offset)."""

    name = "TIME"

    def convert(self, value: Any, param: Any, ctx: Any) -> int:
        if isinstance(value, int):
            return value
        from offchain.anchoring.records import parse_time

        try:
            return parse_time(str(value))
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


TIME = _Time()


def _max_price(ctx: Any, param: Any, values: tuple[str, ...]) -> dict[str, int]:
    """``--max-price meter=price`` (repeatable) as a dict."""
    found: dict[str, int] = {}
    for text in values:
        name, sep, price = text.partition("=")
        if not sep or not name.strip():
            raise click.BadParameter(f"{text!r}: expected METER=PRICE, such as gpu.seconds=1gwei")
        try:
            found[name.strip()] = parse_amount(price)
        except InvalidValueError as exc:
            raise click.BadParameter(str(exc)) from None
    return found


def _ledger(env: Env, account: str | None = None, client: Any = None) -> Any:
    """The deployment's UsageClient (a ManifestError when it has none)."""
    client = client or env.client(account)
    if client.usage is None:
        where = str(env.deployment or f"deployments/{env.chain_id()}.json")
        raise ManifestError(where, "it records no UsageLedger: redeploy with 'leasehold deploy'")
    return client.usage


@click.group()
def usage() -> None:
    """Metered usage: statements, their records' proofs, disputes and budgets (UsageLedger)."""


@usage.command("report")
@click.argument("lease_id", type=LEASE_ID)
@click.option(
    "--records",
    "records_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    required=True,
    help="Metering records: .csv (header id,meter,quantity,timestamp) or .jsonl (one object per "
    "line with those keys).",
)
@click.option(
    "--from",
    "start",
    type=TIME,
    help="Start of the period (Unix seconds or ISO 8601). Default: where the lease's last "
    "statement ended.",
)
@click.option("--to", "end", type=TIME, required=True, help="End of the period (exclusive).")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where to write the record bundles. Default: FILE.bundles/ beside the records.",
)
@account_option
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@pass_env
def usage_report(
    env: Env,
    lease_id: int,
    records_path: Path,
    start: int | None,
    end: int,
    out_dir: Path | None,
    account: str | None,
    as_json: bool,
) -> None:
    """Post LEASE's statement for a period from its metering records (provider or reporter).

    Sums the records timestamped in [--from, --to) per meter, builds their Merkle tree (the
    anchoring format), posts the quantities with the root, then writes one proof bundle per record
    ('leasehold usage verify BUNDLE' checks it against the chain).
    """
    from offchain.anchoring.records import (
        Statement,
        in_period,
        read_records,
        totals,
        tree_of,
        write_bundles,
    )
    from offchain.chain.usage import StatementInput

    source = str(records_path)
    records = read_records(records_path)  # malformed rows fail before the chain is asked
    ledger = _ledger(env, account)
    budget = ledger.budget(lease_id)
    if not budget.opened:
        raise InvalidValueError(
            "lease", lease_id, "a lease with a usage budget ('leasehold usage budget open' first)"
        )
    start = budget.billed_until if start is None else start
    chosen = in_period(records, start, end)
    if not chosen:
        raise InvalidValueError(
            "period", f"{start}..{end}", f"a period holding at least one record of {source}"
        )
    schedule = ledger.schedule(budget.schedule_id)
    names = [m.name for m in schedule.meters]
    quantities = totals(chosen, names, source)
    tree = tree_of(chosen, source)
    statement = StatementInput(lease_id, start, end, tuple(quantities), tree.root, tree.count)
    result = ledger.post_statement(statement)
    posted = ledger.posted(result.created)
    where = Statement(
        chain_id=env.chain_id(),
        contract=ledger.address,
        statement_id=posted.statement_id,
        lease_id=lease_id,
        period_start=start,
        period_end=end,
        post_tx=result.tx_hash,
    )
    target = out_dir or records_path.with_name(records_path.name + ".bundles")
    bundles = write_bundles(chosen, tree, where, target)
    report = {
        "statementId": posted.statement_id,
        "leaseId": lease_id,
        "periodStart": start,
        "periodEnd": end,
        "quantities": dict(zip(names, quantities, strict=True)),
        "amount": str(posted.amount),
        "recordsRoot": "0x" + tree.root.hex(),
        "recordCount": tree.count,
        "skipped": len(records) - len(chosen),
        "payableAt": posted.payable_at,
        "txHash": result.tx_hash,
        "blockNumber": result.block_number,
        "gasUsed": result.gas_used,
        "out": str(target),
        "bundles": [str(p) for p in bundles],
    }
    if as_json:
        emit_json(report)
        return
    out.print(
        f"statement {posted.statement_id} posted for lease {lease_id}: {tree.count} records, "
        f"charge {posted.amount}, payable at {show_time(posted.payable_at)}  "
        f"[dim](tx {result.tx_hash}, gas {result.gas_used:,})[/dim]"
    )
    out.print(f"{len(bundles)} record bundles in {target}")


@usage.command("show")
@click.argument("lease_id", type=LEASE_ID)
@json_option
@pass_env
def usage_show(env: Env, lease_id: int, as_json: bool) -> None:
    """Show LEASE's usage budget, meters and statements (state and amounts)."""
    ledger = _ledger(env)
    budget = ledger.budget(lease_id)
    meters = ledger.schedule(budget.schedule_id).meters if budget.opened else ()
    names = [m.name for m in meters]
    statements = []
    for posted in ledger.statements_of(lease_id):
        now = ledger.statement(posted.statement_id)
        statements.append(
            {
                "statementId": posted.statement_id,
                "status": now.status.name.capitalize(),
                "periodStart": posted.period_start,
                "periodEnd": posted.period_end,
                "quantities": dict(zip(names, posted.quantities, strict=False)),
                "charged": str(posted.amount),
                "amount": str(now.amount),
                "payableAt": now.payable_at,
                "recordsRoot": "0x" + posted.records_root.hex(),
                "recordCount": posted.record_count,
            }
        )
    view = {
        "leaseId": lease_id,
        "budget": {
            "opened": budget.opened,
            "remaining": str(budget.remaining),
            "billedUntil": budget.billed_until,
            "scheduleId": budget.schedule_id,
            "poolId": budget.pool_id,
            "disputeWindow": budget.dispute_window,
        },
        "meters": [
            {
                "name": m.name,
                "pricePerUnit": str(m.price_per_unit),
                "ceiling": m.max_per_unit_second,
            }
            for m in meters
        ],
        "statements": statements,
    }
    if as_json:
        emit_json(view)
        return
    native = ledger.asset() == "0x" + "00" * 20
    if not budget.opened:
        out.print(f"lease {lease_id} has no usage budget")
        return
    show_record(
        f"usage of lease {lease_id}",
        [
            ("remaining", show_amount(budget.remaining, native)),
            ("billed until", show_time(budget.billed_until)),
            ("meters", ", ".join(f"{m.name} @ {m.price_per_unit}" for m in meters)),
            ("dispute window", f"{budget.dispute_window} s"),
        ],
    )
    table = listing("id", "status", "period", "quantities", "amount", "payable at")
    for s in statements:
        table.add_row(
            str(s["statementId"]),
            str(s["status"]),
            f"{show_time(s['periodStart'])} → {show_time(s['periodEnd'])}",
            ", ".join(f"{k}={v}" for k, v in s["quantities"].items()),
            show_amount(int(s["amount"]), native),
            show_time(s["payableAt"]),
        )
    out.print(table)


@usage.command("verify")
@click.argument("bundle_path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@json_option
@pass_env
def usage_verify(env: Env, bundle_path: Path, as_json: bool) -> None:
    """Check a record bundle against its statement's records root on chain."""
    from offchain.anchoring.records import load_bundle

    bundle = load_bundle(bundle_path)
    ledger = _ledger(env)
    problems = []
    if not bundle.proves():
        problems.append("the record and proof do not lead to the bundle's root")
    if bundle.where.chain_id != env.chain_id():
        problems.append(f"the bundle is for chain {bundle.where.chain_id}, not {env.chain_id()}")
    if bundle.where.contract != ledger.address:
        problems.append(f"the bundle names ledger {bundle.where.contract}, not {ledger.address}")
    posted = None
    if not problems:
        try:
            posted = ledger.posted(bundle.where.statement_id)
        except UnknownStatementError:
            problems.append(f"no statement {bundle.where.statement_id} was posted to this ledger")
    if posted is not None:
        if posted.records_root != bundle.root:
            problems.append(
                f"statement {posted.statement_id}'s records root is 0x{posted.records_root.hex()}"
            )
        if posted.record_count != bundle.count or posted.lease_id != bundle.where.lease_id:
            problems.append("the statement's record count or lease differs from the bundle's")
    verified = not problems
    record = bundle.record
    message = (
        f"record {record.id!r} ({record.meter}={record.quantity}) is in statement "
        f"{bundle.where.statement_id} of lease {bundle.where.lease_id}"
        if verified
        else f"record {record.id!r} does not verify: {'; '.join(problems)}"
    )
    if as_json:
        emit_json(
            {
                "verified": verified,
                "statementId": bundle.where.statement_id,
                "leaseId": bundle.where.lease_id,
                "record": record.canonical(),
                "root": "0x" + bundle.root.hex(),
                "problems": problems,
                "message": message,
            }
        )
    else:
        out.print(message)
    if not verified:
        sys.exit(EXIT_UNVERIFIED)


@usage.command("accept")
@click.argument("statement_id", type=STATEMENT_ID)
@account_option
@tx_json_option
@pass_env
def usage_accept(env: Env, statement_id: int, account: str | None, as_json: bool) -> None:
    """Accept a Pending statement before its window ends: payable at once (tenant)."""
    result = _ledger(env, account).accept(statement_id)
    report_tx(as_json, result, f"statement {statement_id} accepted")


@usage.command("dispute")
@click.argument("statement_id", type=STATEMENT_ID)
@click.option(
    "--reason",
    required=True,
    help="Why (kept off chain: its keccak-256 is recorded).",
)
@account_option
@tx_json_option
@pass_env
def usage_dispute(
    env: Env, statement_id: int, reason: str, account: str | None, as_json: bool
) -> None:
    """Dispute a Pending statement before its window ends: its amount is held (tenant)."""
    from eth_hash.auto import keccak

    if not reason.strip():
        raise InvalidValueError("reason", reason, "some text explaining the dispute")
    reason_hash = keccak(reason.encode())
    result = _ledger(env, account).dispute(statement_id, reason_hash)
    report_tx(
        as_json, result, f"statement {statement_id} disputed (reason hash 0x{reason_hash.hex()})"
    )


@usage.command("resolve")
@click.argument("statement_id", type=STATEMENT_ID)
@click.option(
    "--to-provider",
    "to_provider",
    type=AMOUNT.sent_as("UsageLedger", "resolveDispute", "toProvider"),
    required=True,
    help="What the provider keeps (such as 0.001eth or 0); the rest returns to the budget.",
)
@account_option
@tx_json_option
@pass_env
def usage_resolve(
    env: Env, statement_id: int, to_provider: int, account: str | None, as_json: bool
) -> None:
    """Split a disputed statement (arbiter)."""
    result = _ledger(env, account).resolve(statement_id, to_provider)
    report_tx(as_json, result, f"statement {statement_id} resolved: {to_provider} to the provider")


@usage.group("budget")
def budget() -> None:
    """Open and top up a lease's usage budget (tenant)."""


@budget.command("open")
@click.argument("lease_id", type=LEASE_ID)
@click.argument("amount", type=AMOUNT.sent_as("UsageLedger", "openBudget", "amount"))
@click.option(
    "--max-price",
    "max_prices",
    multiple=True,
    callback=_max_price,
    metavar="METER=PRICE",
    help="Most accepted per unit of a meter (repeatable). Meters not named accept their price "
    "as read just before sending.",
)
@account_option
@tx_json_option
@pass_env
def budget_open(
    env: Env,
    lease_id: int,
    amount: int,
    max_prices: dict[str, int],
    account: str | None,
    as_json: bool,
) -> None:
    """Open LEASE's usage budget with AMOUNT, locking its pool's meter prices."""
    client = env.client(account)
    ledger = _ledger(env, client=client)
    limits = ledger.max_prices(client.market.lease(lease_id).pool_id, max_prices)
    result = ledger.open_budget(lease_id, amount, limits)
    report_tx(as_json, result, f"usage budget of lease {lease_id} opened with {amount}")


@budget.command("top-up")
@click.argument("lease_id", type=LEASE_ID)
@click.argument("amount", type=AMOUNT.sent_as("UsageLedger", "fundBudget", "amount"))
@account_option
@tx_json_option
@pass_env
def budget_top_up(env: Env, lease_id: int, amount: int, account: str | None, as_json: bool) -> None:
    """Add AMOUNT to LEASE's usage budget while the lease runs."""
    result = _ledger(env, account).fund_budget(lease_id, amount)
    report_tx(as_json, result, f"usage budget of lease {lease_id} topped up by {amount}")

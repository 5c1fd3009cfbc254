"""``leasehold lease``: open, list, extend and close leases (LeaseMarket)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any, TypeVar

import click

from offchain.chain.values import ZERO_ADDRESS
from offchain.cli._env import Env, account_option, pass_env
from offchain.cli._logs import contract_events
from offchain.cli._output import (
    EXIT_REVERTED,
    emit_json,
    json_option,
    listing,
    out,
    report_tx,
    show_record,
    tx_json_option,
)
from offchain.cli._params import AMOUNT, DURATION, LEASE_ID, PERCENT, POOL_ID, TENANT_ID, UINT32
from offchain.cli.units import show_amount, show_duration, show_time
from offchain.exceptions import ContractRevertError

F = TypeVar("F", bound=Callable[..., Any])

MAX_PRICE = 2**96 - 1  # maxPricePerUnitSecond is a uint96


@click.group()
def lease() -> None:
    """Open and manage leases (LeaseMarket, tenants and providers)."""


def price_options(quoted: str) -> Callable[[F], F]:
    """``--max-price`` and ``--margin``: the most a caller accepts per unit-second."""

    def decorate(fn: F) -> F:
        fn = click.option(
            "--margin",
            type=PERCENT,
            metavar="PCT",
            help=f"Accept up to PCT percent (e.g. 5, 0.5) above {quoted}.",
        )(fn)
        return click.option(
            "--max-price",
            type=AMOUNT,
            metavar="AMOUNT",
            help="The most accepted per unit-second (wei, or e.g. 2gwei). "
            f"Default: {quoted}, read just before sending.",
        )(fn)

    return decorate


def _max_price(
    quote: Callable[[], int], max_price: int | None, margin: Decimal | None
) -> int | None:
    """What to send as ``maxPricePerUnitSecond`` (None: the client quotes it)."""
    if max_price is not None and margin is not None:
        raise click.UsageError("--max-price and --margin are exclusive: pass one")
    if max_price is not None:
        if not 0 < max_price <= MAX_PRICE:
            raise click.BadParameter(
                f"must be between 1 and {MAX_PRICE} (uint96)", param_hint="'--max-price'"
            )
        return max_price
    if margin is not None:
        return with_margin(quote(), margin)
    return None


def with_margin(price: int, margin: Decimal) -> int:
    """``price`` raised by ``margin`` percent, rounded down, at most the largest uint96."""
    return min(int(price * (100 + margin) / 100), MAX_PRICE)


def _price_refused(exc: ContractRevertError, native: bool) -> Exception:
    """A ``LeasePriceAboveMax`` revert as one line naming both prices (exit status 5)."""
    if exc.error != "LeasePriceAboveMax":
        return exc
    price = int(str(exc.arguments["pricePerUnitSecond"]))
    accepted = int(str(exc.arguments["maxPricePerUnitSecond"]))
    refused = click.ClickException(
        f"{exc}: the price is {show_amount(price, native)} per unit-second, above the "
        f"{show_amount(accepted, native)} accepted; read the new price, then retry with "
        "--max-price or --margin"
    )
    refused.exit_code = EXIT_REVERTED
    return refused


@lease.command("open")
@click.argument("tenant_id", type=TENANT_ID)
@click.argument("pool_id", type=POOL_ID)
@click.option(
    "--units",
    type=click.IntRange(1, 2**32 - 1),
    default=1,
    show_default=True,
    help="Units to hold.",
)
@click.option(
    "--duration",
    type=DURATION.sent_as("LeaseMarket", "openLease", "duration"),
    required=True,
    help="How long (e.g. 2h, 7d).",
)
@price_options("the pool's current price")
@account_option
@tx_json_option
@pass_env
def lease_open(
    env: Env,
    tenant_id: int,
    pool_id: int,
    units: int,
    duration: int,
    max_price: int | None,
    margin: Decimal | None,
    account: str | None,
    as_json: bool,
) -> None:
    """Open a lease paid from the tenant's escrow (its owner or an operator).

    The price is locked at opening. The transaction carries the most the signer accepts per
    unit-second (by default the pool's price as read just before sending), so a price raised in
    between makes it revert LeasePriceAboveMax instead of charging more.
    """
    market = env.client(account).market
    accepted = _max_price(
        lambda: int(market.pool(pool_id).price_per_unit_second), max_price, margin
    )
    try:
        result = market.open_lease(tenant_id, pool_id, units, duration, accepted)
    except ContractRevertError as exc:
        raise _price_refused(exc, market.asset() == ZERO_ADDRESS) from None
    report_tx(as_json, result, f"lease {result.created} opened")


@lease.command("show")
@click.argument("lease_id", type=LEASE_ID)
@json_option
@pass_env
def lease_show(env: Env, lease_id: int, as_json: bool) -> None:
    """Show one lease."""
    from offchain.models import LeaseOut, dump  # pydantic: only where a command prints

    client = env.client()
    view = LeaseOut.of(client.market.lease(lease_id), client.market.lease_opener(lease_id))
    if as_json:
        emit_json(dump(view))
        return
    remaining = client.market.remaining(lease_id)
    show_record(
        f"lease {lease_id}",
        [
            (
                "status",
                view.status + (f" ({view.close_reason})" if view.status == "Closed" else ""),
            ),
            ("tenant", str(view.tenant_id)),
            ("opened by", view.opened_by or "-"),
            ("pool", str(view.pool_id)),
            ("units", str(view.units)),
            ("period", f"{show_time(view.start)} .. {show_time(view.end)}"),
            ("left", show_duration(remaining.seconds_left)),
            ("price/unit/s", view.price_per_unit_second),
            ("paid until", show_time(view.paid_until)),
        ],
    )


@lease.command("list")
@click.option("--tenant", "tenant_id", type=TENANT_ID, help="Only this tenant's leases.")
@click.option("--pool", "pool_id", type=POOL_ID, help="Only leases in this pool.")
@click.option(
    "--status",
    type=click.Choice(["Active", "Closed"], case_sensitive=False),
    help="Only leases with this status.",
)
@json_option
@pass_env
def lease_list(
    env: Env, tenant_id: int | None, pool_id: int | None, status: str | None, as_json: bool
) -> None:
    """List leases (from the chain's LeaseOpened logs, then each lease's current state)."""
    from offchain.models import LeaseOut, dump  # pydantic: only where a command prints

    client = env.client()
    openers = _openers(env, tenant_id, pool_id)
    views = [LeaseOut.of(client.market.lease(i), openers[i]) for i in sorted(openers)]
    if status:
        views = [v for v in views if v.status.lower() == status.lower()]
    if as_json:
        emit_json([dump(v) for v in views])
        return
    table = listing("id", "status", "reason", "tenant", "pool", "units", "start", "end")
    for v in views:
        table.add_row(
            str(v.lease_id),
            v.status,
            v.close_reason if v.status == "Closed" else "",
            str(v.tenant_id),
            str(v.pool_id),
            str(v.units),
            show_time(v.start),
            show_time(v.end),
        )
    out.print(table)


def _openers(env: Env, tenant_id: int | None = None, pool_id: int | None = None) -> dict[int, str]:
    """Lease id -> the account that opened it, from the ``LeaseOpened`` logs (the contract keeps
    no list of leases)."""
    events = contract_events(env, "LeaseMarket", "LeaseOpened", None, tenant_id, pool_id)
    found = (e.as_dict() for e in events)
    return {int(args["leaseId"]): str(args["openedBy"]) for args in found}


def _lease_action(name: str, method: str, doc: str, past: str) -> None:
    @click.argument("lease_id", type=LEASE_ID)
    @account_option
    @tx_json_option
    @pass_env
    def command(
        env: Env, lease_id: int, account: str | None, as_json: bool, reason: int = 0
    ) -> None:
        market = env.client(account).market
        result = (
            market.terminate_lease(lease_id, reason)
            if name == "terminate"
            else getattr(market, method)(lease_id)
        )
        report_tx(as_json, result, f"lease {lease_id} {past}")

    command.__doc__ = doc
    if name == "terminate":
        command = click.option(
            "--reason",
            type=UINT32,
            default=0,
            show_default=True,
            help="Provider- or admin-defined reason code.",
        )(command)
    lease.command(name)(command)


_lease_action(
    "release", "release_lease", "End a running lease early (tenant owner or operator).", "released"
)
_lease_action(
    "terminate",
    "terminate_lease",
    "End a lease as its pool's provider or a platform admin.",
    "terminated",
)


@lease.command("extend")
@click.argument("lease_id", type=LEASE_ID)
@click.option(
    "--by",
    "additional",
    type=DURATION.sent_as("LeaseMarket", "extendLease", "additional"),
    required=True,
    help="Extra time (e.g. 1h).",
)
@price_options("the lease's locked price")
@account_option
@tx_json_option
@pass_env
def lease_extend(
    env: Env,
    lease_id: int,
    additional: int,
    max_price: int | None,
    margin: Decimal | None,
    account: str | None,
    as_json: bool,
) -> None:
    """Extend a running lease at its locked price (tenant owner or operator).

    The extension is charged at the price the lease opened with; the transaction carries the most
    the signer accepts (by default that price, as read just before sending).
    """
    market = env.client(account).market
    accepted = _max_price(
        lambda: int(market.lease(lease_id).price_per_unit_second), max_price, margin
    )
    try:
        result = market.extend_lease(lease_id, additional, accepted)
    except ContractRevertError as exc:
        raise _price_refused(exc, market.asset() == ZERO_ADDRESS) from None
    report_tx(as_json, result, f"lease {lease_id} extended by {show_duration(additional)}")


@lease.command("reclaim")
@click.argument("lease_ids", type=LEASE_ID, nargs=-1, required=True)
@account_option
@tx_json_option
@pass_env
def lease_reclaim(env: Env, lease_ids: tuple[int, ...], account: str | None, as_json: bool) -> None:
    """Close expired leases (or leases of closed tenants) and free their units (anyone)."""
    result = env.client(account).market.reclaim(list(lease_ids))
    closed = [e.args["leaseId"] for e in result.events if e.name == "LeaseClosed"]
    report_tx(as_json, result, f"reclaimed {len(closed)} lease(s): {', '.join(map(str, closed))}")

"""``leasehold pool``: providers' capacity pools (LeaseMarket)."""

from __future__ import annotations

import click

from offchain.cli._env import Env, account_option, pass_env
from offchain.cli._output import (
    emit_json,
    json_option,
    listing,
    out,
    report_tx,
    show_record,
    tx_json_option,
)
from offchain.cli._params import AMOUNT, CLASS, DURATION, POOL_ID
from offchain.cli.units import show_amount, show_duration


@click.group()
def pool() -> None:
    """Create and run capacity pools (LeaseMarket, providers and platform admins)."""


@pool.command("create")
@click.argument("resource_class", type=CLASS, metavar="CLASS")
@click.option("--capacity", type=click.IntRange(1, 2**32 - 1), required=True, help="Units offered.")
@click.option(
    "--price",
    type=AMOUNT.sent_as("LeaseMarket", "createPool", "pricePerUnitSecond"),
    required=True,
    help="Price of one unit for one second (wei, or e.g. 2gwei).",
)
@click.option(
    "--min",
    "min_duration",
    type=DURATION.sent_as("LeaseMarket", "createPool", "minDuration"),
    default="1h",
    show_default=True,
    help="Shortest lease.",
)
@click.option(
    "--max",
    "max_duration",
    type=DURATION.sent_as("LeaseMarket", "createPool", "maxDuration"),
    default="30d",
    show_default=True,
    help="Longest lease.",
)
@account_option
@tx_json_option
@pass_env
def pool_create(
    env: Env,
    resource_class: bytes,
    capacity: int,
    price: int,
    min_duration: int,
    max_duration: int,
    account: str | None,
    as_json: bool,
) -> None:
    """Create a pool of CLASS (such as gpu.h100) owned by the signer (provider role)."""
    result = env.client(account).market.create_pool(
        resource_class, capacity, price, min_duration, max_duration
    )
    report_tx(as_json, result, f"pool {result.created} created")


@pool.command("show")
@click.argument("pool_id", type=POOL_ID)
@json_option
@pass_env
def pool_show(env: Env, pool_id: int, as_json: bool) -> None:
    """Show one pool."""
    from offchain.models import PoolOut, dump  # pydantic: only where a command prints

    client = env.client()
    view = PoolOut.of(client.market.pool(pool_id))
    if as_json:
        emit_json(dump(view))
        return
    native = client.market.asset() == "0x" + "00" * 20
    show_record(
        f"pool {pool_id}",
        [
            ("status", view.status),
            ("provider", view.provider),
            ("class", view.resource_class),
            ("capacity", f"{view.allocated}/{view.capacity} allocated"),
            ("price", f"{show_amount(int(view.price_per_unit_second), native)} /unit/s"),
            (
                "durations",
                f"{show_duration(view.min_duration)} .. {show_duration(view.max_duration)}",
            ),
        ],
    )


@pool.command("list")
@json_option
@pass_env
def pool_list(env: Env, as_json: bool) -> None:
    """List every pool."""
    from offchain.models import PoolOut, dump  # pydantic: only where a command prints

    views = [PoolOut.of(p) for p in env.client().market.pools()]
    if as_json:
        emit_json([dump(v) for v in views])
        return
    table = listing("id", "status", "class", "allocated", "capacity", "price/unit/s", "provider")
    for v in views:
        table.add_row(
            str(v.pool_id),
            v.status,
            v.resource_class,
            str(v.allocated),
            str(v.capacity),
            v.price_per_unit_second,
            v.provider,
        )
    out.print(table)


def _pool_action(name: str, method: str, doc: str, past: str) -> None:
    @click.argument("pool_id", type=POOL_ID)
    @account_option
    @tx_json_option
    @pass_env
    def command(env: Env, pool_id: int, account: str | None, as_json: bool) -> None:
        result = getattr(env.client(account).market, method)(pool_id)
        report_tx(as_json, result, f"pool {pool_id} {past}")

    command.__doc__ = doc
    pool.command(name)(command)


_pool_action(
    "pause", "pause_pool", "Stop new leases (the pool's provider or a platform admin).", "paused"
)
_pool_action(
    "unpause",
    "unpause_pool",
    "Allow new leases again (the pool's provider while it holds the provider role, or a platform "
    "admin; a pool an admin paused waits for an admin).",
    "open",
)
_pool_action(
    "retire",
    "retire_pool",
    "Retire for good; running leases run on (the pool's provider or a platform admin).",
    "retired",
)


@pool.command("set-capacity")
@click.argument("pool_id", type=POOL_ID)
@click.argument("capacity", type=click.IntRange(1, 2**32 - 1))
@account_option
@tx_json_option
@pass_env
def pool_set_capacity(
    env: Env, pool_id: int, capacity: int, account: str | None, as_json: bool
) -> None:
    """Change capacity, never below allocated units (the pool's provider, with the provider
    role)."""
    result = env.client(account).market.set_pool_capacity(pool_id, capacity)
    report_tx(as_json, result, f"pool {pool_id} capacity: {capacity}")


@pool.command("set-price")
@click.argument("pool_id", type=POOL_ID)
@click.argument("price", type=AMOUNT.sent_as("LeaseMarket", "setPoolPrice", "pricePerUnitSecond"))
@account_option
@tx_json_option
@pass_env
def pool_set_price(env: Env, pool_id: int, price: int, account: str | None, as_json: bool) -> None:
    """Change the price per unit-second for new leases (the pool's provider, with the provider
    role); running leases keep theirs."""
    result = env.client(account).market.set_pool_price(pool_id, price)
    report_tx(as_json, result, f"pool {pool_id} price: {price} per unit-second")

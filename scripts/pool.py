"""Pool operations: ``ape run pool COMMAND --network ... --account ...``.

ape run pool create gpu.h100 --capacity 16 --price 50000000000 --min 3600 --max 604800
ape run pool pause 1
"""

from __future__ import annotations

import click
from ape.cli import account_option

from scripts._deployment import CONNECTING, contracts, deployment_option, event_arg, resource_class
from scripts._errors import Command


@click.group(epilog=CONNECTING)
def cli() -> None:
    """Create and run capacity pools (LeaseMarket, provider role)."""


@cli.command(cls=Command)
@account_option()
@deployment_option
@click.argument("resource_class_name", metavar="CLASS")
@click.option("--capacity", type=int, required=True, help="Units offered.")
@click.option("--price", type=int, required=True, help="Wei per unit-second.")
@click.option(
    "--min",
    "min_duration",
    type=int,
    default=3600,
    show_default=True,
    help="Shortest lease, seconds.",
)
@click.option(
    "--max",
    "max_duration",
    type=int,
    default=30 * 86400,
    show_default=True,
    help="Longest lease, seconds.",
)
def create(
    provider, account, deployment, resource_class_name, capacity, price, min_duration, max_duration
):
    """Create a pool of CLASS owned by the account."""
    market = contracts(provider, deployment).market
    receipt = market.createPool(
        resource_class(resource_class_name),
        capacity,
        price,
        min_duration,
        max_duration,
        sender=account,
    )
    click.echo(f"pool {event_arg(receipt, market, 'PoolCreated', 'poolId')} created")


def _pool_action(name: str, method: str, doc: str) -> None:
    @click.argument("pool_id", type=int)
    @deployment_option
    @account_option()
    def command(provider, account, deployment, pool_id):
        getattr(contracts(provider, deployment).market, method)(pool_id, sender=account)
        click.echo(f"pool {pool_id}: {name} done")

    command.__doc__ = doc
    cli.command(name, cls=Command)(command)


_pool_action("pause", "pausePool", "Stop new leases (its provider).")
_pool_action("unpause", "unpausePool", "Allow new leases again (its provider).")
_pool_action("retire", "retirePool", "Retire the pool for good (its provider).")


@cli.command(cls=Command)
@account_option()
@deployment_option
@click.argument("pool_id", type=int)
@click.argument("capacity", type=int)
def capacity(provider, account, deployment, pool_id, capacity):
    """Change a pool's capacity (its provider)."""
    contracts(provider, deployment).market.setPoolCapacity(pool_id, capacity, sender=account)
    click.echo(f"pool {pool_id}: capacity {capacity}")


@cli.command(cls=Command)
@account_option()
@deployment_option
@click.argument("pool_id", type=int)
@click.argument("price", type=int)
def price(provider, account, deployment, pool_id, price):
    """Change a pool's price per unit-second for new leases (its provider)."""
    contracts(provider, deployment).market.setPoolPrice(pool_id, price, sender=account)
    click.echo(f"pool {pool_id}: price {price}")

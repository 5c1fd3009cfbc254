"""Lease and escrow operations: ``ape run lease COMMAND --network ... --account ...``.

ape run lease deposit 1 1000000000000000000
ape run lease open 1 1 --units 4 --duration 7200
ape run lease extend 8 --by 3600
ape run lease release 8
"""

from __future__ import annotations

import click
from ape.cli import account_option

from offchain.chain.market import ERC20_ABI
from offchain.chain.values import ZERO_ADDRESS
from scripts._deployment import CONNECTING, contracts, deployment_option, event_arg
from scripts._errors import Command


@click.group(epilog=CONNECTING)
def cli() -> None:
    """Escrow, leases and provider earnings (LeaseMarket)."""


@cli.command(cls=Command)
@account_option()
@deployment_option
@click.argument("tenant_id", type=int)
@click.argument("amount", type=int)
def deposit(provider, account, deployment, tenant_id, amount):
    """Deposit AMOUNT (wei or token units) into a tenant's escrow (an ERC-20 is approved first)."""
    market = contracts(provider, deployment).market
    native = market.asset() == ZERO_ADDRESS
    if not native:
        from ape import Contract

        token = Contract(market.asset(), abi=ERC20_ABI)
        if token.allowance(account, market.address) < amount:
            token.approve(market.address, amount, sender=account)
    market.deposit(tenant_id, amount, value=amount if native else 0, sender=account)
    click.echo(f"tenant {tenant_id}: deposited {amount}")


@cli.command("open", cls=Command)
@account_option()
@deployment_option
@click.argument("tenant_id", type=int)
@click.argument("pool_id", type=int)
@click.option("--units", type=int, default=1, show_default=True, help="Units to hold.")
@click.option("--duration", type=int, required=True, help="Seconds.")
@click.option(
    "--max-price",
    type=int,
    default=None,
    help="Most accepted per unit-second (default: the pool's price now).",
)
def open_lease(provider, account, deployment, tenant_id, pool_id, units, duration, max_price):
    """Open a lease (tenant owner or operator)."""
    market = contracts(provider, deployment).market
    if max_price is None:
        max_price = market.pool(pool_id).pricePerUnitSecond
    receipt = market.openLease(tenant_id, pool_id, units, duration, max_price, sender=account)
    click.echo(f"lease {event_arg(receipt, market, 'LeaseOpened', 'leaseId')} opened")


@cli.command(cls=Command)
@account_option()
@deployment_option
@click.argument("lease_id", type=int)
@click.option("--by", "additional", type=int, required=True, help="Extra seconds.")
def extend(provider, account, deployment, lease_id, additional):
    """Extend a running lease at its locked price (tenant owner or operator)."""
    market = contracts(provider, deployment).market
    price = market.lease(lease_id).pricePerUnitSecond
    market.extendLease(lease_id, additional, price, sender=account)
    click.echo(f"lease {lease_id}: extended by {additional}s")


@cli.command(cls=Command)
@account_option()
@deployment_option
@click.argument("lease_id", type=int)
def release(provider, account, deployment, lease_id):
    """End a running lease early (tenant owner or operator)."""
    contracts(provider, deployment).market.releaseLease(lease_id, sender=account)
    click.echo(f"lease {lease_id}: released")


@cli.command(cls=Command)
@account_option()
@deployment_option
@click.argument("lease_id", type=int)
@click.option("--reason", type=int, default=0, help="Reason code.")
def terminate(provider, account, deployment, lease_id, reason):
    """End a lease as its pool's provider or a platform admin."""
    contracts(provider, deployment).market.terminateLease(lease_id, reason, sender=account)
    click.echo(f"lease {lease_id}: terminated")


@cli.command(cls=Command)
@account_option()
@deployment_option
@click.argument("lease_ids", type=int, nargs=-1, required=True)
def reclaim(provider, account, deployment, lease_ids):
    """Close expired leases (anyone)."""
    contracts(provider, deployment).market.reclaim(list(lease_ids), sender=account)
    click.echo(f"reclaimed {', '.join(map(str, lease_ids))}")


@cli.command(cls=Command)
@account_option()
@deployment_option
@click.argument("lease_ids", type=int, nargs=-1)
@click.option(
    "--provider", "pool_provider", default=None, help="Whose earnings (default: the account)."
)
def claim(provider, account, deployment, lease_ids, pool_provider):
    """Settle LEASE_IDS of the provider's pools and pay everything claimable to its payout address
    (the provider or its payout address)."""
    market = contracts(provider, deployment).market
    receipt = market.claim(pool_provider or account.address, list(lease_ids), sender=account)
    paid = sum(e.amount for e in receipt.events.filter(market.EarningsClaimed))
    click.echo(f"claimed {paid}")


@cli.command(cls=Command)
@account_option()
@deployment_option
@click.argument("tenant_id", type=int)
@click.argument("amount", type=int)
def withdraw(provider, account, deployment, tenant_id, amount):
    """Withdraw free escrow to the account (tenant owner)."""
    contracts(provider, deployment).market.withdraw(tenant_id, amount, account, sender=account)
    click.echo(f"tenant {tenant_id}: withdrew {amount}")

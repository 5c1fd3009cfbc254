"""Tenant operations: ``ape run tenant COMMAND --network ... --account ...``.

ape run tenant register https://acme.example/tenant.json --network ethereum:local:foundry
ape run tenant approve 1 --account admin
ape run tenant quota 1 gpu.h100 8 --account admin
ape run tenant operator 1 0xOperator --days 30
"""

from __future__ import annotations

import click
from ape.cli import account_option

from scripts._deployment import CONNECTING, contracts, deployment_option, event_arg, resource_class
from scripts._errors import Command


@click.group(epilog=CONNECTING)
def cli() -> None:
    """Register, approve and manage tenants (TenantRegistry)."""


@cli.command(cls=Command)
@account_option()
@deployment_option
@click.argument("metadata_uri")
@click.option("--hash", "metadata_hash", default="0x" + "00" * 32, help="Metadata content hash.")
def register(provider, account, deployment, metadata_uri, metadata_hash):
    """Register a tenant owned by the account."""
    registry = contracts(provider, deployment).registry
    receipt = registry.register(metadata_uri, metadata_hash, sender=account)
    tenant_id = event_arg(receipt, registry, "TenantRegistered", "tenantId")
    status = event_arg(receipt, registry, "TenantRegistered", "status")
    click.echo(f"tenant {tenant_id} registered ({'Active' if status == 2 else 'Pending'})")


def _admin_action(name: str, with_reason: bool, doc: str) -> None:
    @click.argument("tenant_id", type=int)
    @deployment_option
    @account_option()
    def command(provider, account, deployment, tenant_id, reason=0):
        registry = contracts(provider, deployment).registry
        args = (tenant_id, reason) if with_reason else (tenant_id,)
        getattr(registry, name)(*args, sender=account)
        click.echo(f"tenant {tenant_id}: {name} done")

    command.__doc__ = doc
    if with_reason:
        command = click.option("--reason", type=int, default=0, help="Reason code.")(command)
    cli.command(name, cls=Command)(command)


_admin_action("approve", False, "Approve a Pending tenant (admin).")
_admin_action("reject", True, "Reject a Pending tenant (admin).")
_admin_action("suspend", True, "Suspend an Active tenant (admin).")
_admin_action("resume", True, "Resume a Suspended tenant (admin).")
_admin_action("close", False, "Close a tenant for good (its owner).")


@cli.command(cls=Command)
@account_option()
@deployment_option
@click.argument("tenant_id", type=int)
@click.argument("resource_class_name", metavar="CLASS")
@click.argument("max_units", type=int)
def quota(provider, account, deployment, tenant_id, resource_class_name, max_units):
    """Set a tenant's quota for a resource class, e.g. gpu.h100 (admin)."""
    registry = contracts(provider, deployment).registry
    registry.setQuota(tenant_id, resource_class(resource_class_name), max_units, sender=account)
    click.echo(f"tenant {tenant_id}: quota {resource_class_name} = {max_units}")


@cli.command(cls=Command)
@account_option()
@deployment_option
@click.argument("tenant_id", type=int)
@click.argument("operator")
@click.option("--days", type=int, default=30, show_default=True, help="Grant length in days.")
@click.option(
    "--allowance", type=int, default=None, help="Escrow it may reserve (default: no limit)."
)
@click.option(
    "--max-duration", type=int, default=None, help="Longest lease, seconds (default: no limit)."
)
def operator(provider, account, deployment, tenant_id, operator, days, allowance, max_duration):
    """Grant OPERATOR the right to act for the tenant (its owner)."""
    from ape import chain

    from offchain.chain.values import UNLIMITED_ALLOWANCE, UNLIMITED_DURATION

    deployed = contracts(provider, deployment)
    expires = chain.pending_timestamp + days * 86400
    if allowance is not None or max_duration is not None:  # the market's limits, before the grant
        allowance = UNLIMITED_ALLOWANCE if allowance is None else allowance
        max_duration = UNLIMITED_DURATION if max_duration is None else max_duration
        deployed.market.setOperatorLimits(
            tenant_id, operator, allowance, max_duration, sender=account
        )
    deployed.registry.grantOperator(tenant_id, operator, expires, sender=account)
    click.echo(f"tenant {tenant_id}: operator {operator} until {expires}")


@cli.command(cls=Command)
@account_option()
@deployment_option
@click.argument("policy", type=click.Choice(["open", "approval"]))
def policy(provider, account, deployment, policy):
    """Set the registration policy (admin)."""
    registry = contracts(provider, deployment).registry
    registry.setRegistrationPolicy(0 if policy == "open" else 1, sender=account)
    click.echo(f"registration policy: {policy}")


@cli.command(cls=Command)
@account_option()
@deployment_option
@click.argument("address")
def provider_role(provider, account, deployment, address):
    """Grant ADDRESS PROVIDER_ROLE, to create and run pools (a platform admin: ADMIN_ROLE
    administers PROVIDER_ROLE)."""
    from offchain.chain.values import PROVIDER_ROLE

    contracts(provider, deployment).registry.grantRole(PROVIDER_ROLE, address, sender=account)
    click.echo(f"{address} is a provider")

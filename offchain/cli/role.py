"""``leasehold role``: grant and revoke the platform's roles (TenantRegistry access control)."""

from __future__ import annotations

import click

from offchain.cli._env import Env, account_option, pass_env
from offchain.cli._output import report_tx, tx_json_option


@click.group()
def role() -> None:
    """Grant and revoke platform roles (provider: a platform admin; admin: the default admin)."""


def _role_bytes(name: str) -> bytes:
    from offchain.chain.values import ADMIN_ROLE, PROVIDER_ROLE

    return {"provider": PROVIDER_ROLE, "admin": ADMIN_ROLE}[name]


@role.command("grant")
@click.argument("role_name", metavar="ROLE", type=click.Choice(["provider", "admin"]))
@click.argument("address", metavar="ADDRESS")
@account_option
@tx_json_option
@pass_env
def role_grant(env: Env, role_name: str, address: str, account: str | None, as_json: bool) -> None:
    """Grant ROLE (provider: may run pools; admin: approves, suspends, sets quotas)."""
    from offchain.chain.values import parse_address

    result = env.client(account).registry.grant_role(_role_bytes(role_name), parse_address(address))
    report_tx(as_json, result, f"{role_name} role granted to {address}")


@role.command("revoke")
@click.argument("role_name", metavar="ROLE", type=click.Choice(["provider", "admin"]))
@click.argument("address", metavar="ADDRESS")
@account_option
@tx_json_option
@pass_env
def role_revoke(env: Env, role_name: str, address: str, account: str | None, as_json: bool) -> None:
    """Revoke ROLE from ADDRESS."""
    from offchain.chain.values import parse_address

    result = env.client(account).registry.revoke_role(
        _role_bytes(role_name), parse_address(address)
    )
    report_tx(as_json, result, f"{role_name} role revoked from {address}")

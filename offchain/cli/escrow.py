"""``leasehold escrow``: a tenant's escrow in the lease market (deposit, withdraw, show)."""

from __future__ import annotations

import click

from offchain.cli._env import Env, account_option, pass_env
from offchain.cli._output import emit_json, json_option, report_tx, show_record, tx_json_option
from offchain.cli._params import AMOUNT, TENANT_ID
from offchain.cli.units import show_amount
from offchain.exceptions import NoSignerError


@click.group()
def escrow() -> None:
    """A tenant's escrow in the lease market."""


@escrow.command("deposit")
@click.argument("tenant_id", type=TENANT_ID)
@click.argument("amount", type=AMOUNT.sent_as("LeaseMarket", "deposit", "amount"))
@account_option
@tx_json_option
@pass_env
def escrow_deposit(
    env: Env, tenant_id: int, amount: int, account: str | None, as_json: bool
) -> None:
    """Credit AMOUNT (such as 0.5eth) to the tenant's escrow; ERC-20 markets approve first."""
    result = env.client(account).market.deposit(tenant_id, amount)
    report_tx(as_json, result, f"deposited {amount} to tenant {tenant_id}")


@escrow.command("withdraw")
@click.argument("tenant_id", type=TENANT_ID)
@click.argument("amount", type=AMOUNT.sent_as("LeaseMarket", "withdraw", "amount"))
@click.option("--to", "recipient", metavar="ADDRESS", help="Recipient. Default: the signer.")
@account_option
@tx_json_option
@pass_env
def escrow_withdraw(
    env: Env, tenant_id: int, amount: int, recipient: str | None, account: str | None, as_json: bool
) -> None:
    """Withdraw free escrow (tenant owner)."""
    from offchain.chain.values import parse_address

    client = env.client(account)
    if recipient is None:
        signer = client.signer
        if signer is None:
            raise NoSignerError("LeaseMarket.withdraw")
        recipient = signer if isinstance(signer, str) else signer.address
    result = client.market.withdraw(tenant_id, amount, parse_address(str(recipient)))
    report_tx(as_json, result, f"withdrew {amount} from tenant {tenant_id} to {recipient}")


@escrow.command("show")
@click.argument("tenant_id", type=TENANT_ID)
@json_option
@pass_env
def escrow_show(env: Env, tenant_id: int, as_json: bool) -> None:
    """Show a tenant's free and reserved escrow."""
    from offchain.models import EscrowOut, dump  # pydantic: only where a command prints

    client = env.client()
    client.registry.tenant(tenant_id)  # unknown tenants are an error, not a zero balance
    view = EscrowOut.of(tenant_id, client.market.escrow(tenant_id))
    if as_json:
        emit_json(dump(view))
        return
    native = client.market.asset() == "0x" + "00" * 20
    show_record(
        f"escrow of tenant {tenant_id}",
        [
            ("free", show_amount(int(view.free), native)),
            ("reserved", show_amount(int(view.reserved), native)),
        ],
    )

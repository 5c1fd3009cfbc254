"""``leasehold earnings``: what providers can claim from the lease market, and claiming it."""

from __future__ import annotations

import click

from offchain.cli._env import Env, account_option, pass_env
from offchain.cli._output import emit_json, json_option, out, report_tx, tx_json_option
from offchain.cli._params import LEASE_ID
from offchain.cli.units import show_amount


@click.group()
def earnings() -> None:
    """Providers' earnings."""


@earnings.command("show")
@click.argument("provider", metavar="ADDRESS")
@json_option
@pass_env
def earnings_show(env: Env, provider: str, as_json: bool) -> None:
    """What ADDRESS can claim now."""
    from offchain.chain.values import parse_address

    client = env.client()
    amount = client.market.claimable(parse_address(provider, "provider"))
    if as_json:
        emit_json({"provider": parse_address(provider), "claimable": str(amount)})
        return
    out.print(
        f"{provider} can claim {show_amount(amount, client.market.asset() == '0x' + '00' * 20)}"
    )


@earnings.command("claim")
@click.argument("lease_ids", type=LEASE_ID, nargs=-1)
@account_option
@tx_json_option
@pass_env
def earnings_claim(
    env: Env, lease_ids: tuple[int, ...], account: str | None, as_json: bool
) -> None:
    """Settle LEASE_IDS of the signer's pools, then pay the signer everything claimable."""
    result = env.client(account).market.claim(list(lease_ids))
    paid = sum(int(e.args["amount"]) for e in result.events if e.name == "EarningsClaimed")
    report_tx(as_json, result, f"claimed {paid}")

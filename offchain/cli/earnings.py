"""``leasehold earnings``: what providers can claim from the lease market, and claiming it."""

from __future__ import annotations

from functools import partial

import click

from offchain.chain.values import ZERO_ADDRESS
from offchain.cli._env import Env, account_option, pass_env
from offchain.cli._output import emit_json, json_option, out, report_tx, tx_json_option
from offchain.cli._params import ADDRESS, LEASE_ID
from offchain.cli._reads import gather
from offchain.cli.units import show_amount


@click.group()
def earnings() -> None:
    """Providers' earnings."""


@earnings.command("show")
@click.argument("provider", type=ADDRESS)
@json_option
@pass_env
def earnings_show(env: Env, provider: str, as_json: bool) -> None:
    """What ADDRESS can claim now, where claims pay, and any pending handover of its pools."""
    client = env.client()
    market = client.market
    amount, payout, pending, asset = gather(
        client,
        partial(market.claimable, provider),
        partial(market.payout_address, provider),
        partial(market.pending_provider_handover, provider),
        market.asset,
    )
    if as_json:
        emit_json(
            {
                "provider": provider,
                "claimable": str(amount),
                "payoutAddress": payout,
                "pendingHandover": pending,
            }
        )
        return
    out.print(f"{provider} can claim {show_amount(amount, asset == ZERO_ADDRESS)}")
    if payout != provider:
        out.print(f"claims pay {payout}")
    if pending != ZERO_ADDRESS:
        out.print(f"pools proposed to {pending} (pending 'leasehold provider accept')")


@earnings.command("claim")
@click.argument("lease_ids", type=LEASE_ID, nargs=-1)
@click.option(
    "--provider",
    type=ADDRESS,
    help="The provider whose earnings to claim; its payout address may claim too. "
    "Default: the signer.",
)
@account_option
@tx_json_option
@pass_env
def earnings_claim(
    env: Env, lease_ids: tuple[int, ...], provider: str | None, account: str | None, as_json: bool
) -> None:
    """Settle LEASE_IDS of the provider's pools, then pay everything claimable to its payout
    address (the provider itself unless it named one with 'leasehold provider payout').

    The provider or its payout address signs.
    """
    result = env.client(account).market.claim(list(lease_ids), provider)
    claimed = [e for e in result.events if e.name == "EarningsClaimed"]
    paid = sum(int(e.args["amount"]) for e in claimed)
    to = f" to {claimed[0].args['to']}" if claimed else ""
    report_tx(as_json, result, f"claimed {paid}{to}")

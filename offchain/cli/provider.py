"""``leasehold provider``: a provider's pools, payout address and handover (LeaseMarket)."""

from __future__ import annotations

import click

from offchain.chain.values import ZERO_ADDRESS
from offchain.cli._env import Env, account_option, pass_env
from offchain.cli._output import emit_json, json_option, report_tx, show_record, tx_json_option
from offchain.cli._params import ADDRESS
from offchain.cli.units import show_amount


@click.group()
def provider() -> None:
    """A provider's payout address and the handover of its pools (LeaseMarket, providers)."""


@provider.command("show")
@click.argument("address", type=ADDRESS)
@json_option
@pass_env
def provider_show(env: Env, address: str, as_json: bool) -> None:
    """ADDRESS's pools, what it can claim, where claims pay, and any pending handover."""
    from offchain.models import ProviderOut, dump  # pydantic: only where a command prints

    market = env.client().market
    view = ProviderOut(
        provider=address,
        pools=[p.pool_id for p in market.pools() if p.provider == address],
        claimable=str(market.claimable(address)),
        payout_address=market.payout_address(address),
        pending_handover=market.pending_provider_handover(address),
    )
    if as_json:
        emit_json(dump(view))
        return
    native = market.asset() == ZERO_ADDRESS
    show_record(
        f"provider {address}",
        [
            ("pools", ", ".join(map(str, view.pools)) or "-"),
            ("claimable", show_amount(int(view.claimable), native)),
            ("payout address", view.payout_address),
            (
                "pending handover",
                "-" if view.pending_handover == ZERO_ADDRESS else view.pending_handover,
            ),
        ],
    )


@provider.command("payout")
@click.argument("payout", type=ADDRESS, required=False, metavar="ADDRESS")
@click.option("--clear", is_flag=True, help="Pay the provider itself again.")
@account_option
@tx_json_option
@pass_env
def provider_payout(
    env: Env, payout: str | None, clear: bool, account: str | None, as_json: bool
) -> None:
    """Have the earnings of the signer (a provider running pools) paid to ADDRESS.

    'earnings claim' then pays ADDRESS, and ADDRESS may claim too (with --provider): earnings stay
    claimable if the provider's key is lost or its address cannot receive. --clear (or the zero
    address) pays the provider itself again.
    """
    if clear == (payout is not None):
        raise click.UsageError("pass ADDRESS or --clear")
    target = payout or ZERO_ADDRESS
    result = env.client(account).market.set_payout_address(target)
    shown = "the provider itself" if target == ZERO_ADDRESS else target
    report_tx(as_json, result, f"earnings now pay {shown}")


@provider.command("handover")
@click.argument("new_provider", type=ADDRESS, required=False, metavar="NEW_ADDRESS")
@click.option("--cancel", is_flag=True, help="Withdraw the pending proposal.")
@account_option
@tx_json_option
@pass_env
def provider_handover(
    env: Env, new_provider: str | None, cancel: bool, account: str | None, as_json: bool
) -> None:
    """Propose to hand every pool of the signer, with its unclaimed earnings, to NEW_ADDRESS.

    Nothing moves until NEW_ADDRESS runs 'leasehold provider accept <signer>'; it must hold the
    provider role and run no pools. --cancel (or the zero address) withdraws the proposal.
    """
    if cancel == (new_provider is not None):
        raise click.UsageError("pass NEW_ADDRESS or --cancel")
    target = new_provider or ZERO_ADDRESS
    result = env.client(account).market.propose_provider_handover(target)
    message = "handover cancelled" if target == ZERO_ADDRESS else f"pools proposed to {target}"
    report_tx(as_json, result, message)


@provider.command("accept")
@click.argument("previous", type=ADDRESS, metavar="PREVIOUS_ADDRESS")
@account_option
@tx_json_option
@pass_env
def provider_accept(env: Env, previous: str, account: str | None, as_json: bool) -> None:
    """Take every pool of PREVIOUS_ADDRESS, with its unclaimed earnings (the proposed address).

    The signer must be the address PREVIOUS_ADDRESS proposed, hold the provider role and run no
    pools yet. Its payout address starts as itself.
    """
    result = env.client(account).market.accept_provider_handover(previous)
    report_tx(as_json, result, f"pools of {previous} handed over")

"""``leasehold chain``: a local Anvil devnet in the background (up, down, status)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from offchain.chain import devnet
from offchain.cli._output import emit_json, json_option, out, show_record
from offchain.cli.units import show_time


@click.group()
def chain() -> None:
    """Run a local Anvil devnet in the background."""


@chain.command("up")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=devnet.DEFAULT_PORT,
    show_default=True,
    help="TCP port to listen on (0: any free port).",
)
@click.option(
    "--chain-id",
    type=click.IntRange(1),
    default=devnet.DEFAULT_CHAIN_ID,
    show_default=True,
    help="Chain id the devnet reports.",
)
@click.option(
    "--state",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Load the chain from this file if it exists; save it there on 'chain down'.",
)
@json_option
def chain_up(port: int, chain_id: int, state: Path | None, as_json: bool) -> None:
    """Start Anvil and wait until it answers (its accounts use the standard test mnemonic)."""
    net = devnet.start(port=port, chain_id=chain_id, state=state)
    if as_json:
        emit_json(_devnet_json(net))
        return
    out.print(f"devnet up at [bold]{net.url}[/bold] (chain {net.chain_id}, pid {net.pid})")
    if net.state:
        out.print(f"state file: {net.state}")
    out.print(f"log: {net.log}")


@chain.command("down")
@json_option
def chain_down(as_json: bool) -> None:
    """Stop the devnet started by 'chain up' (saving its state file, if any)."""
    net = devnet.stop()
    if as_json:
        emit_json({"stopped": _devnet_json(net) if net else None})
    elif net is None:
        out.print("no devnet was running")
    else:
        out.print(
            f"devnet at {net.url} stopped" + (f"; state saved to {net.state}" if net.state else "")
        )


@chain.command("status")
@json_option
def chain_status(as_json: bool) -> None:
    """Show the devnet started by 'chain up', if it runs."""
    net = devnet.running()
    if as_json:
        emit_json({"running": _devnet_json(net) if net else None})
    elif net is None:
        out.print("no devnet is running (start one with 'leasehold chain up')")
    else:
        show_record(
            "devnet",
            [
                ("url", net.url),
                ("chain id", str(net.chain_id)),
                ("pid", str(net.pid)),
                ("state", net.state or "-"),
                ("log", net.log),
                ("started", show_time(int(net.started_at))),
            ],
        )


def _devnet_json(net: devnet.Devnet) -> dict[str, Any]:
    return {
        "url": net.url,
        "chainId": net.chain_id,
        "pid": net.pid,
        "state": net.state,
        "log": net.log,
    }

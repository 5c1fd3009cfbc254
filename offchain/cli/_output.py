"""What commands print, and the exit statuses they end with.

Tables and messages go to :data:`out` (stdout) through rich; progress and notices go to :data:`err`.
``--json`` output is plain JSON on stdout (:func:`emit_json`), the HTTP API's shape for reads and
:func:`report_tx`'s shape for writes.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import click
from rich.console import Console
from rich.table import Table

from offchain.cli._exits import EXIT_CHAIN as EXIT_CHAIN
from offchain.cli._exits import EXIT_ERROR as EXIT_ERROR
from offchain.cli._exits import EXIT_NOT_FOUND as EXIT_NOT_FOUND
from offchain.cli._exits import EXIT_PENDING as EXIT_PENDING
from offchain.cli._exits import EXIT_REVERTED as EXIT_REVERTED
from offchain.cli._exits import EXIT_UNVERIFIED as EXIT_UNVERIFIED
from offchain.cli._exits import EXIT_USAGE as EXIT_USAGE

F = TypeVar("F", bound=Callable[..., Any])


out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


def emit_json(value: Any) -> None:
    """Print JSON on stdout (plain, so it pipes into jq)."""
    click.echo(json.dumps(value, indent=2))


def _tx_json(result: Any) -> dict[str, Any]:
    from offchain.models import plain  # here: the root group imports this module for --help

    return {
        "txHash": result.tx_hash,
        "blockNumber": result.block_number,
        "gasUsed": result.gas_used,
        "created": result.created,
        "events": [
            {"contract": e.contract, "event": e.name, "args": plain(dict(e.args))}
            for e in result.events
        ],
    }


def report_tx(as_json: bool, result: Any, message: str) -> None:
    """Print what a transaction did."""
    if as_json:
        emit_json(_tx_json(result))
        return
    out.print(
        f"{message}  [dim](tx {result.tx_hash}, block {result.block_number}, "
        f"gas {result.gas_used:,})[/dim]"
    )


def show_record(title: str, rows: Sequence[tuple[str, str]]) -> None:
    """A two-column key/value table."""
    table = Table(title=title, show_header=False, title_justify="left", box=None, pad_edge=False)
    table.add_column(style="bold")
    table.add_column()
    for key, value in rows:
        table.add_row(key, value)
    out.print(table)


def listing(*headers: str) -> Table:
    """A table whose cells wrap rather than cut (addresses and hashes stay whole)."""
    table = Table()
    for header in headers:
        table.add_column(header, overflow="fold")
    return table


def json_option(fn: F) -> F:
    """``--json``: print machine-readable JSON instead of tables."""
    return click.option(
        "--json", "as_json", is_flag=True, help="Print JSON (the HTTP API's shape) instead."
    )(fn)


def tx_json_option(fn: F) -> F:
    """``--json`` on a write: print the transaction (hash, block, gas, events) as JSON."""
    return click.option(
        "--json",
        "as_json",
        is_flag=True,
        help="Print the transaction (hash, block, gas, created id, events) as JSON.",
    )(fn)

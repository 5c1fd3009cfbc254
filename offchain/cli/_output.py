"""What commands print, and the exit statuses they end with.

Tables and messages go to :data:`out` (stdout) through rich; progress and notices go to :data:`err`.
``--json`` output is plain JSON on stdout (:func:`emit_json`), the HTTP API's shape for reads and
:func:`report_tx`'s shape for writes. A record (:func:`show_record`: one thing's fields, key and
value) is plain text through click, and rich is imported only when a command prints through
:data:`out` or :data:`err` or makes a :func:`listing`: importing rich's console and tables costs a
read about as much as starting Python with click (issue 14's start-up budget).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import click

from offchain.cli._exits import EXIT_CHAIN as EXIT_CHAIN
from offchain.cli._exits import EXIT_ERROR as EXIT_ERROR
from offchain.cli._exits import EXIT_NOT_FOUND as EXIT_NOT_FOUND
from offchain.cli._exits import EXIT_PENDING as EXIT_PENDING
from offchain.cli._exits import EXIT_REVERTED as EXIT_REVERTED
from offchain.cli._exits import EXIT_UNVERIFIED as EXIT_UNVERIFIED
from offchain.cli._exits import EXIT_USAGE as EXIT_USAGE

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table

F = TypeVar("F", bound=Callable[..., Any])


class _LazyConsole:
    """A rich ``Console`` made on first use (see the module's docstring)."""

    def __init__(self, **options: Any) -> None:
        self._options = options
        self._console: Console | None = None

    def console(self) -> Console:
        """The console itself."""
        if self._console is None:
            from rich.console import Console

            self._console = Console(**self._options)
        return self._console

    def __getattr__(self, name: str) -> Any:
        return getattr(self.console(), name)

    def __enter__(self) -> Console:
        return self.console().__enter__()

    def __exit__(self, *exc: Any) -> None:
        self.console().__exit__(*exc)


out: Any = _LazyConsole(soft_wrap=True)
err: Any = _LazyConsole(stderr=True, soft_wrap=True)


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
    """One thing's fields: the title, then a line per field, keys (bold on a terminal) aligned.

    Plain text: values are printed whole and as they are (no markup, never cut to the width)."""
    width = max((len(key) for key, _ in rows), default=0)
    lines = [click.style(title, italic=True)]
    lines += [f"{click.style(key.ljust(width), bold=True)}  {value}" for key, value in rows]
    click.echo("\n".join(lines))


def listing(*headers: str) -> Table:
    """A table whose cells wrap rather than cut (addresses and hashes stay whole)."""
    from rich.table import Table

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

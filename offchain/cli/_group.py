"""A click group whose sub-commands are imported on first use.

``leasehold --help`` lists every command group with its one-line help, but importing every command
module costs what the commands need (web3.py, eth-abi, pydantic, ...), not what the listing needs.
:class:`LazyGroup` maps each command name to where it lives (``"module:attribute"``) and the first
paragraph of its help; a command's module is imported only when the command is run or its own
``--help`` is asked for. ``tests/cli/test_cli_startup.py`` keeps the summaries equal to the
commands' real help.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from importlib import import_module
from typing import Any

import click
from click.utils import make_default_short_help


@dataclass(frozen=True, slots=True)
class LazyCommand:
    """Where a command lives (``"offchain.cli.tenant:tenant"``) and its help's first paragraph."""

    target: str
    summary: str

    def load(self) -> click.Command:
        """Import the command."""
        module, _, attribute = self.target.partition(":")
        command = getattr(import_module(module), attribute)
        if not isinstance(command, click.Command):
            raise TypeError(f"{self.target} is not a click command")
        return command


class LazyGroup(click.Group):
    """A group listing ``lazy`` commands without importing them (see the module's docstring)."""

    def __init__(self, *args: Any, lazy: Mapping[str, LazyCommand], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy = dict(lazy)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in self.lazy:
            self.add_command(self.lazy[cmd_name].load(), cmd_name)
        return super().get_command(ctx, cmd_name)

    def listed_help(self, name: str, limit: int) -> str:
        """A command's line in the listing: from the map while it is not imported."""
        command = self.commands.get(name)
        if command is not None:
            return command.get_short_help_str(limit)
        return make_default_short_help(self.lazy[name].summary, limit).strip()

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        names = [
            n
            for n in self.list_commands(ctx)
            if n in self.lazy or not (self.commands.get(n) is None or self.commands[n].hidden)
        ]
        if not names:
            return
        limit = formatter.width - 6 - max(len(n) for n in names)
        with formatter.section("Commands"):
            formatter.write_dl([(n, self.listed_help(n, limit)) for n in names])


__all__ = ["LazyCommand", "LazyGroup"]

"""One-line errors for the operational ape scripts, as the ``leasehold`` CLI prints them.

ape prints a call trace and a ~70-line traceback when a transaction reverts. Commands built with
:class:`Command` (``@cli.command(cls=Command)``) print one line on stderr instead and exit with
the CLI's status: 5 when the chain refused (a revert, decoded against the packaged ABIs with role
ids named, or an unpayable transaction), 1 otherwise. ``LEASEHOLD_DEBUG=1`` shows ape's output.
"""

from __future__ import annotations

import contextlib
import functools
import os
from collections.abc import Callable, Iterator
from typing import Any

import click
from ape.cli import ConnectedProviderCommand

EXIT_ERROR = 1
EXIT_REVERTED = 5


class ScriptError(click.ClickException):
    """A failure reported in one line with the CLI's exit status."""

    def __init__(self, message: str, exit_code: int = EXIT_ERROR) -> None:
        super().__init__(message)
        self.exit_code = exit_code

    def show(self, file: Any = None) -> None:
        click.echo(f"error: {self.format_message()}", err=True)


_PASSED_ON = (click.ClickException, click.exceptions.Exit, click.Abort)


class Command(ConnectedProviderCommand):
    """ape's connected-provider command, failing in one line instead of a trace and traceback.

    The command's body is explained while still connected (the line can name the signer's
    balance); failures while connecting are explained outside it.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.callback is not None:
            self.callback = _explained(self.callback)

    def invoke(self, ctx: click.Context) -> Any:
        if os.environ.get("LEASEHOLD_DEBUG") == "1":
            return super().invoke(ctx)
        try:
            with _quiet_traces():
                return super().invoke(ctx)
        except _PASSED_ON:
            raise
        except Exception as exc:
            raise ScriptError(*explain(exc)) from None


def _explained(callback: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(callback)  # ape reads the signature (through __wrapped__)
    def run(*args: Any, **kwargs: Any) -> Any:
        if os.environ.get("LEASEHOLD_DEBUG") == "1":
            return callback(*args, **kwargs)
        try:
            return callback(*args, **kwargs)
        except _PASSED_ON:
            raise
        except Exception as exc:
            raise ScriptError(*explain(exc, kwargs.get("account"))) from None

    return run


@contextlib.contextmanager
def _quiet_traces() -> Iterator[None]:
    """Keep ape from printing the call trace of a reverted transaction on stdout."""
    try:
        from ape_ethereum.trace import Trace
    except ImportError:  # another ecosystem plugin: nothing to silence
        yield
        return
    show = Trace.show
    Trace.show = lambda *args, **kwargs: None  # type: ignore[method-assign]
    try:
        yield
    finally:
        Trace.show = show  # type: ignore[method-assign]


def explain(exc: BaseException, account: Any = None) -> tuple[str, int]:
    """The one line (and exit status) that says what went wrong (``account``: the signer)."""
    from offchain.chain.errors import _revert_data, decode_revert

    contract = getattr(getattr(exc, "contract_type", None), "name", None)
    data = _revert_data(exc)
    if contract and data is not None:
        function = _function_of(contract, getattr(getattr(exc, "txn", None), "data", b""))
        return str(decode_revert(contract, function, data)), EXIT_REVERTED
    text = " ".join(str(exc).split()) or type(exc).__name__
    if "insufficient funds" in text.lower() or "enough balance" in text.lower():
        who = getattr(account, "address", None)
        has = f"{who} has {account.balance} wei; " if who is not None else ""
        return f"insufficient funds: {has}the node says: {text}", EXIT_REVERTED
    return f"{type(exc).__name__}: {text}", EXIT_ERROR


def _function_of(contract: str, calldata: Any) -> str:
    """The name of the function ``calldata`` calls on ``contract`` (``?`` if unknown)."""
    from eth_hash.auto import keccak

    from offchain.chain.abi import CONTRACTS, load_abi
    from offchain.chain.decode import canonical_type

    selector = bytes(calldata or b"")[:4]
    if contract in CONTRACTS:
        for item in load_abi(contract):
            if item.get("type") != "function":
                continue
            types = ",".join(canonical_type(i) for i in item.get("inputs", []))
            if keccak(f"{item['name']}({types})".encode())[:4] == selector:
                return str(item["name"])
    return "?"


__all__ = ["Command", "ScriptError", "explain"]

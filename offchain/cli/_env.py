"""What every command shares: the :class:`Env` (chain, deployment, client) and who signs.

:func:`pass_env` hands a command the :class:`Env` the root group made (and lets ``--rpc`` and
``--deployment`` follow the command too); :func:`account_option` and :func:`resolve_account` name
the signer of a write.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar, cast

import click

from offchain.exceptions import ChainUnavailableError, InvalidValueError

F = TypeVar("F", bound=Callable[..., Any])

LOCAL_CHAIN_IDS = (31337, 1337)
DEFAULT_RPC = "http://127.0.0.1:8545"
#: Seconds a write waits for its receipt (``--timeout``; web3.py's default).
DEFAULT_TIMEOUT = 120.0


@dataclass(slots=True)
class Env:
    """What every command shares: where the chain is and which deployment to use."""

    rpc: str
    deployment: Path | None
    timeout: float = DEFAULT_TIMEOUT
    _w3: Any = None
    _reader: Any = None
    _manifest: Any = None
    _chain_id: int | None = field(default=None)

    def chain_id(self) -> int:
        """The chain id at ``--rpc`` (one quick request, no web3 stack).

        Raises:
            ChainUnavailableError: nothing answers.
        """
        if self._chain_id is None:
            from offchain.chain import devnet

            found = devnet.rpc_chain_id(self.rpc, timeout=5.0)
            if found is None:
                raise ChainUnavailableError(self.rpc)
            self._chain_id = found
        return self._chain_id

    def w3(self) -> Any:
        """A connected ``Web3``."""
        if self._w3 is None:
            from web3 import Web3

            self.chain_id()
            self._w3 = Web3(Web3.HTTPProvider(self.rpc, request_kwargs={"timeout": 60}))
        return self._w3

    def reader(self) -> Any:
        """A :class:`~offchain.chain.light.LightWeb3`: reads without importing web3.py."""
        if self._reader is None:
            from offchain.chain.light import LightWeb3

            self.chain_id()
            self._reader = LightWeb3(self.rpc)
        return self._reader

    def manifest(self) -> Any:
        """The deployment manifest for this chain (``--deployment`` or the default path)."""
        if self._manifest is None:
            from offchain.chain.manifest import default_path, load_manifest

            self._manifest = load_manifest(self.deployment or default_path(self.chain_id()))
        return self._manifest

    def client(self, account: str | None = None) -> Any:
        """A client for the deployment (checked against the chain), signing as ``account``.

        Without a signer the client only reads, through :meth:`reader` (no web3.py import): the
        CLI's read commands start in a fraction of the time. A write then fails as before, with
        :class:`~offchain.exceptions.NoSignerError`.
        """
        from offchain.chain.client import LeaseholdClient

        signer = resolve_account(account, self.chain_id())
        if signer is None:
            return LeaseholdClient.from_manifest(self.reader(), self.manifest())
        return LeaseholdClient.from_manifest(
            self.w3(), self.manifest(), signer, tx_timeout=self.timeout
        )


def resolve_account(spec: str | None, chain_id: int) -> Any:
    """The signer ``--account`` names.

    ``N`` (0-9) is the N-th development account of the local devnet's mnemonic (local chains
    only); ``0x…`` is an account the node holds unlocked; a file path is an encrypted JSON keystore
    (password from ``LEASEHOLD_PASSWORD`` or a prompt). Without ``--account``, the private key in
    ``LEASEHOLD_PRIVATE_KEY`` signs, if set.
    """
    if spec is None and not os.environ.get("LEASEHOLD_PRIVATE_KEY"):
        return None  # before importing eth_account: a read needs no signer
    from eth_account import Account

    if spec is None:
        return Account.from_key(os.environ["LEASEHOLD_PRIVATE_KEY"])
    if spec.isdigit():
        if chain_id not in LOCAL_CHAIN_IDS:
            raise InvalidValueError(
                "account",
                spec,
                "an address, a keystore file or LEASEHOLD_PRIVATE_KEY "
                f"(development accounts exist only on local chains {LOCAL_CHAIN_IDS})",
            )
        from offchain.chain import devnet

        return devnet.dev_account(int(spec))
    if spec.startswith("0x"):
        from offchain.chain.values import parse_address

        return parse_address(spec, "account")
    path = Path(spec)
    if not path.is_file():
        raise InvalidValueError("account", spec, "an index 0-9, a 0x address or a keystore file")
    password = os.environ.get("LEASEHOLD_PASSWORD")
    if password is None:
        password = click.prompt(f"password for {path}", hide_input=True, err=True)
    try:
        secret = Account.decrypt(json.loads(path.read_text()), password)
    except (ValueError, KeyError) as exc:
        raise InvalidValueError(
            "keystore", spec, f"a JSON keystore and its password ({exc})"
        ) from None
    return Account.from_key(secret)


def _set_timeout(ctx: click.Context, _: click.Parameter, value: float | None) -> None:
    if value is not None:
        env_of(ctx).timeout = value


def account_option(fn: F) -> F:
    """``--account``: who signs the transaction; and ``--timeout``: how long to wait for it."""
    fn = click.option(
        "--timeout",
        type=click.FloatRange(min=0, min_open=True),
        envvar="LEASEHOLD_TIMEOUT",
        metavar="SECONDS",
        expose_value=False,
        callback=_set_timeout,
        help=f"How long to wait for the transaction to be mined. Default: {DEFAULT_TIMEOUT:g}.",
    )(fn)
    return click.option(
        "--account",
        "-a",
        envvar="LEASEHOLD_ACCOUNT",
        metavar="ACCOUNT",
        help=(
            "Who signs: 0-9 (devnet development account), a 0x address unlocked on the node, "
            "or a JSON keystore file. Default: LEASEHOLD_PRIVATE_KEY."
        ),
    )(fn)


def env_of(ctx: click.Context) -> Env:
    """The shared :class:`Env`."""
    env = ctx.find_object(Env)
    assert env is not None  # set by the root group
    return env


_pass_env = click.make_pass_decorator(Env)


def check_rpc_url(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """``--rpc``: an ``http://`` or ``https://`` URL with a host (what the CLI can talk to)."""
    if value is None:
        return None
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(value.strip())
        parts.port  # noqa: B018  (raises ValueError on a port that is not a number)
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise click.BadParameter(
            f"{value!r} is not an http(s) URL: expected e.g. {DEFAULT_RPC}", ctx, param
        )
    return value.strip()


def _set_rpc(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    checked = check_rpc_url(ctx, param, value)
    if checked is not None:
        env_of(ctx).rpc = checked


def _set_deployment(ctx: click.Context, _: click.Parameter, value: Path | None) -> None:
    if value is not None:
        env_of(ctx).deployment = value


def pass_env(fn: F) -> F:
    """Pass the :class:`Env`; also accept ``--rpc``/``--deployment`` after the command."""
    wrapped: Any = _pass_env(fn)
    wrapped = click.option(
        "--deployment",
        type=click.Path(dir_okay=False, path_type=Path),
        metavar="FILE",
        expose_value=False,
        callback=_set_deployment,
        help="Deployment manifest (as the global option).",
    )(wrapped)
    return cast(
        F,
        click.option(
            "--rpc",
            metavar="URL",
            expose_value=False,
            callback=_set_rpc,
            help="JSON-RPC endpoint (as the global option).",
        )(wrapped),
    )

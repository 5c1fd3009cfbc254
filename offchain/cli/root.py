"""``leasehold``: the command line of the Leasehold control plane (click + rich).

Reads go to the chain through :mod:`offchain.chain.client` (or to the mirror for ``mirror ...``);
writes sign with ``--account``. Every read takes ``--json`` and prints the same JSON the HTTP API
serves. Errors print one line on stderr and exit non-zero (see ``leasehold --help`` for the codes);
set ``LEASEHOLD_DEBUG=1`` to see the traceback instead."""

from __future__ import annotations

import functools
import json
import logging
import os
import socket
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn, TypeVar, cast

import click
from rich.console import Console
from rich.table import Table

from offchain import __version__
from offchain.chain import devnet
from offchain.chain.client import hex32, is_connection_error, resource_class_name
from offchain.cli.units import (
    parse_amount,
    parse_duration,
    show_amount,
    show_duration,
    show_time,
)
from offchain.exceptions import (
    ApiUnavailableError,
    BundleFormatError,
    BundleVerificationError,
    ChainUnavailableError,
    ContractRevertError,
    DevnetError,
    InvalidValueError,
    LeaseholdError,
    ManifestError,
    NoSignerError,
    RangeTooLargeError,
    RpcUnavailableError,
    UnknownAnchorError,
    UnknownLeaseError,
    UnknownPoolError,
    UnknownTenantError,
)
from offchain.models import (
    AnchorOut,
    EscrowOut,
    LeaseOut,
    PoolOut,
    TenantOut,
    dump,
    plain,
)

F = TypeVar("F", bound=Callable[..., Any])

LOCAL_CHAIN_IDS = (31337, 1337)
DEFAULT_RPC = "http://127.0.0.1:8545"

EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_CHAIN = 3
EXIT_NOT_FOUND = 4
EXIT_REVERTED = 5
EXIT_UNVERIFIED = 6

EPILOG = f"""\b
Exit status:
  0  success
  {EXIT_ERROR}  error (message on stderr)
  {EXIT_USAGE}  bad usage or a malformed value (id, hash, amount, file)
  {EXIT_CHAIN}  no chain at --rpc, or no deployment on it
  {EXIT_NOT_FOUND}  no such tenant, pool, lease or anchor
  {EXIT_REVERTED}  the contract refused (the custom error is printed with its arguments)
  {EXIT_UNVERIFIED}  a file or bundle does not verify
\b
Environment: LEASEHOLD_RPC, LEASEHOLD_DEPLOYMENT, LEASEHOLD_ACCOUNT, LEASEHOLD_PRIVATE_KEY,
LEASEHOLD_PASSWORD (keystore accounts), LEASEHOLD_API (mirror status), LEASEHOLD_DEVNET_DIR (where
'chain up' keeps its record), LEASEHOLD_DEBUG=1 (tracebacks).
"""

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


# ------------------------------------------------------------------------------- environment


@dataclass(slots=True)
class Env:
    """What every command shares: where the chain is and which deployment to use."""

    rpc: str
    deployment: Path | None
    _w3: Any = None
    _manifest: Any = None
    _chain_id: int | None = field(default=None)

    def chain_id(self) -> int:
        """The chain id at ``--rpc`` (one quick request, no web3 stack).

        Raises:
            ChainUnavailableError: nothing answers.
        """
        if self._chain_id is None:
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

    def manifest(self) -> Any:
        """The deployment manifest for this chain (``--deployment`` or the default path)."""
        if self._manifest is None:
            from offchain.chain.manifest import default_path, load_manifest

            self._manifest = load_manifest(self.deployment or default_path(self.chain_id()))
        return self._manifest

    def client(self, account: str | None = None) -> Any:
        """A client for the deployment (checked against the chain), signing as ``account``."""
        from offchain.chain.client import LeaseholdClient

        signer = resolve_account(account, self.chain_id())
        return LeaseholdClient.from_manifest(self.w3(), self.manifest(), signer)


def resolve_account(spec: str | None, chain_id: int) -> Any:
    """The signer ``--account`` names.

    ``N`` (0-9) is the N-th development account of the local devnet's mnemonic (local chains
    only); ``0x…`` is an account the node holds unlocked; a file path is an encrypted JSON keystore
    (password from ``LEASEHOLD_PASSWORD`` or a prompt). Without ``--account``, the private key in
    ``LEASEHOLD_PRIVATE_KEY`` signs, if set.
    """
    from eth_account import Account

    if spec is None:
        key = os.environ.get("LEASEHOLD_PRIVATE_KEY")
        return Account.from_key(key) if key else None
    if spec.isdigit():
        if chain_id not in LOCAL_CHAIN_IDS:
            raise InvalidValueError(
                "account",
                spec,
                "an address, a keystore file or LEASEHOLD_PRIVATE_KEY "
                f"(development accounts exist only on local chains {LOCAL_CHAIN_IDS})",
            )
        return devnet.dev_account(int(spec))
    if spec.startswith("0x"):
        from offchain.chain.client import parse_address

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


# ---------------------------------------------------------------------------------- output


def emit_json(value: Any) -> None:
    """Print JSON on stdout (plain, so it pipes into jq)."""
    click.echo(json.dumps(value, indent=2))


def _tx_json(result: Any) -> dict[str, Any]:
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


def account_option(fn: F) -> F:
    """``--account``: who signs the transaction."""
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


class _IdType(click.ParamType):
    """A positive integer id with a one-line error for anything else."""

    def __init__(self, what: str, bits: int) -> None:
        self.name = f"{what}_ID"
        self.what = what
        self.bits = bits

    def convert(self, value: Any, param: Any, ctx: Any) -> int:
        if isinstance(value, int):
            number = value
        else:
            text = str(value).strip()
            if not text.isdigit():
                self.fail(f"{self.what} id must be a positive integer, got {value!r}", param, ctx)
            number = int(text)
        if not 0 < number < 2**self.bits:
            self.fail(f"{self.what} id must be between 1 and {2**self.bits - 1}", param, ctx)
        return number


TENANT_ID = _IdType("tenant", 64)
POOL_ID = _IdType("pool", 32)
LEASE_ID = _IdType("lease", 64)


class _Parsed(click.ParamType):
    """A value parsed by one of the ``parse_*`` helpers (their errors become usage errors)."""

    def __init__(self, name: str, parse: Callable[[str], Any]) -> None:
        self.name = name
        self.parse = parse

    def convert(self, value: Any, param: Any, ctx: Any) -> Any:
        if not isinstance(value, str):
            return value
        try:
            return self.parse(value)
        except InvalidValueError as exc:
            self.fail(str(exc), param, ctx)


def _bytes32(text: str) -> bytes:
    from offchain.chain.client import parse_bytes32

    return parse_bytes32(text, "hash")


def _class(text: str) -> bytes:
    from offchain.chain.client import resource_class

    return resource_class(text)


AMOUNT = _Parsed("AMOUNT", parse_amount)
DURATION = _Parsed("DURATION", parse_duration)
HASH = _Parsed("HASH", _bytes32)
CLASS = _Parsed("CLASS", _class)
UINT32 = click.IntRange(0, 2**32 - 1)


def env_of(ctx: click.Context) -> Env:
    """The shared :class:`Env`."""
    env = ctx.find_object(Env)
    assert env is not None  # set by the root group
    return env


_pass_env = click.make_pass_decorator(Env)


def _set_rpc(ctx: click.Context, _: click.Parameter, value: str | None) -> None:
    if value is not None:
        env_of(ctx).rpc = value


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


# ------------------------------------------------------------------------------------ root


class _Group(click.Group):
    """The root group: a node that stops answering mid-command is reported with the URL in use."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except LeaseholdError:
            raise
        except Exception as exc:
            env = ctx.find_object(Env)
            if env is not None and is_connection_error(exc):
                raise ChainUnavailableError(env.rpc) from exc
            raise


@click.group(
    cls=_Group,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    epilog=EPILOG,
)
@click.option(
    "--rpc",
    envvar="LEASEHOLD_RPC",
    default=DEFAULT_RPC,
    show_default=True,
    metavar="URL",
    help="JSON-RPC endpoint of the chain.",
)
@click.option(
    "--deployment",
    envvar="LEASEHOLD_DEPLOYMENT",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help="Deployment manifest. Default: deployments/<chain id>.json.",
)
@click.version_option(__version__, prog_name="leasehold")
@click.pass_context
def cli(ctx: click.Context, rpc: str, deployment: Path | None) -> None:
    """Leasehold: tenants, capacity leases and data anchors on Ethereum.

    Start a local chain with 'leasehold chain up', deploy with 'leasehold deploy', then manage
    tenants, pools and leases, anchor files and verify them. Every read command takes --json.
    """
    ctx.obj = Env(rpc=rpc, deployment=deployment)


# ----------------------------------------------------------------------------------- chain


@cli.group()
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


# ---------------------------------------------------------------------------------- deploy


@cli.command()
@click.option(
    "--account",
    "-a",
    default="0",
    show_default=True,
    metavar="ACCOUNT",
    help="Deployer: 0-9 (devnet development account) or an ape account alias "
    "('ape accounts import NAME').",
)
@click.option("--admin", metavar="ADDRESS", help="Initial platform admin. Default: the deployer.")
@click.option(
    "--admin-delay",
    type=DURATION,
    default="3d",
    show_default=True,
    help="Delay before a default-admin transfer can be accepted.",
)
@click.option(
    "--asset",
    metavar="ADDRESS",
    default="0x" + "00" * 20,
    help="ERC-20 the lease market takes. Default: native ETH.",
)
@click.option(
    "--out-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("deployments"),
    show_default=True,
    help="Where to write <chain id>.json.",
)
@click.option("--force", is_flag=True, help="Replace an existing manifest for this chain.")
@json_option
@pass_env
def deploy(
    env: Env,
    account: str,
    admin: str | None,
    admin_delay: int,
    asset: str,
    out_dir: Path,
    force: bool,
    as_json: bool,
) -> None:
    """Deploy TenantRegistry, DataAnchor and LeaseMarket to --rpc and write the manifest.

    Runs scripts/deploy.py (ape) against the node at --rpc, so it needs the checkout's toolchain
    ('make setup'). On a named network prefer 'ape run deploy contracts --network ...'.
    """
    from offchain.chain.client import parse_address
    from offchain.demo.runner import ROOT, deploy_module

    chain_id = env.chain_id()  # one clear line when nothing answers, before ape loads
    if account.isdigit() and chain_id not in LOCAL_CHAIN_IDS:
        raise InvalidValueError(
            "account", account, "an ape account alias (development accounts are local only)"
        )
    admin = parse_address(admin, "admin") if admin else None
    asset = parse_address(asset, "asset")
    out_dir = out_dir.resolve()
    scripts = deploy_module()
    cwd = Path.cwd()
    os.chdir(ROOT)  # ape's project is the checkout's
    try:
        from ape import accounts, chain, networks, project
        from ape.logging import LogLevel, logger

        logger.set_level(LogLevel.WARNING)
        with networks.parse_network_choice(env.rpc):
            deployer = (
                accounts.test_accounts[int(account)]
                if account.isdigit()
                else accounts.load(account)
            )
            scripts.check_can_write(scripts.manifest_path(out_dir, chain_id), force)
            document = scripts.deploy_all(
                project,
                chain,
                deployer,
                admin=admin,
                admin_delay=admin_delay,
                asset=asset,
                network=env.rpc,
            )
            path = scripts.write_manifest(document, out_dir, force=force)
    finally:
        os.chdir(cwd)
    if as_json:
        emit_json({"manifest": str(path), **document})
        return
    out.print(f"deployed to chain {document['chainId']}; manifest {path}")
    for name, entry in document["contracts"].items():
        out.print(f"  {name:<15} {entry['address']}  (block {entry['deployBlock']})")


# ---------------------------------------------------------------------------------- tenant


@cli.group()
def tenant() -> None:
    """Register and manage tenants (TenantRegistry)."""


metadata_hash_option = click.option(
    "--hash",
    "metadata_hash",
    type=HASH,
    default="0x" + "00" * 32,
    help="Content hash of the metadata document (0x + 64 hex digits).",
)


@tenant.command("register")
@click.argument("metadata_uri")
@metadata_hash_option
@account_option
@tx_json_option
@pass_env
def tenant_register(
    env: Env, metadata_uri: str, metadata_hash: bytes, account: str | None, as_json: bool
) -> None:
    """Register a tenant owned by the signer."""
    result = env.client(account).registry.register(metadata_uri, metadata_hash)
    report_tx(as_json, result, f"tenant {result.created} registered")


@tenant.command("show")
@click.argument("tenant_id", type=TENANT_ID)
@json_option
@pass_env
def tenant_show(env: Env, tenant_id: int, as_json: bool) -> None:
    """Show one tenant."""
    t = env.client().registry.tenant(tenant_id)
    view = TenantOut.of(t)
    if as_json:
        emit_json(dump(view))
        return
    show_record(
        f"tenant {tenant_id}",
        [
            ("status", view.status),
            ("owner", view.owner),
            ("created", show_time(view.created_at)),
            ("metadata", view.metadata_uri or "-"),
            ("metadata hash", view.metadata_hash),
            ("pending owner", view.pending_owner if int(view.pending_owner, 16) else "-"),
        ],
    )


@tenant.command("list")
@json_option
@pass_env
def tenant_list(env: Env, as_json: bool) -> None:
    """List every tenant (one call per tenant; the mirror API scales better)."""
    views = [TenantOut.of(t) for t in env.client().registry.tenants()]
    if as_json:
        emit_json([dump(v) for v in views])
        return
    table = listing("id", "status", "owner", "created", "metadata")
    for v in views:
        table.add_row(str(v.tenant_id), v.status, v.owner, show_time(v.created_at), v.metadata_uri)
    out.print(table)


def _tenant_action(name: str, doc: str, with_reason: bool) -> None:
    @click.argument("tenant_id", type=TENANT_ID)
    @account_option
    @tx_json_option
    @pass_env
    def command(
        env: Env, tenant_id: int, account: str | None, as_json: bool, reason: int = 0
    ) -> None:
        registry = env.client(account).registry
        result = (
            getattr(registry, name)(tenant_id, reason)
            if with_reason
            else getattr(registry, name)(tenant_id)
        )
        past = {
            "approve": "approved",
            "reject": "rejected",
            "suspend": "suspended",
            "resume": "resumed",
            "close": "closed",
        }[name]
        report_tx(as_json, result, f"tenant {tenant_id} {past}")

    command.__doc__ = doc
    if with_reason:
        command = click.option(
            "--reason",
            type=UINT32,
            default=0,
            show_default=True,
            help="Platform-defined reason code.",
        )(command)
    tenant.command(name)(command)


_tenant_action("approve", "Approve a Pending tenant (platform admin).", False)
_tenant_action("reject", "Reject a Pending tenant (platform admin).", True)
_tenant_action("suspend", "Suspend an Active tenant (platform admin).", True)
_tenant_action("resume", "Resume a Suspended tenant (platform admin).", True)
_tenant_action("close", "Close a tenant for good (its owner).", False)


@tenant.command("grant-operator")
@click.argument("tenant_id", type=TENANT_ID)
@click.argument("operator", metavar="ADDRESS")
@click.option(
    "--for",
    "duration",
    type=DURATION,
    default="30d",
    show_default=True,
    help="How long the grant lasts (e.g. 12h, 30d).",
)
@account_option
@tx_json_option
@pass_env
def tenant_grant_operator(
    env: Env, tenant_id: int, operator: str, duration: int, account: str | None, as_json: bool
) -> None:
    """Let ADDRESS act for the tenant until the grant expires (tenant owner)."""
    from offchain.chain.client import parse_address

    client = env.client(account)
    now = int(env.w3().eth.get_block("latest")["timestamp"])
    result = client.registry.grant_operator(
        tenant_id, parse_address(operator, "operator"), now + duration
    )
    report_tx(
        as_json,
        result,
        f"operator {operator} granted on tenant {tenant_id} until {show_time(now + duration)}",
    )


@tenant.command("revoke-operator")
@click.argument("tenant_id", type=TENANT_ID)
@click.argument("operator", metavar="ADDRESS")
@account_option
@tx_json_option
@pass_env
def tenant_revoke_operator(
    env: Env, tenant_id: int, operator: str, account: str | None, as_json: bool
) -> None:
    """Revoke an operator (tenant owner)."""
    from offchain.chain.client import parse_address

    result = env.client(account).registry.revoke_operator(
        tenant_id, parse_address(operator, "operator")
    )
    report_tx(as_json, result, f"operator {operator} revoked on tenant {tenant_id}")


@tenant.command("update-metadata")
@click.argument("tenant_id", type=TENANT_ID)
@click.argument("metadata_uri")
@metadata_hash_option
@account_option
@tx_json_option
@pass_env
def tenant_update_metadata(
    env: Env,
    tenant_id: int,
    metadata_uri: str,
    metadata_hash: bytes,
    account: str | None,
    as_json: bool,
) -> None:
    """Replace the tenant's metadata URI and hash (tenant owner)."""
    result = env.client(account).registry.update_metadata(tenant_id, metadata_uri, metadata_hash)
    report_tx(as_json, result, f"tenant {tenant_id} metadata updated")


@tenant.command("transfer")
@click.argument("tenant_id", type=TENANT_ID)
@click.argument("new_owner", metavar="ADDRESS")
@account_option
@tx_json_option
@pass_env
def tenant_transfer(
    env: Env, tenant_id: int, new_owner: str, account: str | None, as_json: bool
) -> None:
    """Propose ADDRESS as the tenant's next owner, who then runs 'tenant accept' (tenant owner).

    The zero address cancels a pending proposal.
    """
    from offchain.chain.client import parse_address

    result = env.client(account).registry.propose_owner(
        tenant_id, parse_address(new_owner, "new owner")
    )
    report_tx(as_json, result, f"tenant {tenant_id}: ownership proposed to {new_owner}")


@tenant.command("accept")
@click.argument("tenant_id", type=TENANT_ID)
@account_option
@tx_json_option
@pass_env
def tenant_accept(env: Env, tenant_id: int, account: str | None, as_json: bool) -> None:
    """Accept the ownership of a tenant proposed to the signer."""
    result = env.client(account).registry.accept_ownership(tenant_id)
    report_tx(as_json, result, f"tenant {tenant_id}: ownership accepted")


@tenant.command("quota")
@click.argument("tenant_id", type=TENANT_ID)
@click.argument("resource_class", type=CLASS, metavar="CLASS")
@click.argument("max_units", type=click.IntRange(0, 2**64 - 1))
@account_option
@tx_json_option
@pass_env
def tenant_quota(
    env: Env,
    tenant_id: int,
    resource_class: bytes,
    max_units: int,
    account: str | None,
    as_json: bool,
) -> None:
    """Set the most units of CLASS (such as gpu.h100) the tenant may hold (platform admin)."""
    result = env.client(account).registry.set_quota(tenant_id, resource_class, max_units)
    report_tx(
        as_json,
        result,
        f"tenant {tenant_id} quota for {resource_class_name(resource_class)}: {max_units}",
    )


@tenant.command("policy")
@click.argument("policy", type=click.Choice(["open", "approval"]))
@account_option
@tx_json_option
@pass_env
def tenant_policy(env: Env, policy: str, account: str | None, as_json: bool) -> None:
    """Set how new tenants enter: open (Active at once) or approval (platform admin)."""
    from offchain.chain.client import RegistrationPolicy

    result = env.client(account).registry.set_registration_policy(
        RegistrationPolicy.OPEN if policy == "open" else RegistrationPolicy.APPROVAL
    )
    report_tx(as_json, result, f"registration policy: {policy}")


@cli.group()
def role() -> None:
    """Grant and revoke platform roles (provider: a platform admin; admin: the default admin)."""


def _role_bytes(name: str) -> bytes:
    from offchain.chain.client import ADMIN_ROLE, PROVIDER_ROLE

    return {"provider": PROVIDER_ROLE, "admin": ADMIN_ROLE}[name]


@role.command("grant")
@click.argument("role_name", metavar="ROLE", type=click.Choice(["provider", "admin"]))
@click.argument("address", metavar="ADDRESS")
@account_option
@tx_json_option
@pass_env
def role_grant(env: Env, role_name: str, address: str, account: str | None, as_json: bool) -> None:
    """Grant ROLE (provider: may run pools; admin: approves, suspends, sets quotas)."""
    from offchain.chain.client import parse_address

    result = env.client(account).registry.grant_role(_role_bytes(role_name), parse_address(address))
    report_tx(as_json, result, f"{role_name} role granted to {address}")


@role.command("revoke")
@click.argument("role_name", metavar="ROLE", type=click.Choice(["provider", "admin"]))
@click.argument("address", metavar="ADDRESS")
@account_option
@tx_json_option
@pass_env
def role_revoke(env: Env, role_name: str, address: str, account: str | None, as_json: bool) -> None:
    """Revoke ROLE from ADDRESS."""
    from offchain.chain.client import parse_address

    result = env.client(account).registry.revoke_role(
        _role_bytes(role_name), parse_address(address)
    )
    report_tx(as_json, result, f"{role_name} role revoked from {address}")


# ------------------------------------------------------------------------------------ pool


@cli.group()
def pool() -> None:
    """Create and run capacity pools (LeaseMarket, providers)."""


@pool.command("create")
@click.argument("resource_class", type=CLASS, metavar="CLASS")
@click.option("--capacity", type=click.IntRange(1, 2**32 - 1), required=True, help="Units offered.")
@click.option(
    "--price",
    type=AMOUNT,
    required=True,
    help="Price of one unit for one second (wei, or e.g. 2gwei).",
)
@click.option(
    "--min", "min_duration", type=DURATION, default="1h", show_default=True, help="Shortest lease."
)
@click.option(
    "--max", "max_duration", type=DURATION, default="30d", show_default=True, help="Longest lease."
)
@account_option
@tx_json_option
@pass_env
def pool_create(
    env: Env,
    resource_class: bytes,
    capacity: int,
    price: int,
    min_duration: int,
    max_duration: int,
    account: str | None,
    as_json: bool,
) -> None:
    """Create a pool of CLASS (such as gpu.h100) owned by the signer (provider role)."""
    result = env.client(account).market.create_pool(
        resource_class, capacity, price, min_duration, max_duration
    )
    report_tx(as_json, result, f"pool {result.created} created")


@pool.command("show")
@click.argument("pool_id", type=POOL_ID)
@json_option
@pass_env
def pool_show(env: Env, pool_id: int, as_json: bool) -> None:
    """Show one pool."""
    client = env.client()
    view = PoolOut.of(client.market.pool(pool_id))
    if as_json:
        emit_json(dump(view))
        return
    native = client.market.asset() == "0x" + "00" * 20
    show_record(
        f"pool {pool_id}",
        [
            ("status", view.status),
            ("provider", view.provider),
            ("class", view.resource_class),
            ("capacity", f"{view.allocated}/{view.capacity} allocated"),
            ("price", f"{show_amount(int(view.price_per_unit_second), native)} /unit/s"),
            (
                "durations",
                f"{show_duration(view.min_duration)} .. {show_duration(view.max_duration)}",
            ),
        ],
    )


@pool.command("list")
@json_option
@pass_env
def pool_list(env: Env, as_json: bool) -> None:
    """List every pool."""
    views = [PoolOut.of(p) for p in env.client().market.pools()]
    if as_json:
        emit_json([dump(v) for v in views])
        return
    table = listing("id", "status", "class", "allocated", "capacity", "price/unit/s", "provider")
    for v in views:
        table.add_row(
            str(v.pool_id),
            v.status,
            v.resource_class,
            str(v.allocated),
            str(v.capacity),
            v.price_per_unit_second,
            v.provider,
        )
    out.print(table)


def _pool_action(name: str, method: str, doc: str, past: str) -> None:
    @click.argument("pool_id", type=POOL_ID)
    @account_option
    @tx_json_option
    @pass_env
    def command(env: Env, pool_id: int, account: str | None, as_json: bool) -> None:
        result = getattr(env.client(account).market, method)(pool_id)
        report_tx(as_json, result, f"pool {pool_id} {past}")

    command.__doc__ = doc
    pool.command(name)(command)


_pool_action("pause", "pause_pool", "Stop new leases (the pool's provider).", "paused")
_pool_action("unpause", "unpause_pool", "Allow new leases again (the pool's provider).", "open")
_pool_action(
    "retire", "retire_pool", "Retire for good; running leases run on (provider).", "retired"
)


@pool.command("set-capacity")
@click.argument("pool_id", type=POOL_ID)
@click.argument("capacity", type=click.IntRange(1, 2**32 - 1))
@account_option
@tx_json_option
@pass_env
def pool_set_capacity(
    env: Env, pool_id: int, capacity: int, account: str | None, as_json: bool
) -> None:
    """Change capacity, never below allocated units (the pool's provider)."""
    result = env.client(account).market.set_pool_capacity(pool_id, capacity)
    report_tx(as_json, result, f"pool {pool_id} capacity: {capacity}")


@pool.command("set-price")
@click.argument("pool_id", type=POOL_ID)
@click.argument("price", type=AMOUNT)
@account_option
@tx_json_option
@pass_env
def pool_set_price(env: Env, pool_id: int, price: int, account: str | None, as_json: bool) -> None:
    """Change the price per unit-second for new leases (the pool's provider)."""
    result = env.client(account).market.set_pool_price(pool_id, price)
    report_tx(as_json, result, f"pool {pool_id} price: {price} per unit-second")


# ----------------------------------------------------------------------------------- lease


@cli.group()
def lease() -> None:
    """Open and manage leases (LeaseMarket, tenants and providers)."""


@lease.command("open")
@click.argument("tenant_id", type=TENANT_ID)
@click.argument("pool_id", type=POOL_ID)
@click.option(
    "--units",
    type=click.IntRange(1, 2**32 - 1),
    default=1,
    show_default=True,
    help="Units to hold.",
)
@click.option("--duration", type=DURATION, required=True, help="How long (e.g. 2h, 7d).")
@account_option
@tx_json_option
@pass_env
def lease_open(
    env: Env,
    tenant_id: int,
    pool_id: int,
    units: int,
    duration: int,
    account: str | None,
    as_json: bool,
) -> None:
    """Open a lease paid from the tenant's escrow (its owner or an operator)."""
    result = env.client(account).market.open_lease(tenant_id, pool_id, units, duration)
    report_tx(as_json, result, f"lease {result.created} opened")


@lease.command("show")
@click.argument("lease_id", type=LEASE_ID)
@json_option
@pass_env
def lease_show(env: Env, lease_id: int, as_json: bool) -> None:
    """Show one lease."""
    client = env.client()
    view = LeaseOut.of(client.market.lease(lease_id))
    if as_json:
        emit_json(dump(view))
        return
    remaining = client.market.remaining(lease_id)
    show_record(
        f"lease {lease_id}",
        [
            (
                "status",
                view.status + (f" ({view.close_reason})" if view.status == "Closed" else ""),
            ),
            ("tenant", str(view.tenant_id)),
            ("pool", str(view.pool_id)),
            ("units", str(view.units)),
            ("period", f"{show_time(view.start)} .. {show_time(view.end)}"),
            ("left", show_duration(remaining.seconds_left)),
            ("price/unit/s", view.price_per_unit_second),
            ("paid until", show_time(view.paid_until)),
        ],
    )


@lease.command("list")
@click.option("--tenant", "tenant_id", type=TENANT_ID, help="Only this tenant's leases.")
@click.option("--pool", "pool_id", type=POOL_ID, help="Only leases in this pool.")
@click.option(
    "--status",
    type=click.Choice(["Active", "Closed"], case_sensitive=False),
    help="Only leases with this status.",
)
@json_option
@pass_env
def lease_list(
    env: Env, tenant_id: int | None, pool_id: int | None, status: str | None, as_json: bool
) -> None:
    """List leases (from the chain's LeaseOpened logs, then each lease's current state)."""
    client = env.client()
    ids = _lease_ids(env, client, tenant_id, pool_id)
    views = [LeaseOut.of(client.market.lease(i)) for i in ids]
    if status:
        views = [v for v in views if v.status.lower() == status.lower()]
    if as_json:
        emit_json([dump(v) for v in views])
        return
    table = listing("id", "status", "reason", "tenant", "pool", "units", "start", "end")
    for v in views:
        table.add_row(
            str(v.lease_id),
            v.status,
            v.close_reason if v.status == "Closed" else "",
            str(v.tenant_id),
            str(v.pool_id),
            str(v.units),
            show_time(v.start),
            show_time(v.end),
        )
    out.print(table)


def _lease_ids(env: Env, client: Any, tenant_id: int | None, pool_id: int | None) -> list[int]:
    from offchain.chain.abi import load_abi
    from offchain.chain.decode import event_topic

    entry = next(e for e in load_abi("LeaseMarket") if e.get("name") == "LeaseOpened")
    topics: list[Any] = [hex32(event_topic(entry)), None, None, None]
    if tenant_id is not None:
        topics[2] = "0x" + tenant_id.to_bytes(32, "big").hex()
    if pool_id is not None:
        topics[3] = "0x" + pool_id.to_bytes(32, "big").hex()
    while topics[-1] is None:
        topics.pop()
    start = env.manifest().contracts["LeaseMarket"].deploy_block
    end = int(env.w3().eth.block_number)
    logs = _logs_in_ranges(
        env.rpc, {"address": client.addresses.market, "topics": topics}, start, end
    )
    return sorted({int(log["topics"][1], 16) for log in logs})


LOG_RANGE_BLOCKS = 10_000  # blocks per eth_getLogs; halved where a node refuses a range


def _logs_in_ranges(rpc: str, query: dict[str, Any], start: int, end: int) -> list[Any]:
    """``eth_getLogs`` of ``start..end`` in bounded ranges, halving any range the node refuses."""
    from offchain.chain.rpc import RpcClient

    node = RpcClient(rpc, attempts=3)
    found: list[Any] = []
    pending = [
        (a, min(a + LOG_RANGE_BLOCKS - 1, end)) for a in range(start, end + 1, LOG_RANGE_BLOCKS)
    ]
    pending.reverse()
    try:
        while pending:
            low, high = pending.pop()
            try:
                found += node.call(
                    "eth_getLogs", [{**query, "fromBlock": hex(low), "toBlock": hex(high)}]
                )
            except RangeTooLargeError:
                if low == high:
                    raise
                middle = (low + high) // 2
                pending += [(middle + 1, high), (low, middle)]
    finally:
        node.close()
    return found


def _lease_action(name: str, method: str, doc: str, past: str) -> None:
    @click.argument("lease_id", type=LEASE_ID)
    @account_option
    @tx_json_option
    @pass_env
    def command(
        env: Env, lease_id: int, account: str | None, as_json: bool, reason: int = 0
    ) -> None:
        market = env.client(account).market
        result = (
            market.terminate_lease(lease_id, reason)
            if name == "terminate"
            else getattr(market, method)(lease_id)
        )
        report_tx(as_json, result, f"lease {lease_id} {past}")

    command.__doc__ = doc
    if name == "terminate":
        command = click.option(
            "--reason",
            type=UINT32,
            default=0,
            show_default=True,
            help="Provider- or admin-defined reason code.",
        )(command)
    lease.command(name)(command)


_lease_action(
    "release", "release_lease", "End a running lease early (tenant owner or operator).", "released"
)
_lease_action(
    "terminate",
    "terminate_lease",
    "End a lease as its pool's provider or a platform admin.",
    "terminated",
)


@lease.command("extend")
@click.argument("lease_id", type=LEASE_ID)
@click.option("--by", "additional", type=DURATION, required=True, help="Extra time (e.g. 1h).")
@account_option
@tx_json_option
@pass_env
def lease_extend(
    env: Env, lease_id: int, additional: int, account: str | None, as_json: bool
) -> None:
    """Extend a running lease at its locked price (tenant owner or operator)."""
    result = env.client(account).market.extend_lease(lease_id, additional)
    report_tx(as_json, result, f"lease {lease_id} extended by {show_duration(additional)}")


@lease.command("reclaim")
@click.argument("lease_ids", type=LEASE_ID, nargs=-1, required=True)
@account_option
@tx_json_option
@pass_env
def lease_reclaim(env: Env, lease_ids: tuple[int, ...], account: str | None, as_json: bool) -> None:
    """Close expired leases (or leases of closed tenants) and free their units (anyone)."""
    result = env.client(account).market.reclaim(list(lease_ids))
    closed = [e.args["leaseId"] for e in result.events if e.name == "LeaseClosed"]
    report_tx(as_json, result, f"reclaimed {len(closed)} lease(s): {', '.join(map(str, closed))}")


# ---------------------------------------------------------------------------------- escrow


@cli.group()
def escrow() -> None:
    """A tenant's escrow in the lease market."""


@escrow.command("deposit")
@click.argument("tenant_id", type=TENANT_ID)
@click.argument("amount", type=AMOUNT)
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
@click.argument("amount", type=AMOUNT)
@click.option("--to", "recipient", metavar="ADDRESS", help="Recipient. Default: the signer.")
@account_option
@tx_json_option
@pass_env
def escrow_withdraw(
    env: Env, tenant_id: int, amount: int, recipient: str | None, account: str | None, as_json: bool
) -> None:
    """Withdraw free escrow (tenant owner)."""
    from offchain.chain.client import parse_address

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


@cli.group()
def earnings() -> None:
    """Providers' earnings."""


@earnings.command("show")
@click.argument("provider", metavar="ADDRESS")
@json_option
@pass_env
def earnings_show(env: Env, provider: str, as_json: bool) -> None:
    """What ADDRESS can claim now."""
    from offchain.chain.client import parse_address

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


# ---------------------------------------------------------------------------------- anchor


@cli.command("anchor")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option(
    "--tenant",
    "tenant_id",
    type=TENANT_ID,
    required=True,
    help="Tenant the anchor is attributed to.",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where to write the proof bundles of a directory. Default: PATH.bundles/",
)
@click.option("--uri", default="", help="Where the batch can be found (stored on chain).")
@click.option(
    "--algorithm",
    type=click.Choice(["sha256", "keccak256"]),
    default="sha256",
    show_default=True,
    help="How each file is hashed into its leaf.",
)
@account_option
@click.option(
    "--json", "as_json", is_flag=True, help="Print the report (root, tx, bundles) as JSON."
)
@pass_env
def anchor_cmd(
    env: Env,
    path: Path,
    tenant_id: int,
    out_dir: Path | None,
    uri: str,
    algorithm: str,
    account: str | None,
    as_json: bool,
) -> None:
    """Anchor a file, or every file under a directory as one Merkle batch.

    A file is anchored alone: its digest goes on chain ('leasehold verify FILE' checks it). A
    directory's files are hashed (with a progress bar), put in a Merkle tree whose root is
    anchored, and one proof bundle per file is written to --out, atomically, with the tree as
    tree.json. Running it again after an interruption writes the missing bundles without
    anchoring twice.
    """
    from offchain.anchoring.files import anchor_directory, anchor_file

    client = env.client(account)
    if path.is_dir():
        report = anchor_directory(
            client,
            env.chain_id(),
            path,
            tenant_id,
            out_dir,
            uri,
            algorithm,
            show_progress=not as_json,
            console=err,
        )
    else:
        report = anchor_file(client, path, tenant_id, algorithm)
    if as_json:
        emit_json(report)
        return
    if report["kind"] == "digest":
        verb = "was already anchored" if report["already"] else "anchored"
        out.print(
            f"{path} {verb}: digest {report['digest']} (tenant {tenant_id}, "
            f"block {report['blockNumber']})"
        )
    else:
        verb = "was already anchored" if report["already"] else "anchored"
        out.print(
            f"{report['count']} files {verb} as root {report['root']} "
            f"(tenant {tenant_id}, block {report['blockNumber']})"
        )
        out.print(f"{len(report['bundles'])} proof bundles in {report['out']}")


@cli.command("verify")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--bundle",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The file's proof bundle (for a file anchored in a batch).",
)
@click.option(
    "--offline",
    is_flag=True,
    help="Check the file against the bundle's proof only, without the chain.",
)
@click.option("--allow-revoked", is_flag=True, help="Succeed even if the anchor was revoked.")
@click.option(
    "--algorithm",
    type=click.Choice(["sha256", "keccak256"]),
    default="sha256",
    show_default=True,
    help="Digest of a file anchored alone (bundles name theirs).",
)
@json_option
@pass_env
def verify_cmd(
    env: Env,
    path: Path,
    bundle: Path | None,
    offline: bool,
    allow_revoked: bool,
    algorithm: str,
    as_json: bool,
) -> None:
    """Check that PATH was anchored: with --bundle for a batch member, else as a digest."""
    from offchain.anchoring.files import verify_file

    report = verify_file(
        env, path, bundle, offline=offline, allow_revoked=allow_revoked, algorithm=algorithm
    )
    if as_json:
        emit_json(report)
    else:
        out.print(report["message"])
    if not report["verified"]:
        sys.exit(EXIT_UNVERIFIED)


@cli.group()
def anchors() -> None:
    """Look up and revoke anchors (DataAnchor)."""


@anchors.command("show")
@click.argument("digest", type=HASH)
@json_option
@pass_env
def anchors_show(env: Env, digest: bytes, as_json: bool) -> None:
    """Show the anchor under DIGEST (a file digest or a batch root)."""
    view = AnchorOut.of(env.client().anchor.record(digest))
    if as_json:
        emit_json(dump(view))
        return
    show_record(
        f"anchor {view.digest}",
        [
            ("kind", f"batch of {view.count}" if view.kind == "batch" else "single digest"),
            ("tenant", str(view.tenant_id)),
            ("anchored", f"{show_time(view.timestamp)} (block {view.block_number})"),
            (
                "revoked",
                f"{show_time(view.revoked_at)} (reason {view.revoke_reason})"
                if view.revoked_at
                else "no",
            ),
        ],
    )


@anchors.command("revoke")
@click.argument("digest", type=HASH)
@click.option(
    "--reason", type=UINT32, default=0, show_default=True, help="Tenant-defined reason code."
)
@account_option
@tx_json_option
@pass_env
def anchors_revoke(
    env: Env, digest: bytes, reason: int, account: str | None, as_json: bool
) -> None:
    """Revoke the anchor under DIGEST; its record stays (tenant owner or operator)."""
    result = env.client(account).anchor.revoke(digest, reason)
    report_tx(as_json, result, f"anchor {hex32(digest)} revoked")


# ---------------------------------------------------------------------------------- mirror


@cli.group()
def mirror() -> None:
    """Follow the deployment into memory and serve it (the off-chain mirror and its API)."""


@dataclass(frozen=True, slots=True)
class MirrorOptions:
    """How a mirror command follows the chain (the options every ``mirror`` command shares)."""

    snapshot: Path | None
    fallback_rpcs: tuple[str, ...]
    finality: str
    confirmations: int


def _mirror_options(fn: F) -> F:
    """Add the shared follow options and pass them to the command as ``follow``."""

    @functools.wraps(fn)
    def command(
        *args: Any,
        snapshot: Path | None,
        fallback_rpc: tuple[str, ...],
        finality: str,
        confirmations: int,
        **kwargs: Any,
    ) -> Any:
        follow = MirrorOptions(snapshot, tuple(fallback_rpc), finality, confirmations)
        return fn(*args, follow=follow, **kwargs)

    options = [
        click.option(
            "--snapshot",
            type=click.Path(dir_okay=False, path_type=Path),
            help="SQLite snapshot file to resume from and keep up to date.",
        ),
        click.option(
            "--fallback-rpc",
            multiple=True,
            metavar="URL",
            help="Another JSON-RPC endpoint of the same chain, used when --rpc fails (repeatable; "
            "tried in order).",
        ),
        click.option(
            "--finality",
            type=click.Choice(["auto", "finalized", "safe", "depth"]),
            default="auto",
            show_default=True,
            help="What counts as final: the node's 'finalized' or 'safe' block, or --confirmations "
            "below the head (auto: finalized, else safe, else depth).",
        ),
        click.option(
            "--confirmations",
            type=click.IntRange(min=0),
            default=12,
            show_default=True,
            help="Blocks below the head that count as final when the node has no finality tags.",
        ),
    ]
    wrapped: Any = command
    for option in reversed(options):
        wrapped = option(wrapped)
    return cast(F, wrapped)


def _build_mirror(
    env: Env,
    follow: MirrorOptions,
    ws: str | None = None,
    poll_interval: float = 1.0,
    audit_interval: float | None = None,
) -> Any:
    """A mirror of the deployment; ``ws`` is a websocket URL, "auto" (the RPC's) or None."""
    from offchain.chain.manifest import default_path
    from offchain.mirror.follower import FollowerConfig
    from offchain.mirror.mirror import Mirror, MirrorConfig

    urls = [env.rpc, *(url for url in follow.fallback_rpcs if url != env.rpc)]
    # Start from the first endpoint that answers; the others stay behind it for failover.
    answering = (i for i, url in enumerate(urls) if devnet.rpc_chain_id(url, 5.0) is not None)
    first = next(answering, None)
    if first is None:
        raise ChainUnavailableError(" or ".join(urls))
    urls = urls[first:] + urls[:first]
    env.rpc = urls[0]
    if ws == "auto":
        ws = _ws_of(env.rpc)
    path = env.deployment or default_path(env.chain_id())
    config = MirrorConfig(
        follower=FollowerConfig(
            poll_interval=poll_interval,
            finality=follow.finality,
            confirmations=follow.confirmations,
        ),
        snapshot_path=follow.snapshot,
        audit_interval=audit_interval,
    )
    env.manifest()  # a clear error for a missing or stale manifest before any thread starts
    return Mirror.from_manifest(path, urls, ws_url=ws, config=config)


def _mirror_json(m: Any) -> dict[str, Any]:
    view = m.view()
    return {
        "block": view.number,
        "blockHash": view.block_hash,
        "counts": m.state.counts(),
        "digest": m.state.digest(),
    }


@mirror.command("sync")
@_mirror_options
@click.option(
    "--timeout",
    type=click.FloatRange(min=1),
    default=600,
    show_default=True,
    help="Give up after this many seconds.",
)
@json_option
@pass_env
def mirror_sync(env: Env, follow: MirrorOptions, timeout: float, as_json: bool) -> None:
    """Catch up with the chain's head once, check the journal heads, save the snapshot."""
    m = _build_mirror(env, follow)
    try:
        m.sync(timeout=timeout)
        check = m.check_journal()
    finally:
        m.stop()
    report = {**_mirror_json(m), "journal": {"ok": check.ok, "description": check.describe()}}
    if as_json:
        emit_json(report)
    else:
        counts = ", ".join(f"{v} {k}" for k, v in report["counts"].items() if v)
        out.print(f"mirror at block {report['block']}: {counts}")
        out.print(check.describe())
    if not check.ok:
        sys.exit(EXIT_UNVERIFIED)


@mirror.command("audit")
@_mirror_options
@click.option(
    "--sample", type=click.IntRange(min=1), help="Check this many random entries instead of all."
)
@click.option("--seed", type=int, help="Seed for --sample (reproducible audits).")
@json_option
@pass_env
def mirror_audit(
    env: Env, follow: MirrorOptions, sample: int | None, seed: int | None, as_json: bool
) -> None:
    """Sync, then compare every mirrored entry with the contracts' views at the same block."""
    m = _build_mirror(env, follow)
    try:
        m.sync()
        check = m.check_journal()
        report = m.audit(sample=sample, seed=seed)
    finally:
        m.stop()
    if as_json:
        emit_json(
            {
                "block": report.block_number,
                "journalOk": check.ok,
                "checked": report.checked,
                "divergences": [str(d) for d in report.divergences],
                "ok": report.ok and check.ok,
                "error": report.error or None,
            }
        )
    else:
        out.print(check.describe())
        out.print(report.describe())
        for divergence in report.divergences[:20]:
            out.print(f"  {divergence}")
    if not (report.ok and check.ok):
        sys.exit(EXIT_UNVERIFIED)


@mirror.command("serve")
@_mirror_options
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option(
    "--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help="HTTP port."
)
@click.option(
    "--ws",
    default="auto",
    show_default=True,
    metavar="URL|auto|none",
    help="Websocket endpoint for new heads (auto: the RPC's host and port over ws://).",
)
@click.option(
    "--poll-interval",
    type=click.FloatRange(min=0.01),
    default=1.0,
    show_default=True,
    help="Seconds between looks at the chain when no websocket pushes heads.",
)
@click.option(
    "--audit-interval",
    type=click.FloatRange(min=1),
    help="Audit a random sample of entries every this many seconds.",
)
@pass_env
def mirror_serve(
    env: Env,
    follow: MirrorOptions,
    host: str,
    port: int,
    ws: str,
    poll_interval: float,
    audit_interval: float | None,
) -> None:
    """Run the mirror and serve its HTTP API (OpenAPI at /docs) until interrupted."""
    import uvicorn

    from offchain.api.app import create_app

    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(message)s")
    m = _build_mirror(env, follow, None if ws == "none" else ws, poll_interval, audit_interval)
    app = create_app(m)
    # Checked here, before the mirror starts: a port in use is one error line, and --port 0 can
    # report the port the system chose. uvicorn then binds it itself: serving a socket handed to
    # it (Server.run(sockets=...)) answered each request some 40 ms late (measured).
    bound = _free_to_listen(host, port)
    m.start()
    err.print(
        f"mirror of chain {env.chain_id()} serving on http://{_url_host(host)}:{bound} "
        f"(OpenAPI: /docs, events: /events, metrics: /metrics)"
    )
    try:
        uvicorn.run(app, host=host, port=bound, log_level="warning", access_log=False)
    finally:
        m.stop()


def _free_to_listen(host: str, port: int) -> int:
    """``port``, or the one the system picks for 0, after checking it can be bound on ``host``."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise click.ClickException(f"cannot listen on {host}:{port}: {exc.strerror}") from None
        return int(probe.getsockname()[1])


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _ws_of(rpc: str) -> str | None:
    if rpc.startswith("http://"):
        return "ws://" + rpc.removeprefix("http://")
    if rpc.startswith("https://"):
        return "wss://" + rpc.removeprefix("https://")
    return None


@mirror.command("status")
@click.option(
    "--api",
    default="http://127.0.0.1:8000",
    show_default=True,
    metavar="URL",
    envvar="LEASEHOLD_API",
    help="The running mirror API to ask.",
)
@json_option
def mirror_status(api: str, as_json: bool) -> None:
    """Ask a running mirror API where it is and whether it agrees with the chain."""
    data = _api_get(api, "/status")
    if as_json:
        emit_json(data)
        return
    journal = data.get("journal") or {}
    audit = data.get("audit") or {}
    show_record(
        "mirror",
        [
            ("phase", str(data["phase"])),
            ("chain", str(data["chainId"])),
            ("block", f"{data['block']} (head {data['head']}, lag {data['lag']})"),
            ("events", str(data["eventsApplied"])),
            ("rpc", str(data["rpc"])),
            ("journal", str(journal.get("description", "not checked yet"))),
            ("audit", str(audit.get("description", "not audited yet"))),
            ("last error", str(data.get("lastError") or "-")),
        ],
    )


def _api_get(api: str, path: str) -> Any:
    import requests

    url = api.rstrip("/") + path
    try:
        response = requests.get(url, timeout=10)
    except requests.exceptions.RequestException:
        raise ApiUnavailableError(api) from None
    if response.status_code != 200:
        raise ApiUnavailableError(api, f"HTTP {response.status_code}: {response.text[:200]}")
    return response.json()


# ---------------------------------------------------------------------------------- errors


def _exit_code(exc: BaseException) -> int:
    if isinstance(
        exc, ChainUnavailableError | RpcUnavailableError | ManifestError | ApiUnavailableError
    ):
        return EXIT_CHAIN
    if isinstance(
        exc, UnknownTenantError | UnknownPoolError | UnknownLeaseError | UnknownAnchorError
    ):
        return EXIT_NOT_FOUND
    if isinstance(exc, ContractRevertError):
        return EXIT_REVERTED
    if isinstance(exc, BundleVerificationError):
        return EXIT_UNVERIFIED
    if isinstance(exc, InvalidValueError | BundleFormatError | NoSignerError):
        return EXIT_USAGE
    if isinstance(exc, DevnetError):
        return EXIT_ERROR
    return EXIT_ERROR


def _fail(message: str, code: int) -> NoReturn:
    err.print(f"[bold red]error:[/bold red] {message}", highlight=False, markup=True)
    sys.exit(code)


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def main(argv: Sequence[str] | None = None) -> None:
    """Console entry point: run the CLI, turning every failure into one line and an exit code."""
    debug = os.environ.get("LEASEHOLD_DEBUG") == "1"
    # The library logs retries and recoveries; a one-shot command reports its outcome in one line
    # instead ('mirror serve' turns logging on for the long-running process).
    logging.getLogger("offchain").addHandler(logging.NullHandler())
    try:
        cli.main(
            args=list(argv) if argv is not None else None,
            prog_name="leasehold",
            standalone_mode=False,
        )
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.UsageError as exc:
        where = exc.ctx.command_path if exc.ctx is not None else "leasehold"
        _fail(f"{_one_line(exc.format_message())} (see '{where} --help')", EXIT_USAGE)
    except click.exceptions.Abort:
        _fail("aborted", 130)
    except click.ClickException as exc:
        _fail(_one_line(exc.format_message()), exc.exit_code or EXIT_ERROR)
    except LeaseholdError as exc:
        if debug:
            raise
        _fail(_one_line(str(exc)), _exit_code(exc))
    except KeyboardInterrupt:
        _fail("interrupted", 130)
    except BrokenPipeError:
        sys.stderr.close()  # the reader went away (| head): nothing more to say
        sys.exit(EXIT_ERROR)
    except Exception as exc:
        if debug:
            raise
        if is_connection_error(exc):  # before OSError: requests' connection errors are OSErrors
            _fail(_one_line(str(ChainUnavailableError(env_rpc()))), EXIT_CHAIN)
        if isinstance(exc, OSError):
            what = f"{exc.strerror or exc}" + (f": {exc.filename}" if exc.filename else "")
            _fail(_one_line(what), EXIT_ERROR)
        _fail(
            f"unexpected {type(exc).__name__}: {_one_line(str(exc))} "
            "(rerun with LEASEHOLD_DEBUG=1 for the traceback)",
            EXIT_ERROR,
        )


def env_rpc() -> str:
    """The RPC URL the failed command used (best effort, for the error line)."""
    ctx = click.get_current_context(silent=True)
    env = ctx.find_object(Env) if ctx is not None else None
    return env.rpc if env is not None else os.environ.get("LEASEHOLD_RPC", DEFAULT_RPC)

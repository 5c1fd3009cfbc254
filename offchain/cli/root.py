"""``leasehold``: the command line of the Leasehold control plane (click + rich).

Reads go to the chain through :mod:`offchain.chain.client` (or to the mirror for ``mirror ...``);
writes sign with ``--account``. Every read takes ``--json`` and prints the same JSON the HTTP API
serves. Errors print one line on stderr and exit non-zero (see ``leasehold --help`` for the codes);
set ``LEASEHOLD_DEBUG=1`` to see the traceback instead.

This module is the root group and :func:`main`; each command group is a module of its own
(:mod:`offchain.cli.tenant`, :mod:`offchain.cli.lease`, ...) over the shared helpers in
:mod:`offchain.cli._env`, :mod:`offchain.cli._params` and :mod:`offchain.cli._output`."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

import click

from offchain import __version__
from offchain.cli._env import DEFAULT_RPC, Env, check_rpc_url
from offchain.cli._exits import (
    EXIT_CHAIN,
    EXIT_ERROR,
    EXIT_NOT_FOUND,
    EXIT_PENDING,
    EXIT_REVERTED,
    EXIT_UNVERIFIED,
    EXIT_USAGE,
)
from offchain.cli._group import LazyCommand, LazyGroup
from offchain.exceptions import (
    ApiUnavailableError,
    BundleFormatError,
    BundleVerificationError,
    ChainUnavailableError,
    ContractRevertError,
    DevnetError,
    InsufficientFundsError,
    InvalidValueError,
    LeaseholdError,
    ManifestError,
    NoSignerError,
    RpcUnavailableError,
    TransactionPendingError,
    UnknownAnchorError,
    UnknownLeaseError,
    UnknownPoolError,
    UnknownStatementError,
    UnknownTenantError,
)

#: Every command: where it lives and its help's first paragraph (its line in 'leasehold --help';
#: a test keeps each equal to the command's own help). Modules are imported when a command runs.
COMMANDS = {
    name: LazyCommand(f"offchain.cli.{target}", summary)
    for name, target, summary in [
        ("chain", "chain:chain", "Run a local Anvil devnet in the background."),
        (
            "deploy",
            "deploy:deploy",
            "Deploy TenantRegistry, DataAnchor and LeaseMarket to --rpc and write the manifest.",
        ),
        ("tenant", "tenant:tenant", "Register and manage tenants (TenantRegistry)."),
        (
            "role",
            "role:role",
            "Grant and revoke platform roles (provider: a platform admin; admin: the default "
            "admin).",
        ),
        (
            "pool",
            "pool:pool",
            "Create and run capacity pools (LeaseMarket, providers and platform admins).",
        ),
        ("lease", "lease:lease", "Open and manage leases (LeaseMarket, tenants and providers)."),
        ("escrow", "escrow:escrow", "A tenant's escrow in the lease market."),
        ("earnings", "earnings:earnings", "Providers' earnings."),
        (
            "provider",
            "provider:provider",
            "A provider's payout address and the handover of its pools (LeaseMarket, providers).",
        ),
        (
            "anchor",
            "anchor:anchor_cmd",
            "Anchor a file, or every file under a directory as one Merkle batch.",
        ),
        (
            "verify",
            "anchor:verify_cmd",
            "Check that PATH was anchored: with its --bundle (hiding or plain), else as a plain "
            "digest.",
        ),
        ("anchors", "anchor:anchors", "Look up and revoke anchors (DataAnchor)."),
        (
            "usage",
            "usage:usage",
            "Metered usage: statements, their records' proofs, disputes and budgets (UsageLedger).",
        ),
        (
            "invoice",
            "invoice:invoice",
            "A tenant's time charges and usage lines for a period, read from the chain at one "
            "block.",
        ),
        (
            "mirror",
            "mirror:mirror",
            "Follow the deployment into memory and serve it (the off-chain mirror and its API).",
        ),
    ]
}

EPILOG = f"""\b
Exit status:
  0  success
  {EXIT_ERROR}  error (message on stderr)
  {EXIT_USAGE}  bad usage or a malformed value (id, hash, amount, file)
  {EXIT_CHAIN}  no chain at --rpc, or no deployment on it
  {EXIT_NOT_FOUND}  no such tenant, pool, lease, anchor or usage statement
  {EXIT_REVERTED}  the chain refused: a revert (the custom error is printed with its
     arguments), or a transaction the signer cannot pay for (insufficient funds)
  {EXIT_UNVERIFIED}  a file or bundle does not verify
  {EXIT_PENDING}  the transaction was sent but not mined within --timeout (its hash is printed)
\b
Environment: LEASEHOLD_RPC, LEASEHOLD_DEPLOYMENT, LEASEHOLD_ACCOUNT, LEASEHOLD_PRIVATE_KEY,
LEASEHOLD_PASSWORD (keystore accounts), LEASEHOLD_TIMEOUT (--timeout of writes), LEASEHOLD_API
(mirror status), LEASEHOLD_DEVNET_DIR (where 'chain up' keeps its record), LEASEHOLD_DEBUG=1
(tracebacks).
"""


class _Group(LazyGroup):
    """The root group: commands load on first use (:class:`LazyGroup`); a node that stops
    answering mid-command is reported with the URL in use."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (LeaseholdError, click.exceptions.Exit, click.ClickException):
            raise  # ours, or click's (a sub-command's --help ends with Exit): no node involved
        except Exception as exc:
            from offchain.chain.errors import is_connection_error

            env = ctx.find_object(Env)
            if env is not None and is_connection_error(exc):
                raise ChainUnavailableError(env.rpc) from exc
            raise


@click.group(
    cls=_Group,
    lazy=COMMANDS,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    epilog=EPILOG,
)
@click.option(
    "--rpc",
    envvar="LEASEHOLD_RPC",
    default=DEFAULT_RPC,
    show_default=True,
    metavar="URL",
    callback=check_rpc_url,
    help="JSON-RPC endpoint of the chain (http:// or https://).",
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


# ---------------------------------------------------------------------------------- errors


def _exit_code(exc: BaseException) -> int:
    if isinstance(
        exc, ChainUnavailableError | RpcUnavailableError | ManifestError | ApiUnavailableError
    ):
        return EXIT_CHAIN
    if isinstance(
        exc,
        UnknownTenantError
        | UnknownPoolError
        | UnknownLeaseError
        | UnknownAnchorError
        | UnknownStatementError,
    ):
        return EXIT_NOT_FOUND
    if isinstance(exc, ContractRevertError | InsufficientFundsError):
        return EXIT_REVERTED
    if isinstance(exc, TransactionPendingError):
        return EXIT_PENDING
    if isinstance(exc, BundleVerificationError):
        return EXIT_UNVERIFIED
    if isinstance(exc, InvalidValueError | BundleFormatError | NoSignerError):
        return EXIT_USAGE
    if isinstance(exc, DevnetError):
        return EXIT_ERROR
    return EXIT_ERROR


def _fail(message: str, code: int) -> NoReturn:
    from offchain.cli._output import err

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
        from offchain.chain.errors import is_connection_error

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

"""``leasehold mirror``: follow the deployment into memory, audit it, serve its HTTP API."""

from __future__ import annotations

import functools
import logging
import socket
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar, cast

import click

from offchain.chain import devnet
from offchain.cli._env import Env, pass_env
from offchain.cli._output import EXIT_UNVERIFIED, emit_json, err, json_option, out, show_record
from offchain.exceptions import ApiUnavailableError, ChainUnavailableError

F = TypeVar("F", bound=Callable[..., Any])


@click.group()
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
    from offchain.mirror.follow_types import FollowerConfig
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
@click.option(
    "--max-lag-blocks",
    type=click.IntRange(min=0),
    default=16,
    show_default=True,
    help="GET /health answers 503 when the mirror is more blocks than this behind the chain's "
    "head as last seen.",
)
@click.option(
    "--max-lag-seconds",
    type=click.FloatRange(min=0),
    default=60.0,
    show_default=True,
    help="GET /health answers 503 when the mirror last saw itself at the chain's head longer ago "
    "than this (the node unreachable, the follower stuck).",
)
@click.option(
    "--max-body",
    type=click.IntRange(min=0),
    default=1024 * 1024,
    show_default=True,
    metavar="BYTES",
    help="Request bodies larger than this get a 413 (POST /proofs/verify).",
)
@click.option(
    "--cors-origin",
    "cors_origins",
    multiple=True,
    metavar="ORIGIN",
    help="Let pages of this origin (e.g. https://ops.example.com; * for any) read the API from a "
    "browser. Repeatable. Default: none.",
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
    max_lag_blocks: int,
    max_lag_seconds: float,
    max_body: int,
    cors_origins: tuple[str, ...],
) -> None:
    """Run the mirror and serve its HTTP API (OpenAPI at /docs) until SIGINT or SIGTERM (both
    write a final snapshot and end the event streams)."""
    from offchain.api.app import create_app
    from offchain.api.server import serve

    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(message)s")
    m = _build_mirror(env, follow, None if ws == "none" else ws, poll_interval, audit_interval)
    m.config.max_lag_blocks, m.config.max_lag_seconds = max_lag_blocks, max_lag_seconds
    app = create_app(m, max_body=max_body, cors_origins=cors_origins)
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
        stopped_by = serve(app, host, bound)
    finally:
        m.stop()
    if stopped_by is not None:
        snapshot = m.store.last if m.store is not None else None
        saved = f", snapshot at block {snapshot.block_number}" if snapshot is not None else ""
        err.print(f"mirror stopped by {stopped_by}{saved}")


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
            ("at head", _ago(data.get("lagSeconds"))),
            ("events", str(data["eventsApplied"])),
            ("rpc", str(data["rpc"])),
            ("journal", str(journal.get("description", "not checked yet"))),
            ("audit", str(audit.get("description", "not audited yet"))),
            ("last error", str(data.get("lastError") or "-")),
        ],
    )


def _ago(seconds: float | None) -> str:
    if seconds is None or seconds < 0:
        return "not yet"
    return f"{seconds:.1f} s ago"


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

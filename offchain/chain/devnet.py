"""A local Anvil devnet: start it in the background, wait until it answers, stop it.

Anvil comes from the pinned npm package (``node_modules/.bin/anvil``, installed by ``make setup``).
A started devnet is recorded in ``<run dir>/anvil.json`` (pid, URL, chain id, state file, log), so
``leasehold chain down`` in another process finds and stops exactly the process it started. With a
state file, Anvil loads it at start and writes it back on a clean stop (and every few seconds), so
a devnet can be stopped and resumed with its contracts and history.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from offchain.exceptions import DevnetError

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_RUN_DIR = ROOT / ".leasehold" / "devnet"
DEFAULT_PORT = 8545
DEFAULT_CHAIN_ID = 31337
#: Anvil's default mnemonic: the same accounts as ape's test accounts.
MNEMONIC = "test test test test test test test test test test test junk"
_RECORD = "anvil.json"
_LOG = "anvil.log"


@dataclass(frozen=True, slots=True)
class Devnet:
    """A running Anvil process as recorded when it was started."""

    pid: int
    host: str
    port: int
    chain_id: int
    state: str | None
    log: str
    started_at: float

    @property
    def url(self) -> str:
        """The JSON-RPC endpoint."""
        return f"http://{self.host}:{self.port}"


def dev_account(index: int) -> Any:
    """The ``index``-th account of :data:`MNEMONIC` (an ``eth_account`` ``LocalAccount``)."""
    from eth_account import Account

    Account.enable_unaudited_hdwallet_features()
    return Account.from_mnemonic(MNEMONIC, account_path=f"m/44'/60'/0'/0/{index}")


def anvil_executable(root: Path = ROOT) -> Path:
    """The Anvil binary: the pinned npm package's, else one on ``PATH``.

    Raises:
        DevnetError: Anvil is not installed.
    """
    local = root / "node_modules" / ".bin" / "anvil"
    if local.exists():
        return local
    found = shutil.which("anvil")
    if found:
        return Path(found)
    raise DevnetError("anvil is not installed (node_modules/.bin/anvil): run 'make setup'")


def run_dir() -> Path:
    """Where the devnet record and log live (``LEASEHOLD_DEVNET_DIR`` overrides)."""
    override = os.environ.get("LEASEHOLD_DEVNET_DIR")
    return Path(override) if override else DEFAULT_RUN_DIR


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def rpc_chain_id(url: str, timeout: float = 1.0) -> int | None:
    """The chain id a node at ``url`` reports, or None when nothing answers JSON-RPC there.

    A probe, expected to fail while a node starts: one plain request, no retries, no log lines
    (:class:`offchain.chain.rpc.RpcClient` retries and logs each failure, as a follower should).
    """
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []}).encode()
    request = urllib.request.Request(
        url, data=body, headers={"Content-Type": "application/json"}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return int(json.loads(response.read())["result"], 16)
    except (OSError, ValueError, KeyError, TypeError, urllib.error.URLError):
        return None


def _port_in_use(host: str, port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def _alive(pid: int) -> bool:
    """True when ``pid`` is a live Anvil process (a recycled pid of another program is not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return False
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        status = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True  # no /proc (macOS): trust the signal check
    if status.split(") ", 1)[-1].startswith("Z"):
        return False  # exited, waiting for its parent to reap it
    return b"anvil" in cmdline


def _write_record(directory: Path, devnet: Devnet) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".anvil.", suffix=".tmp", dir=directory)
    with os.fdopen(fd, "w") as stream:
        json.dump(asdict(devnet), stream, indent=2)
    os.replace(tmp, directory / _RECORD)


def running(directory: Path | None = None) -> Devnet | None:
    """The devnet recorded in ``directory`` if it still runs (a stale record is removed)."""
    directory = directory or run_dir()
    record = directory / _RECORD
    try:
        data = json.loads(record.read_text())
        devnet = Devnet(**data)
    except FileNotFoundError:
        return None
    except (ValueError, TypeError) as exc:
        raise DevnetError(f"{record} is not a devnet record ({exc}): delete it") from None
    if _alive(devnet.pid):
        return devnet
    record.unlink(missing_ok=True)
    return None


def start(
    *,
    port: int = DEFAULT_PORT,
    host: str = "127.0.0.1",
    chain_id: int = DEFAULT_CHAIN_ID,
    state: Path | None = None,
    directory: Path | None = None,
    timeout: float = 20.0,
) -> Devnet:
    """Start Anvil in the background and wait until it answers JSON-RPC.

    Args:
        port: TCP port (0 picks a free one).
        host: Interface to listen on.
        chain_id: Chain id to report.
        state: File to load the chain from (when it exists) and to save it to on stop.
        directory: Where to keep the record and the log (default :func:`run_dir`).
        timeout: Seconds to wait for the first answer.

    Raises:
        DevnetError: Anvil is missing, a devnet is already recorded, the port is taken, or Anvil
            exited or did not answer in time (the message quotes its log).
    """
    directory = directory or run_dir()
    existing = running(directory)
    if existing is not None:
        raise DevnetError(
            f"a devnet already runs at {existing.url} (pid {existing.pid}): "
            "stop it with 'leasehold chain down'"
        )
    executable = anvil_executable()
    port = port or free_port(host)
    if _port_in_use(host, port):
        raise DevnetError(f"port {port} on {host} is taken by another program: pass --port")
    directory.mkdir(parents=True, exist_ok=True)
    log_path = directory / _LOG
    command = [
        str(executable),
        "--host",
        host,
        "--port",
        str(port),
        "--chain-id",
        str(chain_id),
        "--mnemonic",
        MNEMONIC,
    ]
    if state is not None:
        state = state.resolve()
        state.parent.mkdir(parents=True, exist_ok=True)
        command += ["--state", str(state), "--state-interval", "5"]
    with log_path.open("wb") as log:
        # A new session: the devnet outlives the command that started it, and a Ctrl-C in that
        # terminal does not reach it.
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    devnet = Devnet(
        pid=process.pid,
        host=host,
        port=port,
        chain_id=chain_id,
        state=str(state) if state is not None else None,
        log=str(log_path),
        started_at=time.time(),
    )
    deadline = time.monotonic() + timeout
    while rpc_chain_id(devnet.url, timeout=0.5) != chain_id:
        if process.poll() is not None:
            raise DevnetError(f"anvil exited with status {process.returncode}: {_tail(log_path)}")
        if time.monotonic() > deadline:
            _terminate(process.pid, 5.0)
            raise DevnetError(f"anvil did not answer at {devnet.url} within {timeout:.0f}s")
        time.sleep(0.05)
    _write_record(directory, devnet)
    return devnet


def stop(directory: Path | None = None, timeout: float = 15.0) -> Devnet | None:
    """Stop the recorded devnet (saving its state file, if any). None when none was running."""
    directory = directory or run_dir()
    devnet = running(directory)
    if devnet is None:
        return None
    _terminate(devnet.pid, timeout)
    (directory / _RECORD).unlink(missing_ok=True)
    return devnet


def _terminate(pid: int, timeout: float) -> None:
    """SIGTERM (Anvil writes its state and exits), then SIGKILL after ``timeout``."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while _alive(pid):
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)  # reap it when we are its parent
        if time.monotonic() > deadline:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            break
        time.sleep(0.05)
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def _tail(path: Path, lines: int = 3) -> str:
    try:
        text = path.read_text(errors="replace").strip().splitlines()
    except OSError:
        return "(no log)"
    return " | ".join(text[-lines:]) or "(empty log)"


@contextlib.contextmanager
def temporary(
    *, port: int = 0, state: Path | None = None, directory: Path | None = None
) -> Iterator[Devnet]:
    """A devnet for the duration of a ``with`` block (a free port by default), then stopped.

    Raises:
        DevnetError: as :func:`start`.
    """
    directory = directory or Path(tempfile.mkdtemp(prefix="leasehold-devnet-"))
    devnet = start(port=port, state=state, directory=directory)
    try:
        yield devnet
    finally:
        stop(directory)

"""The main job: ``make demo`` (``python -m offchain.demo``).

On a fresh machine, after ``make setup``: start Anvil, deploy the three contracts, play the demo
scenario (:mod:`offchain.demo.scenario`), start the mirror and its HTTP API (``leasehold mirror
serve``), print a summary read from the API (tenants, pool utilization, leases by status,
anchors), and verify one file's proof bundle on chain, through the API and directly. Then stop
what it started, unless ``--keep-running``.

The pieces (:class:`Stack`) are what the end-to-end tests drive too.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import shlex
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click

from offchain.chain import devnet
from offchain.exceptions import BundleVerificationError, DevnetError, LeaseholdError

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_WORKDIR = ROOT / ".leasehold" / "demo"


@dataclass(slots=True)
class Stack:
    """A devnet with the contracts deployed, the scenario played and the mirror API running."""

    workdir: Path
    net: devnet.Devnet | None = None
    manifest_path: Path | None = None
    scenario: Any = None
    api_url: str = ""
    api_process: subprocess.Popen[bytes] | None = None
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def rpc(self) -> str:
        """The devnet's JSON-RPC URL."""
        if self.net is None:
            raise DevnetError("the devnet is not started")
        return self.net.url

    # -------------------------------------------------------------------------------- steps

    def start_chain(self, port: int = 0, directory: Path | None = None) -> devnet.Devnet:
        """Start Anvil (a free port by default)."""
        started = time.perf_counter()
        self.net = devnet.start(port=port, directory=directory or self.workdir / "devnet")
        self.timings["devnet"] = time.perf_counter() - started
        return self.net

    def deploy(self, *, demo_token: bool = False) -> Path:
        """Deploy the contracts with ``scripts/deploy.py`` and return the manifest's path.

        ``demo_token``: the market is paid in a test ERC-20 every development account holds,
        instead of native ETH.
        """
        started = time.perf_counter()
        self.manifest_path = deploy_contracts(
            self.rpc, self.workdir / "deployments", demo_token=demo_token
        )
        self.timings["deploy"] = time.perf_counter() - started
        return self.manifest_path

    def client(self, signer: Any = None) -> Any:
        """A web3.py client of the deployment."""
        from web3 import Web3

        from offchain.chain.client import LeaseholdClient

        if self.manifest_path is None:
            raise DevnetError("nothing is deployed yet")
        w3 = Web3(Web3.HTTPProvider(self.rpc, request_kwargs={"timeout": 60}))
        return LeaseholdClient.from_manifest(w3, self.manifest_path, signer)

    def play(self, say: Any = None) -> Any:
        """Run the demo scenario."""
        from offchain.demo import scenario as _scenario

        started = time.perf_counter()
        client = self.client()
        self.scenario = _scenario.run(
            client, client.w3.eth.chain_id, self.workdir / "files", say or (lambda _: None)
        )
        self.timings["scenario"] = time.perf_counter() - started
        return self.scenario

    def serve(self, port: int = 0, timeout: float = 60.0) -> str:
        """Start ``leasehold mirror serve`` and wait until it has caught up with the chain."""
        started = time.perf_counter()
        port = port or devnet.free_port()
        log = (self.workdir / "mirror.log").open("wb")
        command = [
            sys.executable,
            "-m",
            "offchain.cli",
            "--rpc",
            self.rpc,
            "--deployment",
            str(self.manifest_path),
            "mirror",
            "serve",
            "--port",
            str(port),
            "--snapshot",
            str(self.workdir / "mirror.sqlite"),
            "--poll-interval",
            "0.25",
        ]
        self.api_process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.api_url = f"http://127.0.0.1:{port}"
        head = _rpc_block_number(self.rpc)
        deadline = time.monotonic() + timeout
        while True:
            if self.api_process.poll() is not None:
                text = (self.workdir / "mirror.log").read_text(errors="replace").strip()
                raise DevnetError(f"the mirror API exited: {text.splitlines()[-1] if text else ''}")
            status = _get_json(self.api_url + "/status")
            if status is not None and status["phase"] == "live" and status["block"] >= head:
                break
            if time.monotonic() > deadline:
                raise DevnetError(f"the mirror API did not catch up within {timeout:.0f}s")
            time.sleep(0.1)
        self.timings["mirror"] = time.perf_counter() - started
        return self.api_url

    def get(self, path: str) -> Any:
        """GET a JSON document from the API."""
        found = _get_json(self.api_url + path)
        if found is None:
            raise DevnetError(f"the mirror API did not answer {path}")
        return found

    def post(self, path: str, body: Any) -> Any:
        """POST JSON to the API and return its JSON answer."""
        request = urllib.request.Request(
            self.api_url + path,
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())

    def stop(self) -> None:
        """Stop the API and the devnet."""
        if self.api_process is not None and self.api_process.poll() is None:
            self.api_process.send_signal(signal.SIGINT)
            try:
                self.api_process.wait(15)
            except subprocess.TimeoutExpired:
                self.api_process.kill()
                self.api_process.wait(5)
        self.api_process = None
        if self.net is not None:
            devnet.stop(Path(self.net.log).parent)
            self.net = None


@contextlib.contextmanager
def running_stack(workdir: Path, *, keep: bool = False) -> Iterator[Stack]:
    """A :class:`Stack` stopped on exit (unless ``keep``)."""
    stack = Stack(workdir)
    try:
        yield stack
    finally:
        if not keep:
            stack.stop()


def deploy_contracts(rpc: str, out_dir: Path, *, demo_token: bool = False) -> Path:
    """Deploy with ``scripts/deploy.py`` (through ape, connected to ``rpc``); the manifest path.

    ``scripts/`` is the ape project's, not part of the installed package: it is imported from the
    checkout, and only here (ape takes seconds to load).
    """
    deploy = deploy_module()
    from ape.logging import LogLevel, logger

    level = logger.level
    logger.set_level(LogLevel.WARNING)  # ape's per-transaction INFO lines would drown the demo
    try:
        return Path(deploy.deploy_to_url(rpc, out_dir=out_dir, demo_token=demo_token))
    finally:
        logger.set_level(level)


def deploy_module() -> Any:
    """``scripts/deploy.py`` of this checkout (the ape project's script, not a package module)."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    return importlib.import_module("scripts.deploy")


def _get_json(url: str) -> Any:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return json.loads(response.read())
    except (OSError, ValueError, urllib.error.URLError):
        return None


def _rpc_block_number(url: str) -> int:
    from offchain.chain.rpc import RpcClient

    client = RpcClient(url, timeout=10, attempts=3)
    try:
        return int(client.call("eth_blockNumber"), 16)
    finally:
        client.close()


# ------------------------------------------------------------------------------------ output

#: The shell file ``--keep-running`` writes into the work directory (``source`` it).
ENV_FILE = "env.sh"


def write_env(path: Path, rpc: str, manifest: Path, api: str) -> Path:
    """Write the environment the CLI reads (``LEASEHOLD_RPC``, ``LEASEHOLD_DEPLOYMENT``,
    ``LEASEHOLD_API``) for this demo's chain, deployment and mirror API, as ``export`` lines."""
    values = {
        "LEASEHOLD_RPC": rpc,
        "LEASEHOLD_DEPLOYMENT": str(manifest.resolve()),
        "LEASEHOLD_API": api,
    }
    lines = [f"export {name}={shlex.quote(value)}" for name, value in values.items()]
    path.write_text(
        "# The running demo's chain, deployment and mirror API for 'leasehold' "
        "(python -m offchain.demo --keep-running)\n" + "\n".join(lines) + "\n"
    )
    return path


@dataclass(frozen=True, slots=True)
class NextSteps:
    """What a demo left running: where, and how to stop it."""

    rpc: str
    api: str
    manifest: Path
    env_file: Path
    anvil_pid: int
    api_pid: int


def print_next_steps(console: Any, steps: NextSteps) -> None:
    """How to use what the demo left running. Commands are printed whole, never wrapped (a
    copied command must run as printed, also when the output is not a terminal)."""
    source = f"source {shlex.quote(str(steps.env_file))}"
    lines = [
        f"still running: Anvil {steps.rpc} (pid {steps.anvil_pid}), "
        f"mirror API {steps.api} (pid {steps.api_pid}).",
        f"Use them from a shell: {source}",
        "Try: leasehold lease list; leasehold mirror status",
        "Or without the file: "
        f"leasehold --rpc {steps.rpc} --deployment {shlex.quote(str(steps.manifest))} lease list; "
        f"leasehold mirror status --api {steps.api}",
        f"Stop with: kill {steps.api_pid}; kill {steps.anvil_pid}",
    ]
    for line in lines:
        console.print(line, soft_wrap=True, highlight=False, markup=False)


def print_summary(stack: Stack, console: Any) -> dict[str, Any]:
    """The summary, read from the API: tenants, pool utilization, leases, anchors."""
    from rich.table import Table

    summary = stack.get("/summary")
    status = stack.get("/status")
    symbol = stack.client().market.asset_symbol()
    tenants = stack.get("/tenants")["items"]
    console.print(
        f"\n[bold]Mirror[/bold] at block {status['block']} (head {status['head']}, "
        f"lag {status['lag']}), {status['eventsApplied']} events; "
        f"{(status.get('journal') or {}).get('description', 'journal not checked yet')}"
    )
    table = Table(title="Tenants")
    for header in ("tenant", "status", "owner", "leases", "escrow free"):
        table.add_column(header, overflow="fold")
    for t in tenants:
        leases = stack.get(f"/leases?tenant={t['tenantId']}")["total"]
        escrow = stack.get(f"/tenants/{t['tenantId']}/escrow")
        table.add_row(
            str(t["tenantId"]),
            t["status"],
            t["owner"],
            str(leases),
            f"{int(escrow['free']) / 1e18:.4f} {symbol}",
        )
    console.print(table)
    table = Table(
        "pool", "class", "status", "allocated", "capacity", "utilization", title="Pool utilization"
    )
    for p in summary["pools"]:
        table.add_row(
            str(p["poolId"]),
            p["resourceClass"],
            p["status"],
            str(p["allocated"]),
            str(p["capacity"]),
            f"{p['utilization']:.1%}",
        )
    console.print(table)
    table = Table("status / close reason", "leases", title="Leases")
    for name, count in sorted(summary["leases"].items()):
        table.add_row(name, str(count))
    console.print(table)
    anchors = summary["anchors"]
    console.print(
        f"[bold]Anchors[/bold]: {anchors['batch']} batch(es) covering {anchors['leaves']} "
        f"files, {anchors['digest']} single digest(s), {anchors['revoked']} revoked"
    )
    usage = stack.scenario.usage if stack.scenario is not None else None
    if usage is not None:  # read from the chain: the mirror does not follow the ledger yet
        title = f"Invoice of Acme's metered lease {usage.lease_id} (from the chain)"
        table = Table("line", "quantity", f"amount ({symbol})", "status", title=title)
        for line in usage.invoice:
            table.add_row(line.what, line.quantity, f"{line.amount / 1e18:.6f}", line.status)
        console.print(table)
    return dict(summary)


def verify_one(stack: Stack, console: Any) -> dict[str, Any]:
    """Verify one file's bundle: through the API (mirror and chain) and directly on chain."""
    from web3 import Web3

    from offchain.anchoring.bundle import ProofBundle, verify_onchain

    scenario = stack.scenario
    bundle_path = sorted(Path(scenario.bundles_dir).rglob("*.bundle.json"))[0]
    bundle = ProofBundle.read(bundle_path)
    file_path = Path(scenario.sample_dir) / str(bundle.name)
    answer = stack.post("/proofs/verify?onchain=true", bundle.to_dict())
    if not answer.get("verified"):
        raise BundleVerificationError(f"the mirror API says {answer.get('message', answer)}")
    seen = verify_onchain(bundle, Web3(Web3.HTTPProvider(stack.rpc)), path=file_path)
    console.print(
        f"[bold]Verified[/bold] {file_path.name} with {bundle_path.name}: on chain, anchored by "
        f"tenant {seen.tenant_id} in block {seen.block_number}; the API says: "
        f"{answer['message']}"
    )
    return {
        "file": str(file_path),
        "bundle": str(bundle_path),
        "api": answer,
        "chain": {"tenantId": seen.tenant_id, "blockNumber": seen.block_number},
    }


def main(argv: list[str] | None = None) -> int:
    """Run the demo; see the module docstring."""
    from rich.console import Console

    parser = argparse.ArgumentParser(prog="python -m offchain.demo", description=__doc__)
    parser.add_argument(
        "--keep-running",
        action="store_true",
        help="leave Anvil and the mirror API running at the end",
    )
    parser.add_argument(
        "--workdir",
        type=Path,
        default=DEFAULT_WORKDIR,
        help="where the devnet, manifest, files and bundles go (wiped first)",
    )
    parser.add_argument(
        "--asset",
        choices=["eth", "erc20"],
        default="eth",
        help="what leases are paid in: native ETH, or a test ERC-20 deployed for the demo",
    )
    parser.add_argument("--port", type=int, default=0, help="Anvil port (default: a free one)")
    parser.add_argument(
        "--api-port", type=int, default=0, help="mirror API port (default: a free one)"
    )
    args = parser.parse_args(argv)
    console = Console(soft_wrap=True)  # paths and commands stay whole when piped
    started = time.perf_counter()
    workdir: Path = args.workdir
    if workdir.exists():
        with contextlib.suppress(DevnetError):
            devnet.stop(workdir / "devnet")
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True)
    try:
        with running_stack(workdir, keep=args.keep_running) as stack:
            net = stack.start_chain(args.port)
            console.print(f"[bold]1/6[/bold] Anvil at {net.url} (chain {net.chain_id})")
            manifest = stack.deploy(demo_token=args.asset == "erc20")
            paid_in = stack.client().market.asset_symbol()
            console.print(
                f"[bold]2/6[/bold] contracts deployed (leases paid in {paid_in}); "
                f"manifest {manifest}"
            )
            console.print("[bold]3/6[/bold] scenario:")
            result = stack.play(lambda line: console.print(f"      {line}"))
            console.print(f"      {result.transactions} transactions")
            api = stack.serve(args.api_port)
            console.print(f"[bold]4/6[/bold] mirror API at {api} (OpenAPI at {api}/docs)")
            console.print("[bold]5/6[/bold] summary from the API:")
            print_summary(stack, console)
            console.print("[bold]6/6[/bold] verification:")
            verify_one(stack, console)
            elapsed = time.perf_counter() - started
            steps = ", ".join(f"{k} {v:.1f}s" for k, v in stack.timings.items())
            console.print(f"\ndone in {elapsed:.1f}s ({steps})")
            if args.keep_running:
                assert stack.api_process is not None
                assert stack.net is not None
                env_file = write_env(workdir / ENV_FILE, stack.rpc, manifest, api)
                print_next_steps(
                    console,
                    NextSteps(stack.rpc, api, manifest, env_file, stack.net.pid,
                              stack.api_process.pid),
                )  # fmt: skip
    except (LeaseholdError, click.ClickException) as exc:
        # ClickException: scripts/deploy.py's refusals (stale packaged ABIs, existing manifest).
        message = exc.format_message() if isinstance(exc, click.ClickException) else str(exc)
        console.print(f"[bold red]error:[/bold red] {message}", highlight=False)
        return 1
    except KeyboardInterrupt:
        console.print("interrupted")
        return 130
    return 0

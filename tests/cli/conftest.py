"""A devnet with the demo scenario played, driven through ``leasehold`` in-process.

The CLI runs as ``offchain.cli.main(argv)`` so its exit code and its stdout/stderr are what a shell
sees. Tests that write get an Anvil snapshot that is reverted afterwards, so each starts from the
scenario's end state.

These fixtures never touch ape's chain: they are declared with ``chain_isolation=False`` so ape's
snapshot isolation never invalidates (re-creates) them mid-session.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import ape
import pytest

from offchain.chain.rpc import RpcClient
from offchain.cli import main
from offchain.demo.runner import Stack


@dataclass(frozen=True, slots=True)
class Result:
    """What a shell would see."""

    code: int
    out: str
    err: str

    def json(self) -> Any:
        """stdout parsed as JSON."""
        return json.loads(self.out)


def rpc(url: str, method: str, params: list[Any]) -> Any:
    """One raw JSON-RPC call."""
    return RpcClient(url, attempts=1).call(method, params)


@ape.fixture(scope="session", chain_isolation=False)
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """Anvil, the contracts and the scenario's end state."""
    made = Stack(tmp_path_factory.mktemp("cli-stack"))
    try:
        made.start_chain()
        made.deploy()
        made.play()
        yield made
    finally:
        made.stop()


@ape.fixture(scope="session", chain_isolation=False)
def chain_client(stack: Stack) -> Any:
    """A read-only web3.py client: the chain's views, to compare the CLI with."""
    return stack.client()


@ape.fixture(scope="session", chain_isolation=False)
def node(stack: Stack) -> Any:
    """``node(method, params)``: raw JSON-RPC to the devnet (time travel, snapshots)."""
    return lambda method, params=(): rpc(stack.rpc, method, list(params))


@pytest.fixture
def isolated(stack: Stack) -> Iterator[None]:
    """Revert whatever the test sends."""
    snapshot = rpc(stack.rpc, "evm_snapshot", [])
    yield
    rpc(stack.rpc, "evm_revert", [snapshot])


@pytest.fixture
def leasehold(stack: Stack, capsys: pytest.CaptureFixture[str]) -> Any:
    """Run ``leasehold ARGS`` against the stack; returns a :class:`Result`."""

    def run(*args: str, chain: bool = True) -> Result:
        argv = ["--rpc", stack.rpc, "--deployment", str(stack.manifest_path)] if chain else []
        capsys.readouterr()
        try:
            main([*argv, *args])
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run

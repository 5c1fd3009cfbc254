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

from offchain.chain.devnet import dev_account
from offchain.chain.rpc import RpcClient
from offchain.cli import main
from offchain.demo.runner import Stack
from offchain.models import LeaseOut, OperatorOut, TenantOut, dump

DEV_ADDRESSES = [dev_account(i).address for i in range(10)]


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
def tenant_json(chain_client: Any) -> Any:
    """``tenant_json(id)``: a tenant as the chain's views have it, with the grants of every
    development account (the candidates an operator can be on the devnet)."""

    def read(tenant_id: int) -> Any:
        registry = chain_client.registry
        grants = [
            OperatorOut.of(a, expiry, chain_client.market.operator_limits(tenant_id, a))
            for a, expiry in ((a, registry.operator_expiry(tenant_id, a)) for a in DEV_ADDRESSES)
            if expiry
        ]
        return dump(TenantOut.of(registry.tenant(tenant_id), grants))

    return read


@ape.fixture(scope="session", chain_isolation=False)
def lease_json(chain_client: Any) -> Any:
    """``lease_json(id)``: a lease as the chain's view has it, with who opened it."""
    market = chain_client.market
    return lambda lease_id: dump(LeaseOut.of(market.lease(lease_id), market.lease_opener(lease_id)))


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


@ape.fixture(scope="session", chain_isolation=False)
def ledger_views(stack: Stack) -> Any:
    """The deployment's UsageLedger (scripts/deploy.py deploys it) as a bare web3.py contract over
    the packaged ABI: the chain's own views, read without the package's UsageClient."""
    from web3 import Web3

    from offchain.chain.abi import load_abi
    from offchain.chain.manifest import load_manifest

    assert stack.manifest_path is not None
    address = load_manifest(stack.manifest_path).usage_ledger
    w3 = Web3(Web3.HTTPProvider(stack.rpc, request_kwargs={"timeout": 60}))
    return w3.eth.contract(address=address, abi=load_abi("UsageLedger")).functions

"""A real ``leasehold mirror serve`` over loopback, on a devnet with the demo scenario played.

These fixtures never touch ape's chain: they are declared with ``chain_isolation=False`` so ape's
snapshot isolation never invalidates (re-creates) them mid-session.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import ape
import httpx
import pytest

from offchain.chain.rpc import RpcClient
from offchain.demo.runner import Stack


@ape.fixture(scope="session", chain_isolation=False)
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """Anvil, the contracts, the scenario and the API server (a subprocess)."""
    made = Stack(tmp_path_factory.mktemp("api-stack"))
    try:
        made.start_chain()
        made.deploy()
        made.play()
        made.serve()
        yield made
    finally:
        made.stop()


@ape.fixture(scope="session", chain_isolation=False)
def api(stack: Stack) -> Iterator[httpx.Client]:
    """An HTTP client of the API (keep-alive)."""
    with httpx.Client(base_url=stack.api_url, timeout=30) as client:
        yield client


@ape.fixture(scope="session", chain_isolation=False)
def chain_client(stack: Stack) -> Any:
    """The chain's views through the web3.py client."""
    return stack.client()


@ape.fixture(scope="session", chain_isolation=False)
def node(stack: Stack) -> Any:
    """``node(method, params)``: raw JSON-RPC to the devnet."""

    client = RpcClient(stack.rpc, attempts=1)

    def call(method: str, params: Any = ()) -> Any:
        return client.call(method, list(params))

    return call


@pytest.fixture
def caught_up(api: httpx.Client, node: Any) -> Any:
    """``caught_up()``: wait until the mirror has applied the chain's head; returns that block."""
    import time

    def wait(timeout: float = 20.0) -> int:
        head = int(node("eth_blockNumber"), 16)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            status = api.get("/status").json()
            if status["block"] >= head:
                return head
            time.sleep(0.05)
        raise AssertionError(f"mirror did not reach block {head}")

    return wait

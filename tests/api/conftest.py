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

from offchain.chain.devnet import dev_account
from offchain.chain.rpc import RpcClient
from offchain.demo.runner import Stack
from offchain.models import LeaseOut, OperatorOut, TenantOut, dump

DEV_ADDRESSES = [dev_account(i).address for i in range(10)]


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

"""Honesty under outage (issue 13, case 11): while the node is down every answer says how stale it
is and /health answers 503; once the node is back the mirror returns to the head and equals the
chain. The RPC client waits as long as a 429's Retry-After asks."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from _mirror_chain import fast_config
from _proxy import FaultProxy, Faults
from _served import Served

from offchain.chain.rpc import RpcClient
from offchain.mirror.mirror import Mirror

pytestmark = pytest.mark.anvil


def until(condition: Callable[[], Any], what: str, timeout: float = 20) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(0.02)
    raise AssertionError(f"never {what} within {timeout}s")


def assert_equal_to_chain(mirror: Mirror) -> None:
    """The oracle: journal heads and every entry against eth_call at the mirror's block hash."""
    check = mirror.check_journal()
    assert check.ok, check.describe()
    report = mirror.audit()
    assert report.ok, report.describe()


def test_while_the_node_is_down_reads_say_they_are_stale_and_health_fails(
    contracts, tenant_owner, chain, manifest, rpc_url
):
    registry = contracts["TenantRegistry"]
    proxy = FaultProxy(rpc_url, Faults(), seed=5)
    config = fast_config(rpc_attempts=2, max_lag_seconds=1.0, max_lag_blocks=4)
    mirror = Mirror(manifest, proxy.url, config=config)
    mirror.rpc.backoff = 0.001
    mirror.start()
    served = Served(mirror)
    api = served.http
    try:
        mirror.wait_for_block(chain.blocks.head.number, timeout=30)
        until(lambda: api.get("/health").status_code == 200, "healthy")
        fresh = api.get("/tenants")
        assert fresh.headers["X-Leasehold-Phase"] == "live"
        assert fresh.headers["X-Leasehold-Lag"] == "0"
        assert 0 <= float(fresh.headers["X-Leasehold-Lag-Seconds"]) <= 1.0

        proxy.faults = Faults(drop=1.0)  # the node goes down
        registry.register("ipfs://unseen", b"\x03" * 32, sender=tenant_owner)  # chain moves on
        stale = until(
            lambda: (
                (r := api.get("/health")).status_code == 503
                and any(reason.endswith("(limit 1s)") for reason in r.json()["reasons"])
                and r
            ),
            "503 on /health with the lag in seconds past its limit",
        )
        assert stale.json()["status"] == "stale"
        assert "rpc down" in stale.json()["reasons"]
        read = api.get("/tenants")
        assert read.status_code == 200  # still served, but it says how stale it is
        assert read.headers["X-Leasehold-Phase"] == "error"
        assert float(read.headers["X-Leasehold-Lag-Seconds"]) > 1.0
        assert read.headers["X-Leasehold-Block"] == fresh.headers["X-Leasehold-Block"]
        status = api.get("/status").json()
        assert status["lagSeconds"] > 1.0
        assert status["phase"] == "error"

        proxy.faults = Faults()  # back: the mirror catches up by itself
        head = chain.provider.web3.eth.get_block("latest")["hash"].to_0x_hex()
        until(lambda: mirror.view().block_hash == head, "back at the chain's head")
        healthy = until(lambda: (r := api.get("/health")).status_code == 200 and r, "healthy again")
        assert healthy.json()["reasons"] == []
        assert api.get("/tenants").headers["X-Leasehold-Phase"] == "live"
        assert_equal_to_chain(mirror)
    finally:
        served.close()
        mirror.stop(snapshot=False)
        proxy.close()


def test_the_rpc_client_asks_again_only_after_a_429s_retry_after(rpc_url):
    proxy = FaultProxy(rpc_url, Faults(status_429=0.5, retry_after=1), seed=3)
    client = RpcClient(proxy.url, attempts=10, backoff=0.01)
    try:
        numbers = [int(client.call("eth_blockNumber"), 16) for _ in range(6)]
    finally:
        client.close()
        proxy.close()
    assert all(n >= 0 for n in numbers)
    assert proxy.injected["429"] > 0
    assert proxy.early == 0, f"{proxy.early} request(s) came before Retry-After had passed"

"""A fault-injecting proxy between the mirror and Anvil: dropped connections, delays, 429 and 5xx,
truncated JSON and refused log ranges. The mirror recovers and ends equal to the chain."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from _mirror_chain import Driver, fast_config
from _proxy import FaultProxy, Faults

from offchain.mirror.mirror import Mirror

pytestmark = pytest.mark.anvil

NASTY = Faults(drop=0.05, delay=0.05, delay_seconds=0.2, status_429=0.05, status_5xx=0.05,
               truncate=0.05, max_range=3)  # fmt: skip


@pytest.fixture
def proxy(rpc_url: str) -> Iterator[FaultProxy]:
    made = FaultProxy(rpc_url, NASTY, seed=7)
    yield made
    made.close()


def history(contracts: dict[str, Any], accounts: Any, chain: Any, steps: int) -> None:
    import random

    driver = Driver(contracts, accounts, chain, random.Random(11))
    for _ in range(steps):
        driver.step()


def assert_equal_to_chain(mirror: Mirror, oracle: Any) -> None:
    oracle(mirror)  # the whole state, read independently of the mirror's code
    check = mirror.check_journal()
    assert check.ok, check.describe()
    report = mirror.audit()
    assert report.ok, report.describe()


def test_backfill_through_a_faulty_proxy_ends_equal_to_the_chain(
    contracts, accounts, chain, manifest, proxy, oracle
):
    history(contracts, accounts, chain, 40)
    chain.mine(70)  # below Anvil's finalized block: the backfill path with its ranges
    mirror = Mirror(manifest, proxy.url, config=fast_config(chunk_blocks=8, rpc_attempts=10))
    mirror.rpc.backoff = 0.005
    try:
        mirror.sync(timeout=120)
        proxy.enabled = False  # check through a clean line
        assert_equal_to_chain(mirror, oracle)
        assert mirror.follower is not None
        assert mirror.follower.status.range_splits > 0
    finally:
        mirror.stop(snapshot=False)
    for fault in ("drop", "delay", "429", "503", "truncate", "range"):
        assert proxy.injected[fault] > 0, f"{fault} was never injected: {proxy.injected}"


def test_live_follow_through_a_faulty_proxy_ends_equal_to_the_chain(
    contracts, accounts, chain, manifest, proxy, oracle
):
    mirror = Mirror(manifest, proxy.url, config=fast_config(rpc_attempts=10))
    mirror.rpc.backoff = 0.005
    mirror.start()
    try:
        history(contracts, accounts, chain, 30)
        mirror.wait_for_block(chain.blocks.head.number, timeout=60)
        proxy.enabled = False
        assert_equal_to_chain(mirror, oracle)
    finally:
        mirror.stop(snapshot=False)
    assert sum(proxy.injected.values()) > 0


def test_all_endpoints_down_is_a_clear_status_and_the_mirror_resumes(
    contracts, accounts, chain, manifest, rpc_url
):
    dead = FaultProxy(rpc_url, Faults(), seed=1)
    mirror = Mirror(manifest, dead.url, config=fast_config(rpc_attempts=2))
    mirror.rpc.backoff = 0.001
    mirror.start()
    try:
        mirror.wait_for_block(chain.blocks.head.number, timeout=30)
        dead.faults = Faults(drop=1.0)
        deadline = time.monotonic() + 20
        while mirror.status().rpc_up and time.monotonic() < deadline:
            time.sleep(0.02)
        status = mirror.status()
        assert (status.phase, status.rpc_up) == ("error", False)
        assert "rpc DOWN for" in status.rpc
        assert dead.url in status.rpc
        assert mirror.metrics()["mirror_rpc_up"] == 0.0
        chain.mine(3)  # the chain moves on while the mirror cannot see it
        dead.faults = Faults()
        mirror.wait_for_block(chain.blocks.head.number, timeout=30)
        assert mirror.status().rpc_up
    finally:
        mirror.stop(snapshot=False)
        dead.close()


def test_failover_follows_through_the_second_endpoint(
    contracts, accounts, chain, manifest, rpc_url, oracle
):
    broken = FaultProxy(rpc_url, Faults(drop=1.0), seed=2)
    healthy = FaultProxy(rpc_url, Faults(), seed=3)
    mirror = Mirror(manifest, [broken.url, healthy.url], config=fast_config(rpc_attempts=4))
    mirror.rpc.backoff = 0.001
    try:
        history(contracts, accounts, chain, 10)
        mirror.sync(timeout=60)
        assert_equal_to_chain(mirror, oracle)
        assert healthy.forwarded > 0
        assert mirror.rpc.status().endpoints[0].ok is False
    finally:
        mirror.stop(snapshot=False)
        broken.close()
        healthy.close()

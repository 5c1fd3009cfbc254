"""The mirror on Anvil: read-your-writes, websocket wake-ups, and the agreement checks catching a
mirror that is wrong."""

from __future__ import annotations

import dataclasses
import time
from typing import Any

import pytest
from _mirror_chain import GPU, fast_config

from offchain.mirror.journal import JournalState
from offchain.mirror.mirror import Mirror

pytestmark = pytest.mark.anvil


@pytest.fixture
def tenant_id(contracts: dict[str, Any], tenant_owner: Any) -> int:
    registry = contracts["TenantRegistry"]
    receipt = registry.register("ipfs://follow", b"\x02" * 32, sender=tenant_owner)
    return int(receipt.events.filter(registry.TenantRegistered)[0].tenantId)


@pytest.fixture
def lease_id(contracts, tenant_id, tenant_owner, admin, provider) -> int:
    registry, market = contracts["TenantRegistry"], contracts["LeaseMarket"]
    registry.setQuota(tenant_id, GPU, 10, sender=admin)
    market.deposit(tenant_id, 10**18, value=10**18, sender=tenant_owner)
    pool = market.createPool(GPU, 8, 1_000, 60, 86_400, sender=provider)
    pool_id = pool.events.filter(market.PoolCreated)[0].poolId
    price = market.pool(pool_id).pricePerUnitSecond
    receipt = market.openLease(tenant_id, pool_id, 2, 3_600, price, sender=tenant_owner)
    return int(receipt.events.filter(market.LeaseOpened)[0].leaseId)


@pytest.fixture
def mirror(manifest, rpc_url):
    made = Mirror(manifest, rpc_url, config=fast_config())
    yield made
    made.stop(snapshot=False)


def test_wait_for_block_gives_read_your_writes(contracts, tenant_id, tenant_owner, mirror):
    mirror.start()
    receipt = contracts["DataAnchor"].anchor(tenant_id, b"\x5a" * 32, sender=tenant_owner)
    view = mirror.wait_for_block(receipt.block_number, timeout=10)
    assert view.anchor(b"\x5a" * 32).block_number == receipt.block_number


def test_new_heads_over_websocket_wake_the_mirror_between_slow_polls(
    contracts, tenant_id, tenant_owner, manifest, rpc_url, ws_url
):
    mirror = Mirror(manifest, rpc_url, ws_url=ws_url, config=fast_config(poll_interval=30.0))
    try:
        mirror.start()
        deadline = time.monotonic() + 10
        while mirror.status().phase != "live" and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(0.3)  # let the subscription settle
        started = time.monotonic()
        receipt = contracts["DataAnchor"].anchor(tenant_id, b"\x5b" * 32, sender=tenant_owner)
        mirror.wait_for_block(receipt.block_number, timeout=10)
        assert time.monotonic() - started < 5  # far below the 30 s poll interval
    finally:
        mirror.stop(snapshot=False)


def test_journal_check_catches_a_mirror_that_missed_an_event(lease_id, mirror):
    mirror.sync()
    state = mirror.state
    state.begin()
    state.journals["LeaseMarket"] = JournalState(
        state.journals["LeaseMarket"].seq - 1, b"\x01" * 24
    )
    state.end(state.number, state.block_hash)
    check = mirror.check_journal()
    assert not check.ok
    assert "DIFFER" in check.describe()
    assert mirror.metrics()["mirror_journal_ok"] == 0.0
    assert "DIFFER" in mirror.status().last_error
    mirror.sync()  # the finding is repaired: a resync from the chain
    assert mirror.resyncs == 1
    assert mirror.check_journal().ok


def test_journal_check_of_an_honest_mirror_passes(lease_id, mirror):
    mirror.sync()
    assert mirror.check_journal().ok
    assert mirror.metrics()["mirror_journal_ok"] == 1.0


def test_audit_reports_a_divergent_lease_and_counts_it(lease_id, mirror):
    mirror.sync()
    state = mirror.state
    state.begin()
    state.leases[lease_id] = dataclasses.replace(state.leases[lease_id], units=3)
    state.end(state.number, state.block_hash)
    report = mirror.audit()
    assert [(d.table, d.key) for d in report.divergences] == [("lease", lease_id)]
    assert report.divergences[0].chain[2] == 2
    assert mirror.metrics()["mirror_audit_divergences_total"] == 1
    assert mirror.status().audit["ok"] is False


def test_sampled_audit_checks_that_many_entries(lease_id, mirror):
    mirror.sync()
    report = mirror.audit(sample=3, seed=1)
    assert report.ok
    assert report.sampled
    assert report.checked == 3 + 2  # the sample, the counters and the market's books

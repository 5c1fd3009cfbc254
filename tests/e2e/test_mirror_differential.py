"""Differential: random operations on all three contracts, then the mirror equals the chain.

"Equals" is checked entity by entity against the contracts' views at the mirror's block hash (the
audit), by the journal heads (one eth_call per contract) and, between a mirror that followed live
and one that backfilled afterwards, by the digest of the whole state.
"""

from __future__ import annotations

import random

import pytest
from _mirror_chain import Driver, fast_config
from _oracle import assert_mirror_equals_chain
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from offchain.mirror.mirror import Mirror

pytestmark = pytest.mark.anvil


@given(rng=st.randoms(use_true_random=False), steps=st.integers(5, 30))
@example(rng=random.Random(1), steps=30)
@example(rng=random.Random(2), steps=5)
@settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_random_operations_leave_the_mirror_equal_to_the_chain(
    contracts, accounts, chain, manifest, rpc_url, rng, steps
):
    snapshot = chain.snapshot()
    live = Mirror(manifest, rpc_url, config=fast_config()).start()
    try:
        driver = Driver(contracts, accounts, chain, rng)
        for _ in range(steps):
            driver.step()
        head = chain.blocks.head.number
        view = live.wait_for_block(head, timeout=30)
        assert_mirror_equals_chain(live, chain, contracts, accounts, driver.digests)
        check = live.check_journal()
        assert check.ok, check.describe()
        report = live.audit()
        assert report.ok, report.describe()
        assert report.checked >= len(live.state.tenants) + len(live.state.leases)
        # The opener of each lease, as the driver sent it (the contract keeps no view of it).
        assert {lid: view.lease_opener(lid) for lid in driver.openers} == driver.openers
        # Pools and leases by provider (moved by handovers) as the chain's pool() says.
        market = contracts["LeaseMarket"]
        providers = {market.pool(pid).provider for pid in driver.pools}
        for provider in providers | {a.address for a in (driver.provider, *driver.spares)}:
            owned = tuple(
                pid for pid in sorted(driver.pools) if market.pool(pid).provider == provider
            )
            assert view.pools_of_provider(provider) == owned
            leases = tuple(
                lid for lid in sorted(driver.leases) if market.lease(lid).poolId in owned
            )
            assert view.leases_of_provider(provider) == leases

        fresh = Mirror(manifest, rpc_url, config=fast_config())
        try:
            fresh_view = fresh.sync(timeout=60)
            assert_mirror_equals_chain(fresh, chain, contracts, accounts, driver.digests)
            assert (fresh_view.number, fresh_view.block_hash) == (view.number, view.block_hash)
            assert fresh.state.digest() == live.state.digest()
            # The backfill's indexes (kept per chunk) equal those the live mirror kept per block.
            for provider in providers | {a.address for a in (driver.provider, *driver.spares)}:
                assert fresh_view.pools_of_provider(provider) == view.pools_of_provider(provider)
                assert fresh_view.leases_of_provider(provider) == view.leases_of_provider(provider)
        finally:
            fresh.stop(snapshot=False)
    finally:
        live.stop(snapshot=False)
        chain.restore(snapshot)

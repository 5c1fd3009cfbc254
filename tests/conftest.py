"""Suite-wide set-up: tools checked first, then one chain snapshot per test.

Anvil's port. ape-foundry's ``host: auto`` draws a random port and Anvil, which binds without
SO_REUSEADDR, cannot take one that a closed connection still holds in TIME_WAIT: after the
eth-tester run's thousands of loopback connections that failed one start in a few ("Address already
in use", then ape's 20 s RPC timeout). The kernel's choice of a free port (``APE_FOUNDRY_HOST``)
skips those.

Isolation. Every test runs in a chain snapshot taken after the session, package and module fixtures
it uses (deployments, shared tenants) and before its function fixtures, and restored when it ends,
on eth-tester and on Anvil alike. ape's own isolation is switched off (`--disable-isolation` in
pyproject.toml): it orders a test's fixtures by looking their names up across the whole suite, so a
function fixture of one folder that shares its name with a session fixture of another (``pool_id``)
was set up before the snapshot and what it created (a pool per test) stayed on the chain for the
tests after; it also re-creates session fixtures mid-session when it "rebases".

eth-tester names a snapshot by the latest block's hash, so two snapshots of one block share an id,
and ape's snapshot stack, de-duplicated, loses the outer one when the inner one is restored (a
Hypothesis test's per-example snapshot taken at the block of the test's own). Each snapshot of the
in-process chain gets a fresh id mapped to its block hash, as on Anvil.

Anvil and reverted histories. After ``evm_revert``, two tests sending the same transactions from
one snapshot mine blocks with equal hashes when their timestamps agree (after a test moved the clock
ahead, every block is "previous + 1 s": they always agree). Anvil keys its stored states by block
hash; with such a hash mined, reverted and mined again, ``anvil_reorg`` built its new fork on an
empty state (no contract code at the new head: ``test_anvil_reorg_with_replacement_transactions``
[4] and [5], every run after the gas tests). Every test on Anvil mines with a coinbase of its own,
so no two tests' blocks share a hash. A deep ``anvil_reorg`` (40 blocks) still met an empty state
now and then after the rest of the suite, never in a fresh Anvil: the tests that reorganize Anvil
are marked ``fresh_anvil`` and run in an Anvil of their own (Makefile, ``test-anvil``), and check
that the new fork still holds the contracts, so a node fault says so.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import ape
import pytest

from offchain._toolchain.doctor import problems
from offchain.chain.devnet import free_port

ROOT = Path(__file__).resolve().parents[1]


def _unique_eth_tester_snapshots() -> None:
    from ape_test.provider import LocalProvider

    take, revert = LocalProvider.snapshot, LocalProvider.restore
    block_of: dict[int, Any] = {}
    ids = itertools.count(1)

    def snapshot(self: Any) -> int:
        snapshot_id = next(ids)
        block_of[snapshot_id] = take(self)
        return snapshot_id

    def restore(self: Any, snapshot_id: Any) -> Any:
        return revert(self, block_of.get(snapshot_id, snapshot_id))

    LocalProvider.snapshot = snapshot  # type: ignore[method-assign]
    LocalProvider.restore = restore  # type: ignore[method-assign]


def pytest_configure(config: pytest.Config) -> None:
    _unique_eth_tester_snapshots()
    os.environ.setdefault("APE_FOUNDRY_HOST", f"http://127.0.0.1:{free_port()}")


@pytest.fixture(autouse=True)
def _chain_snapshot_per_test() -> Iterator[None]:
    """Undo whatever the test and its function-scoped fixtures did on the chain.

    ape's chain manager itself, not the ``chain`` fixture: some folders define their own ``chain``.
    """
    snapshot = ape.chain.snapshot()
    if ape.chain.provider.name == "foundry":  # blocks unique to this test (see the module's note)
        ape.chain.provider.make_request("anvil_setCoinbase", ["0x" + os.urandom(20).hex()])
    yield
    ape.chain.restore(snapshot)


def pytest_sessionstart(session: pytest.Session) -> None:
    missing = problems(ROOT)
    if missing:
        pytest.exit("; ".join(missing), returncode=2)

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
    yield
    ape.chain.restore(snapshot)


def pytest_sessionstart(session: pytest.Session) -> None:
    missing = problems(ROOT)
    if missing:
        pytest.exit("; ".join(missing), returncode=2)

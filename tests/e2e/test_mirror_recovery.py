"""The mirror is never silently wrong and repairs itself (issue 13, cases 1, 2, 5, 6, 7 and 8).

Each test injects one fault through the proxy (or on the chain, or in the snapshot file), stops it,
and then waits, with a deadline of 10 s, until the mirror sits on the chain's head and the
whole-state oracle (:mod:`_oracle`, plain ``eth_call``s at the mirror's block hash) finds no
difference.
"""

from __future__ import annotations

import json
import socket
import sqlite3
import subprocess
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from _mirror_chain import PROVIDER_ROLE
from _oracle import wait_until_equal
from _proxy import Call, FaultProxy, Faults

from offchain.mirror.mirror import Mirror

pytestmark = [pytest.mark.anvil, pytest.mark.fresh_anvil]  # anvil_reorg: own Anvil

RECOVERY = 10.0  # seconds from the end of a fault to a mirror equal to the chain's head


@pytest.fixture
def tenant_id(contracts: dict[str, Any], tenant_owner: Any) -> int:
    registry = contracts["TenantRegistry"]
    receipt = registry.register("ipfs://recovery", b"\x13" * 32, sender=tenant_owner)
    return int(receipt.events.filter(registry.TenantRegistered)[0].tenantId)


@pytest.fixture
def proxy(rpc_url: str) -> Iterator[FaultProxy]:
    made = FaultProxy(rpc_url, Faults(), seed=13)
    yield made
    made.close()


def rpc(url: str, method: str, params: list[Any]) -> Any:
    """One JSON-RPC call straight to a node (not through the proxy)."""
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}).encode()
    request = urllib.request.Request(url, body, {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as answer:
        payload = json.loads(answer.read())
    assert "error" not in payload, payload
    return payload["result"]


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout}s: {what}")
        time.sleep(0.02)


def anchors(contracts: dict[str, Any], owner: Any, tenant_id: int, tag: int, n: int) -> None:
    for i in range(n):
        contracts["DataAnchor"].anchor(tenant_id, bytes([tag, i]) * 16, sender=owner)


def anchor_tx(contracts: dict[str, Any], owner: Any, tenant_id: int, digest: bytes) -> Call:
    anchor = contracts["DataAnchor"]
    data = anchor.anchor.encode_input(tenant_id, digest)
    return {"from": owner.address, "to": anchor.address, "data": "0x" + bytes(data).hex(),
            "gas": hex(200_000)}  # fmt: skip


def rejected(snapshot: Path) -> list[Path]:
    found = snapshot.parent.glob(snapshot.name + ".rejected-*")
    return sorted(p for p in found if not p.name.endswith(("-wal", "-shm")))


# ------------------------------------------------------------------------------------- case 1


@pytest.mark.parametrize("confirmations", [12, 0])
def test_a_reorg_below_the_chunk_being_read_is_never_applied_across_forks(
    contracts, accounts, chain, tenant_owner, tenant_id, rpc_url, proxy, make_mirror, tmp_path,
    confirmations,
):  # fmt: skip
    anchors(contracts, tenant_owner, tenant_id, 0xA1, 40)  # fork A: one anchor per block
    chain.mine(confirmations + 2)
    head = chain.blocks.head.number
    trigger = head - confirmations - 20  # reorganize while the chunk from here is being read
    depth = head - (trigger - 10) + 1  # from 10 blocks below that chunk up to the head
    fired: list[int] = []
    kept: list[bool] = []  # Anvil's new fork still holds the contracts (see tests/conftest.py)
    registry = contracts["TenantRegistry"].address

    def reorg_once(items: list[Call], batch: bool) -> bool:
        for item in items:
            query = (item.get("params") or [None])[0]
            if (
                not fired
                and item.get("method") == "eth_getLogs"
                and isinstance(query, dict)
                and int(query.get("fromBlock", "0x0"), 16) >= trigger
            ):
                fired.append(depth)
                txs = [[anchor_tx(contracts, tenant_owner, tenant_id, bytes([0xB1, i]) * 16), i]
                       for i in range(depth)]  # fmt: skip
                rpc(rpc_url, "anvil_reorg", [depth, txs])
                kept.append(rpc(rpc_url, "eth_getCode", [registry, "latest"]) not in ("0x", "0x0"))
        return False

    proxy.before = reorg_once
    mirror = make_mirror(
        proxy.url, finality="depth", confirmations=confirmations, chunk_blocks=2, concurrency=1,
        snapshot_path=tmp_path / "mirror.sqlite",
    )  # fmt: skip
    mirror.start()
    wait_for(lambda: bool(fired), "the reorg during the backfill")
    proxy.before = None
    wait_for(lambda: bool(kept), "the code check after the reorg")
    assert kept == [True], "Anvil built the reorganized fork on an empty state: a node fault"
    wait_until_equal(mirror, chain, contracts, accounts, timeout=RECOVERY)
    assert mirror.resyncs >= 1  # fork A's applied chunks were final: only a resync undoes them


# ------------------------------------------------------------------------------------- case 2


def test_a_node_dropping_a_blocks_last_log_is_caught_by_the_journal_check_and_repaired(
    contracts, accounts, chain, tenant_owner, tenant_id, proxy, make_mirror, tmp_path
):
    mirror = make_mirror(proxy.url, journal_check_interval=0.05,
                         snapshot_path=tmp_path / "mirror.sqlite")  # fmt: skip
    mirror.start()
    anchors(contracts, tenant_owner, tenant_id, 0xC2, 3)
    wait_until_equal(mirror, chain, contracts, accounts, timeout=RECOVERY)
    target = chain.blocks.head.number + 1

    def drop_last_log(item: Call, result: Any) -> Any:
        if item.get("method") != "eth_getLogs" or not isinstance(result, list):
            return result
        mine = [i for i, e in enumerate(result) if int(e["blockNumber"], 16) == target]
        return [e for i, e in enumerate(result) if not mine or i != mine[-1]]

    proxy.rewrite = drop_last_log
    contracts["DataAnchor"].anchor(tenant_id, b"\xc2\xff" * 16, sender=tenant_owner)
    mirror.wait_for_block(target, timeout=10)
    wait_for(lambda: "DIFFER" in mirror.status().last_error, "the journal check's finding")
    proxy.rewrite = None  # the node is honest again; no later event of DataAnchor is needed
    wait_until_equal(mirror, chain, contracts, accounts, timeout=RECOVERY)
    assert mirror.resyncs >= 1


# ------------------------------------------------------------------------------------- case 3


def test_a_node_dropping_role_logs_is_caught_because_roles_are_journaled(
    contracts, accounts, chain, admin, proxy, make_mirror, tmp_path
):
    registry = contracts["TenantRegistry"]
    mirror = make_mirror(proxy.url, journal_check_interval=0.05,
                         snapshot_path=tmp_path / "mirror.sqlite")  # fmt: skip
    mirror.start()
    wait_until_equal(mirror, chain, contracts, accounts, timeout=RECOVERY)
    account = accounts[5]
    topic = "0x" + bytes(12).hex() + account.address[2:].lower()

    def drop_role_logs(item: Call, result: Any) -> Any:
        if item.get("method") != "eth_getLogs" or not isinstance(result, list):
            return result
        return [e for e in result if len(e["topics"]) < 3 or e["topics"][2].lower() != topic]

    proxy.rewrite = drop_role_logs  # every RoleGranted and RoleChanged about the account
    registry.grantRole(PROVIDER_ROLE, account, sender=admin)
    wait_for(lambda: "DIFFER" in mirror.status().last_error, "the journal check's finding")
    assert not mirror.view().has_role(PROVIDER_ROLE, account.address)
    proxy.rewrite = None
    wait_until_equal(mirror, chain, contracts, accounts, timeout=RECOVERY)
    assert mirror.view().has_role(PROVIDER_ROLE, account.address)


# ------------------------------------------------------------------------------------- case 5


def test_an_rpc_failure_during_a_resync_never_stops_the_follower(
    contracts, accounts, chain, tenant_owner, tenant_id, proxy, make_mirror, tmp_path
):
    mirror = make_mirror(proxy.url, finality="depth", confirmations=0, rpc_attempts=2,
                         snapshot_path=tmp_path / "mirror.sqlite")  # fmt: skip
    mirror.rpc.backoff = 0.001
    mirror.start()
    snapshot = chain.snapshot()
    anchors(contracts, tenant_owner, tenant_id, 0xD5, 2)
    wait_until_equal(mirror, chain, contracts, accounts, timeout=RECOVERY)
    failing = [True]
    dropped: list[int] = []

    def fail_single_block_reads(items: list[Call], batch: bool) -> bool:
        # The resync's first read (the snapshot's block, one call) and every one after it fail.
        if failing[0] and (dropped or (not batch and items[0]["method"] == "eth_getBlockByNumber")):
            dropped.append(1)
            return True
        return False

    proxy.before = fail_single_block_reads
    chain.restore(snapshot)  # every applied block was final: a reorg below finality, a resync
    anchors(contracts, tenant_owner, tenant_id, 0xE5, 3)
    wait_for(lambda: len(dropped) > 5, "RPC failures during the resync")
    assert mirror._thread is not None
    assert mirror._thread.is_alive()
    failing[0] = False
    wait_until_equal(mirror, chain, contracts, accounts, timeout=RECOVERY)
    assert mirror._thread.is_alive()
    assert mirror.status().rpc_up


# ------------------------------------------------------------------------------------- case 6


def test_a_node_behind_the_mirror_is_waited_for_not_taken_for_a_deep_reorg(
    contracts, accounts, chain, tenant_owner, tenant_id, proxy, make_mirror, tmp_path
):
    chain.mine(130)
    snapshot_path = tmp_path / "mirror.sqlite"
    mirror = make_mirror(proxy.url, snapshot_path=snapshot_path)
    mirror.start()
    wait_until_equal(mirror, chain, contracts, accounts, timeout=30)
    at = mirror.view().number
    proxy.lag_at = at - 100  # a fallback node 100 blocks behind
    wait_for(lambda: "behind" in mirror.status().last_error, "the lag reported")
    assert (mirror.resyncs, mirror.view().number) == (0, at)
    anchors(contracts, tenant_owner, tenant_id, 0xF6, 2)  # the chain moves on meanwhile
    proxy.lag_at = None
    wait_until_equal(mirror, chain, contracts, accounts, timeout=RECOVERY)
    assert mirror.resyncs == 0
    assert snapshot_path.exists()
    assert not rejected(snapshot_path)


# ------------------------------------------------------------------------------------- case 7


@pytest.fixture
def other_anvil() -> Iterator[str]:
    """A second Anvil: another chain (same chain id, another genesis) for the proxy's URL."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    process = subprocess.Popen(
        ["anvil", "--port", str(port), "--silent"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"

    def up() -> bool:
        try:
            rpc(url, "eth_chainId", [])
            return True
        except OSError:
            return False

    try:
        wait_for(up, "the second Anvil")
        rpc(url, "anvil_mine", ["0x5"])
        yield url
    finally:
        process.terminate()
        process.wait(10)


def test_a_different_chain_at_the_same_url_is_an_error_not_live_then_recovered(
    contracts, accounts, chain, tenant_owner, tenant_id, rpc_url, proxy, make_mirror, tmp_path,
    other_anvil,
):  # fmt: skip
    snapshot_path = tmp_path / "mirror.sqlite"
    mirror = make_mirror(proxy.url, snapshot_path=snapshot_path)
    mirror.start()
    anchors(contracts, tenant_owner, tenant_id, 0x17, 2)
    wait_until_equal(mirror, chain, contracts, accounts, timeout=RECOVERY)
    proxy.set_upstream(other_anvil)  # the devnet was restarted under the same URL
    wait_for(lambda: mirror.status().phase == "error", "phase error")
    status = mirror.status()
    assert "not on this chain" in status.last_error, status
    assert mirror.metrics().get("mirror_up", 0.0) == 0.0 or status.phase != "live"
    proxy.set_upstream(rpc_url)  # the right chain is back
    wait_until_equal(mirror, chain, contracts, accounts, timeout=RECOVERY)
    assert mirror.status().phase == "live"
    assert not rejected(snapshot_path)  # the snapshot was valid all along: kept


# ------------------------------------------------------------------------------------- case 8


def _with_snapshot(
    make_mirror: Any, contracts: dict[str, Any], accounts: Any, chain: Any, path: Path
) -> None:
    first: Mirror = make_mirror(snapshot_path=path)
    first.start()
    wait_until_equal(first, chain, contracts, accounts, timeout=RECOVERY)
    first.stop()  # writes the last snapshot
    assert path.exists()


@pytest.mark.parametrize(
    "damage",
    [
        "DELETE FROM meta WHERE key = 'block_number'",
        "UPDATE meta SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) "
        "WHERE key = 'block_timestamp'",
    ],
    ids=["no-block-number-row", "edited-timestamp"],
)
def test_a_damaged_snapshot_is_set_aside_and_the_mirror_resyncs(
    contracts, accounts, chain, tenant_owner, tenant_id, make_mirror, tmp_path, damage
):
    path = tmp_path / "mirror.sqlite"
    anchors(contracts, tenant_owner, tenant_id, 0x18, 2)
    _with_snapshot(make_mirror, contracts, accounts, chain, path)
    with sqlite3.connect(path) as db:
        assert db.execute(damage).rowcount == 1
    mirror = make_mirror(snapshot_path=path)
    mirror.start()
    wait_until_equal(mirror, chain, contracts, accounts, timeout=RECOVERY)
    assert len(rejected(path)) == 1
    assert mirror._thread is not None
    assert mirror._thread.is_alive()

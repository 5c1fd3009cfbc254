"""kill -9 of a mirror process during backfill and during live follow: a restart from its snapshot
ends equal to the chain, with every event applied exactly once (the journal heads prove it)."""

from __future__ import annotations

import json
import os
import queue
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from _mirror_chain import fast_config

from offchain.mirror.mirror import Mirror

pytestmark = pytest.mark.anvil


class MirrorProcess:
    """``python -m offchain.mirror`` with its JSON progress lines read on a thread."""

    def __init__(self, manifest_path: Path, rpc_url: str, snapshot: Path, *extra: str) -> None:
        self.log = snapshot.with_suffix(".log")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "offchain.mirror",
                "--manifest",
                str(manifest_path),
                "--rpc",
                rpc_url,
                "--snapshot",
                str(snapshot),
                "--progress",
                "--snapshot-interval",
                "0",
                "--poll-interval",
                "0.02",
                "--log-level",
                "INFO",
                *extra,
            ],
            stdout=subprocess.PIPE,
            stderr=self.log.open("w"),
            text=True,
            cwd=Path(__file__).resolve().parents[2],
        )
        self.lines: queue.Queue[dict[str, Any]] = queue.Queue()
        self.seen: list[dict[str, Any]] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(json.loads(line))

    def until(self, predicate: Any, timeout: float = 60) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                self.seen.append(self.lines.get(timeout=0.1))
            except queue.Empty:
                if self.process.poll() is not None:
                    break
                continue
            if predicate(self.seen):
                return self.seen
        raise AssertionError(
            f"mirror process (exit {self.process.poll()}) never got there; last lines "
            f"{self.seen[-3:]}; its log:\n{self.log.read_text()[-3000:]}"
        )

    def kill9(self) -> None:
        """SIGKILL, then read the pipe to its end: ``seen`` holds every line printed before death.

        The process keeps going between the line a test waited for and the kill; what it printed
        meanwhile counts too (it writes a snapshot at a block only after that block's lines).
        """
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        assert self.process.returncode == -signal.SIGKILL
        self.reader.join(timeout=10)
        assert not self.reader.is_alive(), "the killed process's stdout never closed"
        while not self.lines.empty():
            self.seen.append(self.lines.get_nowait())

    def cleanup(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


def restart_and_check(manifest: Any, rpc_url: str, snapshot: Path, oracle: Any) -> Mirror:
    mirror = Mirror(manifest, rpc_url, config=fast_config(snapshot_path=snapshot))
    mirror.sync(timeout=120)
    oracle(mirror)
    check = mirror.check_journal()
    assert check.ok, check.describe()
    report = mirror.audit()
    assert report.ok, report.describe()
    return mirror


def make_history(contracts: dict[str, Any], owner: Any, chain: Any, blocks: int) -> int:
    registry, anchor, market = (
        contracts[n] for n in ("TenantRegistry", "DataAnchor", "LeaseMarket")
    )
    tid = (
        registry.register("ipfs://crash", b"\x01" * 32, sender=owner)
        .events.filter(registry.TenantRegistered)[0]
        .tenantId
    )
    for i in range(blocks):
        if i % 3 == 0:
            anchor.anchor(tid, (i + 1).to_bytes(4, "big") * 8, sender=owner)
        elif i % 3 == 1:
            market.deposit(tid, 1 + i, value=1 + i, sender=owner)
        else:
            chain.mine(7)  # empty blocks: cheap history to backfill
    return int(tid)


def test_kill_during_backfill_then_restart_applies_every_event_once(
    contracts, tenant_owner, chain, manifest, manifest_path, rpc_url, tmp_path, oracle
):
    make_history(contracts, tenant_owner, chain, 90)
    chain.mine(70)  # push all of it below Anvil's finalized block (head - 64)
    snapshot = tmp_path / "mirror.sqlite"
    process = MirrorProcess(
        manifest_path,
        rpc_url,
        snapshot,
        "--chunk-blocks",
        "1",
        "--max-chunk-blocks",
        "1",
        "--concurrency",
        "1",
    )
    try:
        process.until(lambda s: sum(1 for e in s if e["final"]) >= 40)
        process.kill9()
    finally:
        process.cleanup()
    # The last block the process printed before it died (not the last the test had read when it
    # sent the kill: the process runs on meanwhile). Mirror.finalized prints a block's lines before
    # it writes the snapshot at that block, so no snapshot can be ahead of this.
    killed_at = max(e["block"] for e in process.seen)
    final = chain.blocks.head.number - 64
    assert killed_at < final, "the process finished its backfill before the kill"
    resume_from = snapshot_block(snapshot)
    assert 1 < resume_from <= killed_at  # a snapshot from mid-backfill survived the kill
    mirror = restart_and_check(manifest, rpc_url, snapshot, oracle)
    try:
        assert mirror.resyncs == 0
        assert mirror.status().last_error == ""  # the snapshot was accepted, not set aside
    finally:
        mirror.stop(snapshot=False)


def snapshot_block(path: Path) -> int:
    with sqlite3.connect(path) as db:
        return int(db.execute("SELECT value FROM meta WHERE key = 'block_number'").fetchone()[0])


def test_kill_during_live_follow_then_restart_applies_every_event_once(
    contracts, tenant_owner, chain, manifest, manifest_path, rpc_url, tmp_path, oracle
):
    tid = make_history(contracts, tenant_owner, chain, 30)
    chain.mine(70)
    snapshot = tmp_path / "mirror.sqlite"
    process = MirrorProcess(manifest_path, rpc_url, snapshot)
    anchor = contracts["DataAnchor"]
    try:
        process.until(lambda s: any(not e["final"] for e in s))  # live now
        for i in range(12):
            anchor.anchor(tid, b"\xee" * 28 + i.to_bytes(4, "big"), sender=tenant_owner)
        head = chain.blocks.head.number
        process.until(lambda s: s[-1]["block"] >= head - 5)
        process.kill9()
    finally:
        process.cleanup()
    for i in range(5):  # the chain moves on while the mirror is down
        anchor.anchor(tid, b"\xef" * 28 + i.to_bytes(4, "big"), sender=tenant_owner)
    resume_from = snapshot_block(snapshot)
    assert resume_from > 1
    mirror = restart_and_check(manifest, rpc_url, snapshot, oracle)
    try:
        assert mirror.status().last_error == ""
        assert mirror.view().anchor(b"\xef" * 28 + (4).to_bytes(4, "big")) is not None
    finally:
        mirror.stop(snapshot=False)

"""The API's event streams end properly (issue 13, cases 9 and 10): SIGTERM stops ``mirror serve``
like SIGINT, with its final snapshot, even with an event-stream client connected; a client too
slow to read is dropped and still gets its ``close`` event, so it knows to reconnect."""

from __future__ import annotations

import json
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from _mirror_chain import fast_config
from _served import EventReader, Served

from offchain.mirror.mirror import Mirror
from offchain.mirror.store import SnapshotStore

pytestmark = pytest.mark.anvil

ROOT = Path(__file__).resolve().parents[2]


def until(condition: Any, what: str, timeout: float = 30) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(0.05)
    raise AssertionError(f"never {what} within {timeout}s")


def status_of(url: str) -> Any:
    try:
        return httpx.get(url + "/status", timeout=5).json()
    except httpx.HTTPError:
        return None


def snapshot_block(path: Path, manifest: Any) -> int:
    store = SnapshotStore(path, manifest.identity())
    try:
        _, info = store.load()
    finally:
        store.close()
    return info.block_number


def assert_equal_to_chain_from(snapshot: Path, manifest: Any, rpc_url: str) -> None:
    """The oracle after a restart from the snapshot: journal heads and every entry against
    eth_call at the mirror's block hash."""
    mirror = Mirror(manifest, rpc_url, config=fast_config(snapshot_path=snapshot))
    try:
        mirror.sync(timeout=60)
        assert mirror.resyncs == 0
        assert not mirror.status().last_error
        check = mirror.check_journal()
        assert check.ok, check.describe()
        report = mirror.audit()
        assert report.ok, report.describe()
    finally:
        mirror.stop(snapshot=False)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_mirror_serve_stops_on_a_signal_with_a_stream_open_and_writes_its_snapshot(
    contracts, tenant_owner, chain, manifest, manifest_path, rpc_url, tmp_path, sig
):
    contracts["TenantRegistry"].register("ipfs://stop", b"\x04" * 32, sender=tenant_owner)
    chain.mine(3)
    head = chain.blocks.head.number
    snapshot = tmp_path / "serve.sqlite"
    process = subprocess.Popen(
        [sys.executable, "-m", "offchain.cli", "--rpc", rpc_url, "--deployment",
         str(manifest_path), "mirror", "serve", "--port", "0", "--ws", "none",
         "--poll-interval", "0.05", "--snapshot", str(snapshot), "--finality", "depth",
         "--confirmations", "1"],
        stderr=subprocess.PIPE, text=True, cwd=ROOT, start_new_session=True,
    )  # fmt: skip
    try:
        assert process.stderr is not None
        line = process.stderr.readline()
        url = line.split("serving on ", 1)[1].split()[0]
        until(lambda: (s := status_of(url)) and s["phase"] == "live" and s["block"] >= head, "live")
        reader = EventReader(url + "/events")

        process.send_signal(sig)
        process.wait(timeout=30)  # the deadline: it used to run on with the stream open

        rest = process.stderr.read()
        assert process.returncode == 0, rest
        assert f"mirror stopped by {sig.name}, snapshot at block {head - 1}" in rest
        assert reader.ended.wait(10)
        assert reader.next("close") == {"reason": "shutdown"}
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)
    assert snapshot_block(snapshot, manifest) == head - 1  # the final block at the stop
    assert_equal_to_chain_from(snapshot, manifest, rpc_url)


def test_python_m_offchain_mirror_writes_its_snapshot_on_sigterm(
    contracts, tenant_owner, chain, manifest, manifest_path, rpc_url, tmp_path
):
    contracts["TenantRegistry"].register("ipfs://stop-m", b"\x05" * 32, sender=tenant_owner)
    chain.mine(3)
    head = chain.blocks.head.number
    snapshot = tmp_path / "process.sqlite"
    process = subprocess.Popen(
        [sys.executable, "-m", "offchain.mirror", "--manifest", str(manifest_path), "--rpc",
         rpc_url, "--snapshot", str(snapshot), "--progress", "--poll-interval", "0.05",
         "--finality", "depth", "--confirmations", "1"],
        stdout=subprocess.PIPE, text=True, cwd=ROOT,
    )  # fmt: skip
    lines: queue.Queue[dict[str, Any]] = queue.Queue()

    def read() -> None:
        assert process.stdout is not None
        for text in process.stdout:
            lines.put(json.loads(text))

    def reached() -> bool:
        try:
            return bool(lines.get(timeout=0.5)["block"] >= head)
        except queue.Empty:
            return False

    threading.Thread(target=read, daemon=True).start()
    try:
        until(reached, f"block {head} applied", 60)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)
    assert snapshot_block(snapshot, manifest) == head - 1
    assert_equal_to_chain_from(snapshot, manifest, rpc_url)


def test_a_client_that_never_reads_is_dropped_and_still_gets_its_close_event(manifest, rpc_url):
    mirror = Mirror(manifest, rpc_url, config=fast_config())  # not started: events fed by hand
    served = Served(mirror)
    broadcast = served.app.state.broadcast
    client = socket.socket()
    try:
        client.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        client.connect(("127.0.0.1", int(served.url.rsplit(":", 1)[1])))
        client.sendall(b"GET /events HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n")
        until(lambda: broadcast.subscribers, "subscribed")
        loop = broadcast.subscribers[0].loop
        pad = "x" * 2000
        published = 0
        while not broadcast.dropped:  # the client reads nothing: its buffers, then queue, fill
            assert published < 100_000, "never dropped"
            for _ in range(256):
                broadcast.publish("change", json.dumps({"n": published, "pad": pad}))
                published += 1
            offered = threading.Event()
            loop.call_soon_threadsafe(offered.set)  # after every offer queued before it
            assert offered.wait(10)
        assert not broadcast.subscribers

        client.settimeout(10)  # now it reads: everything up to the close event, then the end
        received = bytearray()
        while chunk := client.recv(1 << 16):
            received += chunk
        text = received.decode()
        assert text.rstrip().endswith("0")  # the chunked body's end: the stream ended
        last = text[text.rindex("event: ") :]
        assert last.startswith('event: close\ndata: {"reason":"slow"}'), last[:200]
    finally:
        client.close()
        served.close()
        mirror.stop(snapshot=False)

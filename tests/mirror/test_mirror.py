"""The mirror facade on an in-memory chain: snapshots and resume, resync, waits, notifications."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from _fake_node import FakeChain, FakeNode, Writer, serve
from _synthetic_logs import ADDRESSES

from offchain.chain.decode import Decoder
from offchain.chain.manifest import Deployment, Manifest
from offchain.exceptions import MirrorTimeoutError, StaleViewError
from offchain.mirror.entities import Kind
from offchain.mirror.follow_types import FollowerConfig
from offchain.mirror.mirror import Mirror, MirrorConfig
from offchain.mirror.notify import Notification
from offchain.mirror.state import MirrorState

DECODER = Decoder(ADDRESSES)


def manifest(chain: FakeChain, address_salt: str = "") -> Manifest:
    contracts = {
        name: Deployment(name, address if not address_salt else address[:-2] + address_salt, 1,
                         chain.blocks[1].hash)
        for name, address in ADDRESSES.items()
    }  # fmt: skip
    return Manifest(chain_id=chain.chain_id, contracts=contracts)


def reference(chain: FakeChain) -> str:
    state = MirrorState()
    state.begin()
    state.apply_events(DECODER.decode_many([e for b in chain.blocks for e in b.logs]))
    state.end(chain.head.number, chain.head.hash)
    return state.digest()


@pytest.fixture
def writer() -> Writer:
    w = Writer(FakeChain(depth=6), ADDRESSES["DataAnchor"])
    w.blocks(25)
    return w


@pytest.fixture
def chain(writer) -> FakeChain:
    return writer.chain


@pytest.fixture
def node(chain):
    with serve(chain) as served:
        yield served


@pytest.fixture
def make(chain, node, tmp_path):
    made: list[Mirror] = []

    def build(snapshot: Path | None = None, salt: str = "", **follower: Any) -> Mirror:
        config = MirrorConfig(
            follower=FollowerConfig(chunk_blocks=5, poll_interval=0.01, error_backoff=0.01,
                                    max_error_backoff=0.05, **follower),
            snapshot_path=snapshot, snapshot_interval=0.0, journal_check_interval=None,
            check_manifest=False, rpc_attempts=2,
        )  # fmt: skip
        mirror = Mirror(manifest(chain, salt), node.url, config=config)
        mirror.rpc.backoff = 0.001
        made.append(mirror)
        return mirror

    yield build
    for mirror in made:
        mirror.stop(snapshot=False)


def test_sync_reaches_the_head_with_the_chains_state(chain, make):
    mirror = make()
    view = mirror.sync()
    assert (view.number, view.block_hash) == (chain.head.number, chain.head.hash)
    assert mirror.state.digest() == reference(chain)


def test_restart_resumes_from_the_snapshot_without_replaying(chain, make, tmp_path):
    path = tmp_path / "m.sqlite"
    first = make(path)
    first.sync()
    first.stop()
    second = make(path)
    second.sync()
    assert second.state.digest() == reference(chain)
    assert second.status().events_applied < first.status().events_applied
    assert second.status().snapshot["block_number"] == chain.head.number - chain.depth


def test_snapshot_whose_block_left_the_chain_is_set_aside_and_resynced(
    chain, make, tmp_path, writer
):
    path = tmp_path / "m.sqlite"
    first = make(path)
    first.sync()
    first.stop()
    chain.rewind(10)
    writer.blocks(20)
    second = make(path)
    second.sync()
    assert second.state.digest() == reference(chain)
    assert "is not on the chain any more" in second.status().last_error
    assert list(tmp_path.glob("m.sqlite.rejected-*"))


def test_snapshot_of_another_deployment_is_set_aside_and_resynced(chain, make, tmp_path):
    path = tmp_path / "m.sqlite"
    make(path).sync()
    make(path).stop()  # writes nothing new: the first mirror's snapshot stays
    first = make(path)
    first.sync()
    first.stop()
    other = make(path, salt="ff")
    other.sync()
    assert "another deployment" in other.status().last_error
    assert other.state.anchors == {}


def test_corrupted_snapshot_is_set_aside_and_resynced(chain, make, tmp_path):
    path = tmp_path / "m.sqlite"
    first = make(path)
    first.sync()
    first.stop()
    path.write_bytes(b"\x00" * 4096)
    second = make(path)
    second.sync()
    assert second.state.digest() == reference(chain)
    assert "corrupted" in second.status().last_error


def test_wait_for_block_returns_a_view_that_includes_the_block(chain, make, writer):
    mirror = make().start()
    block = writer.block()
    view = mirror.wait_for_block(block.number, timeout=10)
    assert view.number >= block.number
    assert view.anchor((writer.salt).to_bytes(32, "big")) is not None


def test_wait_for_a_block_that_never_comes_times_out_with_the_status(make, chain):
    mirror = make().start()
    with pytest.raises(MirrorTimeoutError, match=rf"at block {chain.head.number}; status: live"):
        mirror.wait_for_block(chain.head.number + 5, timeout=0.5)


def test_subscribers_hear_applied_and_retracted_blocks(chain, make, writer):
    notes: list[Notification] = []
    mirror = make()
    mirror.subscribe(notes.append)
    mirror.sync()
    notes.clear()
    head = chain.head.number
    writer.reorg(1)
    mirror.sync()
    assert [(n.kind, n.number) for n in notes] == [("retracted", head), ("applied", head)]
    assert all(c.kind in (Kind.ANCHOR, Kind.JOURNAL) for c in notes[0].changes)


def test_subscribers_hear_up_to_which_block_the_chain_is_final(chain, make, writer):
    notes: list[Notification] = []
    mirror = make()
    mirror.subscribe(notes.append)
    mirror.sync()
    notes.clear()

    writer.block()
    writer.block()
    mirror.sync()

    finals = [n for n in notes if n.kind == "finalized"]
    assert finals
    last = finals[-1]
    assert last.number == chain.head.number - chain.depth  # the node's 'finalized' tag
    assert last.block_hash == chain.blocks[last.number].hash
    assert last.final
    assert all(not n.changes for n in finals)


def test_unsubscribed_callback_hears_nothing_more(chain, make, writer):
    notes: list[Notification] = []
    mirror = make()
    unsubscribe = mirror.subscribe(notes.append)
    mirror.sync()
    unsubscribe()
    count = len(notes)
    writer.block()
    mirror.sync()
    assert len(notes) == count


def test_failing_subscriber_does_not_stop_the_mirror(chain, make, writer):
    mirror = make()
    mirror.subscribe(lambda note: 1 / 0)
    mirror.sync()
    assert mirror.state.number == chain.head.number


def test_reorg_below_finality_resyncs_and_stales_old_views(chain, make, writer):
    mirror = make()
    mirror.sync()
    view = mirror.view()
    chain.rewind(5)
    writer.blocks(15)
    mirror.sync()
    assert mirror.state.digest() == reference(chain)
    assert mirror.status().resyncs == 1
    with pytest.raises(StaleViewError):
        view.anchor(b"\x01" * 32)


def test_status_says_rpc_down_and_recovers(chain, make, node, writer):
    mirror = make().start()
    mirror.wait_for_block(chain.head.number, timeout=10)
    node.down = True
    deadline = time.monotonic() + 10
    while mirror.status().rpc_up and time.monotonic() < deadline:
        time.sleep(0.02)
    status = mirror.status()
    assert (status.phase, status.rpc_up) == ("error", False)
    assert "rpc DOWN" in status.rpc
    node.down = False
    block = writer.block()
    assert mirror.wait_for_block(block.number, timeout=10).number >= block.number
    assert mirror.status().rpc_up


def test_failover_keeps_following_when_the_first_endpoint_dies(chain, make, node, writer):
    backup = FakeNode(chain)
    try:
        mirror = make()
        mirror.rpc = type(mirror.rpc)([node.url, backup.url], attempts=4, backoff=0.001)
        mirror.follower = None
        mirror.sync()
        node.down = True
        writer.block()
        assert mirror.sync().number == chain.head.number
    finally:
        backup.close()


def test_metrics_report_block_lag_and_entries(chain, make):
    mirror = make()
    mirror.sync()
    metrics = mirror.metrics()
    assert metrics["mirror_block"] == chain.head.number
    assert metrics["mirror_lag_blocks"] == 0
    assert metrics['mirror_entries{table="anchor"}'] == len(mirror.state.anchors)


def test_read_retries_when_the_view_goes_stale(make):
    mirror = make()
    mirror.sync()
    calls = []

    def flaky(view: Any) -> int:
        calls.append(view)
        if len(calls) == 1:
            mirror.state.begin()
            mirror.state.end(mirror.state.number, mirror.state.block_hash)
            view._ok()
        return view.number

    assert mirror.read(flaky) == mirror.state.number
    assert len(calls) == 2


def test_periodic_checks_wait_until_the_backfill_is_done(chain, make, monkeypatch):
    mirror = make()
    mirror.config.journal_check_interval = 0.0
    phases: list[str] = []

    def check() -> None:
        phases.append(mirror.follower.status.phase)

    monkeypatch.setattr(mirror, "check_journal", check)
    mirror.sync()

    assert phases
    assert "backfill" not in phases

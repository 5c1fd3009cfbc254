"""SQLite snapshots: round trips, incremental writes, values at a finalized block, refusals."""

from __future__ import annotations

import random
import sqlite3
import uuid
from pathlib import Path

import pytest
from _history import history
from _synthetic_logs import ADDRESSES, Logs
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from offchain.chain.decode import Decoder
from offchain.exceptions import SnapshotError
from offchain.mirror.entities import Changes, Kind
from offchain.mirror.state import MirrorState
from offchain.mirror.store import SnapshotStore

DECODER = Decoder(ADDRESSES)
IDENTITY = {"chainId": 31337, "contracts": {"DataAnchor": ["0xb2", 2, "0x02"]}}


def block_hash(number: int) -> str:
    return "0x" + number.to_bytes(32, "big").hex()


def build(
    blocks: list[list[dict]], state: MirrorState | None = None, first: int = 1
) -> tuple[MirrorState, list[Changes]]:
    state = state or MirrorState()
    per_block = []
    for number, logs in enumerate(blocks, start=first):
        state.begin()
        state.apply_events(DECODER.decode_many(logs))
        per_block.append(state.end(number, block_hash(number), 1_700_000_000 + number))
    return state, per_block


def store_at(tmp_path: Path, identity: dict = IDENTITY) -> SnapshotStore:
    return SnapshotStore(tmp_path / "mirror.sqlite", identity)


def snapshot(tmp_path: Path, blocks: list[list[dict]]) -> tuple[MirrorState, SnapshotStore]:
    state, changes = build(blocks)
    store = store_at(tmp_path)
    for block in changes:
        store.mark(block)
    store.write(state, state.number, state.block_hash, state.timestamp)
    store.close()
    return state, store


@given(rng=st.randoms(use_true_random=False), blocks=st.integers(1, 20))
@example(rng=random.Random(3), blocks=20)
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_loaded_snapshot_equals_the_written_state(tmp_path, rng, blocks):
    path = tmp_path / f"{uuid.uuid4().hex}.sqlite"  # examples share tmp_path
    state, changes = build(history(rng, blocks))
    store = SnapshotStore(path, IDENTITY)
    for block in changes:
        store.mark(block)
    store.write(state, state.number, state.block_hash, state.timestamp)
    loaded, info = SnapshotStore(path, IDENTITY).load()
    assert loaded.digest() == state.digest()
    assert (info.block_number, info.block_hash) == (state.number, state.block_hash)
    assert loaded.anchors_by_tenant == state.anchors_by_tenant
    assert loaded.leases_by_status == state.leases_by_status
    assert (loaded.totals, loaded.total_claimable) == (state.totals, state.total_claimable)


def test_second_snapshot_writes_only_what_changed(tmp_path):
    blocks = history(random.Random(1), 30)
    state, changes = build(blocks[:20])
    store = store_at(tmp_path)
    for block in changes:
        store.mark(block)
    first = store.write(state, state.number, state.block_hash, state.timestamp)
    _, more = build(blocks[20:], state, first=21)
    for block in more:
        store.mark(block)
    second = store.write(state, state.number, state.block_hash, state.timestamp)
    assert 0 < second.rows_written < first.rows_written + second.rows_written
    assert second.rows_written == len({(c.kind, c.key) for block in more for c in block})
    assert store.load()[0].digest() == state.digest()


def test_snapshots_marked_from_backfilled_chunks_equal_the_state(tmp_path):
    blocks = history(random.Random(9), 40)
    state = MirrorState()
    store = store_at(tmp_path)
    for start in range(0, 40, 7):
        state.begin()
        entries = [log for block in blocks[start : start + 7] for log in block]
        changes = state.apply_final(DECODER.decode_many(entries))
        number = min(40, start + 7)
        state.end(number, block_hash(number), 1_700_000_000 + number)
        store.mark(changes)  # one net change per entry, as the follower hands them over
        if start == 14:
            store.write(state, state.number, state.block_hash, state.timestamp)
            assert store.load()[0].digest() == state.digest()
    store.write(state, state.number, state.block_hash, state.timestamp)
    assert store.load()[0].digest() == state.digest()


def test_snapshot_at_a_finalized_block_ignores_newer_blocks(tmp_path):
    blocks = history(random.Random(2), 24)
    state, changes = build(blocks[:16])
    at_final = state.digest()
    final_number, final_hash, final_time = state.number, state.block_hash, state.timestamp
    _, newer = build(blocks[16:], state, first=17)
    store = store_at(tmp_path)
    for block in changes:
        store.mark(block)
    store.write(state, final_number, final_hash, final_time, newer)
    loaded, info = store.load()
    assert (loaded.digest(), info.block_number) == (at_final, final_number)


def test_entries_deleted_before_the_snapshot_are_deleted_from_it(tmp_path):
    logs = Logs()
    grant = [logs.event("TenantRegistry", "OperatorGranted", tenantId=1, operator="0x" + "05" * 20,
                        expiresAt=10)]  # fmt: skip
    state, changes = build([grant])
    store = store_at(tmp_path)
    store.mark(changes[0])
    store.write(state, 1, block_hash(1), 0)
    logs.next_block()
    revoke = [
        logs.event("TenantRegistry", "OperatorRevoked", tenantId=1, operator="0x" + "05" * 20)
    ]
    _, more = build([revoke], state, first=2)
    store.mark(more[0])
    store.write(state, 2, block_hash(2), 0)
    assert store.load()[0].operators == {}


# ------------------------------------------------------------------------------------- refusals


def test_snapshot_of_another_chain_is_refused(tmp_path):
    snapshot(tmp_path, history(random.Random(4), 3))
    other = {**IDENTITY, "chainId": 1}
    with pytest.raises(SnapshotError, match="is from chain 31337, the mirror follows chain 1"):
        store_at(tmp_path, other).load()


def test_snapshot_of_another_deployment_is_refused(tmp_path):
    snapshot(tmp_path, history(random.Random(4), 3))
    other = {**IDENTITY, "contracts": {"DataAnchor": ["0xb3", 2, "0x02"]}}
    with pytest.raises(SnapshotError, match="another deployment"):
        store_at(tmp_path, other).load()


def test_snapshot_of_another_schema_version_is_refused(tmp_path):
    snapshot(tmp_path, history(random.Random(4), 3))
    with sqlite3.connect(tmp_path / "mirror.sqlite") as db:
        db.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    with pytest.raises(SnapshotError, match="schema version 99"):
        store_at(tmp_path).load()


def test_page_whose_bytes_changed_fails_its_checksum(tmp_path):
    snapshot(tmp_path, history(random.Random(5), 10))
    with sqlite3.connect(tmp_path / "mirror.sqlite") as db:
        (blob,) = db.execute(
            "SELECT rows FROM pages WHERE kind = ?", (int(Kind.TENANT),)
        ).fetchone()
        flipped = blob[:-1] + bytes([blob[-1] ^ 1])
        db.execute("UPDATE pages SET rows = ? WHERE kind = ?", (flipped, int(Kind.TENANT)))
    with pytest.raises(SnapshotError, match="page 0 of tenant fails its checksum"):
        store_at(tmp_path).load()


def test_missing_page_is_noticed_by_the_entry_count(tmp_path):
    snapshot(tmp_path, history(random.Random(5), 10))
    with sqlite3.connect(tmp_path / "mirror.sqlite") as db:
        db.execute("DELETE FROM pages WHERE kind = ?", (int(Kind.JOURNAL),))
    with pytest.raises(SnapshotError, match=r"journal holds 0 entries where .* recorded [1-9]"):
        store_at(tmp_path).load()


@pytest.mark.parametrize("damage", ["garbage", "truncated"])
def test_damaged_file_is_refused_as_corrupted(tmp_path, damage):
    snapshot(tmp_path, history(random.Random(6), 10))
    path = tmp_path / "mirror.sqlite"
    data = path.read_bytes()
    path.write_bytes(b"not a database at all" * 100 if damage == "garbage" else data[:1500])
    with pytest.raises(SnapshotError, match=r"corrupted|readable meta"):
        store_at(tmp_path).load()


def test_refused_snapshot_is_set_aside_not_deleted(tmp_path):
    snapshot(tmp_path, history(random.Random(6), 3))
    store = store_at(tmp_path)
    target = store.reject()
    assert target is not None
    assert target.exists()
    assert "rejected" in target.name
    assert not store.exists()


def test_pending_counts_marked_entries_until_written(tmp_path):
    state, changes = build(history(random.Random(8), 5))
    store = store_at(tmp_path)
    for block in changes:
        store.mark(block)
    assert store.pending == len({(c.kind, c.key) for block in changes for c in block})
    store.write(state, state.number, state.block_hash, state.timestamp)
    assert store.pending == 0

"""Snapshots of the mirrored state in SQLite, taken at finalized blocks, resumed from on start.

Layout: a ``meta`` table (schema version, chain id, deployment identity, the snapshot's block
number, hash and timestamp, the entry count of every state table) and a ``pages`` table. Each state
table is cut into pages (by id range, by block range for anchors, by key hash otherwise: see
:mod:`offchain.mirror._tables`); a page is one row holding its entries as a marshal'ed list of plain
tuples and the crc32 of that blob. Pages make restart fast (a million anchors load in about a
second: one ``marshal.loads`` per page instead of per-row SQL) while writes stay incremental.

Writes are incremental: the mirror marks the entries that changed in finalized blocks, and a
snapshot at finalized block ``F`` rewrites just the pages holding them, in one SQLite transaction
with the meta rows, so a crash leaves the previous snapshot or the new one, never a mix. The state
may already hold unfinalized blocks above ``F``; their undo records give each entry's value at
``F``. Pages of anchors are ordered by (block, digest), the mirror's anchoring order, so the
per-tenant lists rebuild in order without a sort.

A snapshot is refused, with a :class:`~offchain.exceptions.SnapshotError` saying why, when its
schema version, chain or deployment differ, when a page's crc or a table's entry count does not
match (a corrupted file), or when SQLite cannot read it. The caller then sets the file aside
(``<name>.rejected-<time>``: nothing is deleted) and resyncs from the chain.
"""

from __future__ import annotations

import gc
import json
import logging
import marshal
import os
import sqlite3
import time
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from offchain.exceptions import SnapshotError
from offchain.mirror._tables import BY_KIND, TABLES, Table
from offchain.mirror.entities import Change, Kind
from offchain.mirror.state import MirrorState

log = logging.getLogger("offchain.mirror.store")

SCHEMA_VERSION = 3  # 3: operator limits, payout addresses, provider handovers, lease openers


@dataclass(frozen=True, slots=True)
class SnapshotInfo:
    """What a snapshot holds."""

    path: str
    block_number: int
    block_hash: str
    block_timestamp: int
    chain_id: int
    written_at: float
    counts: dict[str, int]
    rows_written: int = 0
    seconds: float = 0.0


class SnapshotStore:
    """The snapshot file of one mirror.

    Args:
        path: the SQLite file (created on the first write).
        identity: the deployment's identity (:meth:`offchain.chain.manifest.Manifest.identity`).
    """

    def __init__(self, path: Path | str, identity: dict[str, Any]) -> None:
        self.path = Path(path)
        self.identity = identity
        self.chain_id = int(identity["chainId"])
        # kind -> key -> a value the entry had (to find its page even once it is deleted)
        self._dirty: dict[Kind, dict[Any, Any]] = {}
        self._db: sqlite3.Connection | None = None
        self.last: SnapshotInfo | None = None

    # --------------------------------------------------------------------------- tracking

    def mark(self, changes: Iterable[Change]) -> None:
        """Remember entries changed by finalized blocks (written by the next snapshot)."""
        dirty = self._dirty
        for change in changes:
            keys = dirty.get(change.kind)
            if keys is None:
                keys = dirty[change.kind] = {}
            keys[change.key] = change.after if change.after is not None else change.before

    def mark_all(self, state: MirrorState) -> None:
        """Remember every entry of ``state`` (the first snapshot of a state not read from here)."""
        for kind, table in state.tables.items():
            self._dirty.setdefault(kind, {}).update(table)

    def forget(self) -> None:
        """Drop the remembered changes (the state they belong to was abandoned)."""
        self._dirty = {}

    @property
    def pending(self) -> int:
        """Entries waiting for the next snapshot."""
        return sum(len(keys) for keys in self._dirty.values())

    # ---------------------------------------------------------------------------- writing

    def _connect(self) -> sqlite3.Connection:
        if self._db is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
            db.execute(
                "CREATE TABLE IF NOT EXISTS pages (kind INTEGER, page INTEGER, rows BLOB NOT NULL,"
                " count INTEGER NOT NULL, crc INTEGER NOT NULL, PRIMARY KEY (kind, page))"
                " WITHOUT ROWID"
            )
            self._db = db
        return self._db

    def write(
        self,
        state: MirrorState,
        number: int,
        block_hash: str,
        timestamp: int,
        newer: Sequence[Sequence[Change]] = (),
    ) -> SnapshotInfo:
        """Write the state as of finalized block ``number`` (atomically).

        Args:
            state: the live state (may be ahead of ``number``).
            number: the finalized block the snapshot is taken at.
            block_hash: its hash.
            timestamp: its timestamp.
            newer: the change lists of the applied blocks above ``number``, oldest first: each
                entry's value at ``number`` is the ``before`` of its first change there.
        """
        started = time.perf_counter()
        at_block: dict[tuple[Kind, Any], Any] = {}
        for changes in newer:
            for change in changes:
                at_block.setdefault((change.kind, change.key), change.before)
        db = self._connect()
        written = 0
        try:
            db.execute("BEGIN IMMEDIATE")
            counts = self._counts(db)
            for kind, keys in self._dirty.items():
                table = BY_KIND[kind]
                current = state.tables[kind]
                # Each dirty key's value at the block, and the page it lives in.
                pages: dict[int, dict[Any, Any]] = {}
                for key, hint in keys.items():
                    marker = (kind, key)
                    value = at_block[marker] if marker in at_block else current.get(key)
                    page = table.page(key, value if value is not None else hint)
                    pages.setdefault(page, {})[key] = value
                for page, updates in pages.items():
                    counts[kind.name.lower()] += self._rewrite(db, table, page, updates)
                    written += len(updates)
            written_at = time.time()
            meta = {
                "schema_version": SCHEMA_VERSION,
                "chain_id": self.chain_id,
                "identity": self.identity,
                "block_number": number,
                "block_hash": block_hash,
                "block_timestamp": timestamp,
                "written_at": written_at,
                "counts": counts,
            }
            db.executemany(
                "INSERT OR REPLACE INTO meta VALUES (?, ?)",
                [(key, json.dumps(value, sort_keys=True)) for key, value in meta.items()],
            )
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise
        self._dirty = {}
        info = SnapshotInfo(
            str(self.path), number, block_hash, timestamp, self.chain_id, written_at, counts,
            written, time.perf_counter() - started,
        )  # fmt: skip
        self.last = info
        log.info("snapshot at block %d: %d entries written in %.3fs", number, written, info.seconds)
        return info

    @staticmethod
    def _counts(db: sqlite3.Connection) -> dict[str, int]:
        found = db.execute("SELECT value FROM meta WHERE key = 'counts'").fetchone()
        counts: dict[str, int] = json.loads(found[0]) if found else {}
        return {kind.name.lower(): int(counts.get(kind.name.lower(), 0)) for kind in Kind}

    @staticmethod
    def _rewrite(db: sqlite3.Connection, table: Table, page: int, updates: dict[Any, Any]) -> int:
        """Apply upserts (value) and deletions (None) to one page; returns the change in count."""
        found = db.execute(
            "SELECT rows FROM pages WHERE kind = ? AND page = ?", (int(table.kind), page)
        ).fetchone()
        decode, encode = table.decode, table.encode
        entries = dict(decode(row) for row in marshal.loads(found[0])) if found else {}
        before = len(entries)
        for key, value in updates.items():
            if value is None:
                entries.pop(key, None)
            else:
                entries[key] = value
        if not entries:
            db.execute("DELETE FROM pages WHERE kind = ? AND page = ?", (int(table.kind), page))
            return -before
        rows = sorted((encode(k, v) for k, v in entries.items()), key=table.sort)
        blob = marshal.dumps(rows, 2)
        db.execute(
            "INSERT OR REPLACE INTO pages VALUES (?, ?, ?, ?, ?)",
            (int(table.kind), page, blob, len(rows), zlib.crc32(blob)),
        )
        return len(rows) - before

    def close(self) -> None:
        """Close the file."""
        if self._db is not None:
            self._db.close()
            self._db = None

    # ---------------------------------------------------------------------------- reading

    def exists(self) -> bool:
        """Whether there is a snapshot file."""
        return self.path.exists()

    def load(self) -> tuple[MirrorState, SnapshotInfo]:
        """The state the snapshot holds.

        Raises:
            SnapshotError: the file belongs to another chain or deployment, another schema version,
                or is corrupted. Nothing is loaded then.
        """
        started = time.perf_counter()
        where = str(self.path)
        try:
            db = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True)
        except sqlite3.Error as exc:
            raise SnapshotError(where, f"cannot be opened ({exc})") from None
        paused = gc.isenabled()
        if paused:
            gc.disable()  # the restored state holds no cycles: collections would only cost time
        try:
            return self._load(db, where, started)
        except sqlite3.DatabaseError as exc:
            raise SnapshotError(
                where, f"SQLite cannot read it ({exc}): the file is corrupted"
            ) from None
        finally:
            if paused:
                gc.enable()
            db.close()

    def _load(
        self, db: sqlite3.Connection, where: str, started: float
    ) -> tuple[MirrorState, SnapshotInfo]:
        try:
            meta = {
                key: json.loads(value) for key, value in db.execute("SELECT key, value FROM meta")
            }
        except (sqlite3.OperationalError, json.JSONDecodeError) as exc:
            raise SnapshotError(where, f"has no readable meta table ({exc})") from None
        version = meta.get("schema_version")
        if version != SCHEMA_VERSION:
            raise SnapshotError(
                where, f"schema version {version} (this mirror reads {SCHEMA_VERSION})"
            )
        if meta.get("chain_id") != self.chain_id:
            raise SnapshotError(
                where,
                f"is from chain {meta.get('chain_id')}, the mirror follows chain {self.chain_id}",
            )
        if meta.get("identity") != self.identity:
            raise SnapshotError(
                where,
                "is from another deployment (contract addresses or deploy blocks differ: "
                f"{meta.get('identity')} vs {self.identity})",
            )
        counts: dict[str, int] = meta.get("counts") or {}
        state = MirrorState()
        for table in TABLES:
            name = table.kind.name.lower()
            cursor = db.execute(
                "SELECT page, rows, count, crc FROM pages WHERE kind = ? ORDER BY page",
                (int(table.kind),),
            )
            total = 0
            decode = table.decode
            for page, blob, count, crc in cursor:
                if zlib.crc32(blob) != crc:
                    raise SnapshotError(where, f"page {page} of {name} fails its checksum")
                try:
                    rows = marshal.loads(blob)
                    if len(rows) != count:
                        raise ValueError(f"{len(rows)} rows where {count} were written")
                    state.load(table.kind, [decode(row) for row in rows])
                except (ValueError, TypeError, IndexError, KeyError, EOFError) as exc:
                    raise SnapshotError(
                        where, f"page {page} of {name} is invalid ({exc})"
                    ) from None
                total += count
            if counts.get(name, 0) != total:
                raise SnapshotError(
                    where,
                    f"{name} holds {total} entries where the snapshot recorded {counts.get(name)}",
                )
        try:
            state.number = int(meta["block_number"])
            state.block_hash = str(meta["block_hash"])
            state.timestamp = int(meta["block_timestamp"])
            written_at = float(meta["written_at"])
        except (KeyError, TypeError, ValueError) as exc:
            raise SnapshotError(where, f"its meta table lacks a valid {exc} row") from None
        info = SnapshotInfo(
            where, state.number, state.block_hash, state.timestamp, self.chain_id,
            written_at, counts, 0, time.perf_counter() - started,
        )  # fmt: skip
        self.last = info
        return state, info

    def reject(self) -> Path | None:
        """Set a refused snapshot aside as ``<name>.rejected-<time>`` (with its WAL files)."""
        self.close()
        if not self.path.exists():
            return None
        target = self.path.with_name(f"{self.path.name}.rejected-{int(time.time() * 1000)}")
        os.replace(self.path, target)
        for suffix in ("-wal", "-shm"):
            side = self.path.with_name(self.path.name + suffix)
            if side.exists():
                os.replace(side, target.with_name(target.name + suffix))
        self._dirty = {}
        log.warning("snapshot set aside as %s", target)
        return target

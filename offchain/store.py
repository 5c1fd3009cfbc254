"""Snapshots of the mirrored state in SQLite, taken at finalized blocks, resumed from on start.

One table per state table, typed columns (readable with the ``sqlite3`` shell), a ``crc`` per row
and a ``meta`` table: schema version, chain id, deployment identity (addresses, deploy blocks and
their hashes), the snapshot's block number, hash and timestamp, and the row count of every table.

Writes are incremental: the mirror marks the entries that changed in finalized blocks, and a
snapshot at finalized block ``F`` upserts or deletes just those, in one SQLite transaction with the
meta rows, so a crash leaves the previous snapshot or the new one, never a mix. The state may
already hold unfinalized blocks above ``F``; their undo records give each entry's value at ``F``.

A snapshot is refused, with a :class:`~offchain.exceptions.SnapshotError` saying why, when its
schema version, chain or deployment differ, when a row's crc or a table's row count does not match
(a corrupted file), or when SQLite cannot read it. The caller then sets the file aside
(``<name>.rejected-<time>``: nothing is deleted) and resyncs from the chain.
"""

from __future__ import annotations

import json
import logging
import marshal
import os
import sqlite3
import time
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from offchain.exceptions import SnapshotError
from offchain.journal import JournalState
from offchain.state import (
    Account,
    Anchor,
    Change,
    CloseReason,
    Kind,
    Lease,
    LeaseStatus,
    MirrorState,
    Pool,
    PoolStatus,
    RegistrationPolicy,
    Tenant,
    TenantStatus,
)

log = logging.getLogger("offchain.store")

SCHEMA_VERSION = 1

Row = tuple[Any, ...]


def _uri_out(text: str) -> bytes:
    # Strings decoded with surrogateescape may hold lone surrogates SQLite TEXT cannot store.
    return text.encode("utf-8", "surrogateescape")


def _uri_in(raw: bytes) -> str:
    return raw.decode("utf-8", "surrogateescape")


@dataclass(frozen=True, slots=True)
class _Table:
    """How one state table maps to SQL: key columns, value columns, and the two conversions."""

    kind: Kind
    keys: tuple[str, ...]  # "name TYPE"
    values: tuple[str, ...]
    encode: Callable[[Any, Any], Row]  # (key, value) -> row (builtins only: marshal-able)
    decode: Callable[[Row], tuple[Any, Any]]  # row -> (key, value)
    order: tuple[str, ...] = ()  # primary key when it is not the key columns: the scan order

    @property
    def name(self) -> str:
        return f"t_{self.kind.name.lower()}"

    @property
    def columns(self) -> list[str]:
        return [c.split()[0] for c in (*self.keys, *self.values)]


# uint64-or-wider amounts are stored as decimal TEXT: SQLite integers stop at 2^63 - 1.
TABLES: tuple[_Table, ...] = (
    _Table(
        Kind.JOURNAL,
        ("contract TEXT",),
        ("seq INTEGER", "head BLOB"),
        lambda k, v: (k, v.seq, v.head),
        lambda r: (r[0], JournalState(r[1], r[2])),
    ),
    _Table(
        Kind.POLICY,
        ("k INTEGER",),
        ("policy INTEGER",),
        lambda k, v: (k, int(v)),
        lambda r: (r[0], RegistrationPolicy(r[1])),
    ),
    _Table(
        Kind.ROLE,
        ("role BLOB", "account TEXT"),
        ("granted INTEGER",),
        lambda k, v: (k[0], k[1], 1),
        lambda r: ((r[0], r[1]), True),
    ),
    _Table(
        Kind.TENANT,
        ("tenant_id INTEGER",),
        (
            "owner TEXT",
            "status INTEGER",
            "created_at INTEGER",
            "metadata_uri BLOB",
            "metadata_hash BLOB",
            "pending_owner TEXT",
        ),
        lambda k, v: (
            k,
            v.owner,
            int(v.status),
            v.created_at,
            _uri_out(v.metadata_uri),
            v.metadata_hash,
            v.pending_owner,
        ),
        lambda r: (r[0], Tenant(r[0], r[1], TenantStatus(r[2]), r[3], _uri_in(r[4]), r[5], r[6])),
    ),
    _Table(
        Kind.OPERATOR,
        ("tenant_id INTEGER", "operator TEXT"),
        ("expires_at INTEGER",),
        lambda k, v: (k[0], k[1], v),
        lambda r: ((r[0], r[1]), r[2]),
    ),
    _Table(
        Kind.QUOTA,
        ("tenant_id INTEGER", "resource_class BLOB"),
        ("max_units TEXT",),
        lambda k, v: (k[0], k[1], str(v)),
        lambda r: ((r[0], r[1]), int(r[2])),
    ),
    _Table(
        Kind.POOL,
        ("pool_id INTEGER",),
        (
            "provider TEXT",
            "resource_class BLOB",
            "capacity INTEGER",
            "allocated INTEGER",
            "price_per_unit_second TEXT",
            "min_duration INTEGER",
            "max_duration INTEGER",
            "status INTEGER",
        ),
        lambda k, v: (
            k,
            v.provider,
            v.resource_class,
            v.capacity,
            v.allocated,
            str(v.price_per_unit_second),
            v.min_duration,
            v.max_duration,
            int(v.status),
        ),
        lambda r: (
            r[0],
            Pool(r[0], r[1], r[2], r[3], r[4], int(r[5]), r[6], r[7], PoolStatus(r[8])),
        ),
    ),
    _Table(
        Kind.LEASE,
        ("lease_id INTEGER",),
        (
            "tenant_id INTEGER",
            "pool_id INTEGER",
            "units INTEGER",
            "start INTEGER",
            "end_ INTEGER",
            "status INTEGER",
            "close_reason INTEGER",
            "price_per_unit_second TEXT",
            "paid_until INTEGER",
        ),
        lambda k, v: (
            k,
            v.tenant_id,
            v.pool_id,
            v.units,
            v.start,
            v.end,
            int(v.status),
            int(v.close_reason),
            str(v.price_per_unit_second),
            v.paid_until,
        ),
        lambda r: (
            r[0],
            Lease(
                r[0],
                r[1],
                r[2],
                r[3],
                r[4],
                r[5],
                LeaseStatus(r[6]),
                CloseReason(r[7]),
                int(r[8]),
                r[9],
            ),
        ),
    ),
    _Table(
        Kind.ACCOUNT,
        ("tenant_id INTEGER",),
        ("free TEXT", "reserved TEXT"),
        lambda k, v: (k, str(v.free), str(v.reserved)),
        lambda r: (r[0], Account(int(r[1]), int(r[2]))),
    ),
    _Table(
        Kind.CLAIMABLE,
        ("provider TEXT",),
        ("amount TEXT",),
        lambda k, v: (k, str(v)),
        lambda r: (r[0], int(r[1])),
    ),
    _Table(
        Kind.ACTIVE_UNITS,
        ("tenant_id INTEGER", "resource_class BLOB"),
        ("units TEXT",),
        lambda k, v: (k[0], k[1], str(v)),
        lambda r: ((r[0], r[1]), int(r[2])),
    ),
    _Table(
        Kind.ANCHOR,
        ("digest BLOB",),
        (
            "tenant_id INTEGER",
            "timestamp INTEGER",
            "block_number INTEGER",
            "revoked_at INTEGER",
            "count INTEGER",
            "revoke_reason INTEGER",
        ),
        lambda k, v: (
            k,
            v.tenant_id,
            v.timestamp,
            v.block_number,
            v.revoked_at,
            v.count,
            v.revoke_reason,
        ),
        lambda r: (r[0], Anchor(*r)),
        # Scanned in anchoring order, (block, digest), so a restored mirror lists each tenant's
        # anchors in the same order as one that applied the events.
        ("block_number", "digest"),
    ),
    _Table(
        Kind.BATCH_URI,
        ("root BLOB",),
        ("uri BLOB",),
        lambda k, v: (k, _uri_out(v)),
        lambda r: (r[0], _uri_in(r[1])),
    ),
)
_BY_KIND = {table.kind: table for table in TABLES}


def row_crc(row: Row) -> int:
    """crc32 of a row's values; marshal version 2 has no back-references, so equal rows hash
    equal whether their objects are shared or not."""
    return zlib.crc32(marshal.dumps(row, 2))


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
        identity: the deployment's identity (:meth:`offchain.manifest.Manifest.identity`).
    """

    def __init__(self, path: Path | str, identity: dict[str, Any]) -> None:
        self.path = Path(path)
        self.identity = identity
        self.chain_id = int(identity["chainId"])
        self._dirty: dict[Kind, set[Any]] = {}
        self._db: sqlite3.Connection | None = None
        self.last: SnapshotInfo | None = None

    # --------------------------------------------------------------------------- tracking

    def mark(self, changes: Iterable[Change]) -> None:
        """Remember entries changed by finalized blocks (written by the next snapshot)."""
        dirty = self._dirty
        for change in changes:
            keys = dirty.get(change.kind)
            if keys is None:
                keys = dirty[change.kind] = set()
            keys.add(change.key)

    def mark_all(self, state: MirrorState) -> None:
        """Remember every entry of ``state`` (the first snapshot of a state not read from here)."""
        for kind, table in state.tables.items():
            self._dirty.setdefault(kind, set()).update(table)

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
            for table in TABLES:
                columns = ", ".join((*table.keys, *table.values, "crc INTEGER NOT NULL"))
                keys = ", ".join(table.order or [c.split()[0] for c in table.keys])
                db.execute(
                    f"CREATE TABLE IF NOT EXISTS {table.name} ({columns}, "
                    f"PRIMARY KEY ({keys})) WITHOUT ROWID"
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
            for kind, keys in self._dirty.items():
                table = _BY_KIND[kind]
                current = state.tables[kind]
                key_cols = [c.split()[0] for c in table.keys]
                where = " AND ".join(f"{c} = ?" for c in key_cols)
                placeholders = ", ".join("?" for _ in range(len(table.columns) + 1))
                upsert = f"INSERT OR REPLACE INTO {table.name} VALUES ({placeholders})"
                delete = f"DELETE FROM {table.name} WHERE {where}"
                rows: list[Row] = []
                gone: list[Row] = []
                for key in keys:
                    marker = (kind, key)
                    value = at_block[marker] if marker in at_block else current.get(key)
                    if value is None:
                        gone.append(_key_row(table, key))
                    else:
                        row = table.encode(key, value)
                        rows.append((*row, row_crc(row)))
                if rows:
                    db.executemany(upsert, rows)
                if gone:
                    db.executemany(delete, gone)
                written += len(rows) + len(gone)
            counts = {
                table.name: db.execute(f"SELECT COUNT(*) FROM {table.name}").fetchone()[0]
                for table in TABLES
            }
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
        log.info("snapshot at block %d: %d rows written in %.3fs", number, written, info.seconds)
        return info

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
        try:
            return self._load(db, where, started)
        except sqlite3.DatabaseError as exc:
            raise SnapshotError(
                where, f"SQLite cannot read it ({exc}): the file is corrupted"
            ) from None
        finally:
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
            reader = _TableReader(db, table)
            try:
                state.load(table.kind, reader.entries())
            except (ValueError, TypeError, IndexError, KeyError) as exc:
                raise SnapshotError(where, f"{table.name} holds an invalid row ({exc})") from None
            if reader.bad:
                raise SnapshotError(
                    where,
                    f"{len(reader.bad)} row(s) of {table.name} fail their checksum, "
                    f"e.g. {reader.bad[0]!r}",
                )
            if counts.get(table.name) != reader.count:
                raise SnapshotError(
                    where,
                    f"{table.name} holds {reader.count} rows where the snapshot recorded "
                    f"{counts.get(table.name)}",
                )
        state.number = int(meta["block_number"])
        state.block_hash = str(meta["block_hash"])
        state.timestamp = int(meta["block_timestamp"])
        info = SnapshotInfo(
            where, state.number, state.block_hash, state.timestamp, self.chain_id,
            float(meta["written_at"]), counts, 0, time.perf_counter() - started,
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


class _TableReader:
    """Streams one table's rows, checking each row's crc and counting them."""

    def __init__(self, db: sqlite3.Connection, table: _Table) -> None:
        self.db = db
        self.table = table
        self.count = 0
        self.bad: list[Row] = []

    def entries(self) -> Iterable[tuple[Any, Any]]:
        table = self.table
        decode = table.decode
        cursor = self.db.execute(f"SELECT {', '.join(table.columns)}, crc FROM {table.name}")
        dumps, crc32 = marshal.dumps, zlib.crc32
        while True:
            batch = cursor.fetchmany(10_000)
            if not batch:
                return
            for full in batch:
                row = full[:-1]
                if crc32(dumps(row, 2)) != full[-1]:
                    self.bad.append(row)
                    continue
                self.count += 1
                yield decode(row)


def _key_row(table: _Table, key: Any) -> Row:
    return tuple(key) if len(table.keys) > 1 else (key,)

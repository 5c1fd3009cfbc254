"""Metering records behind a usage statement: reading them, their Merkle tree, their proof bundles.

A record file is CSV (a header row naming at least ``id``, ``meter``, ``quantity`` and
``timestamp``) or JSON Lines (one object per line with those keys). Each record becomes one leaf:
the SHA-256 of its canonical JSON (``{"id":…,"meter":…,"quantity":…,"timestamp":…}``, keys
sorted, no spaces), in the anchoring tree format (:mod:`offchain.anchoring.merkle`: OpenZeppelin's
``StandardMerkleTree`` over ``bytes32``), so the root posted with a statement proves every record.

A record bundle (``kind`` ``usage-record``) holds the record, its leaf and proof, the root and
count, and where the statement is: chain id, ``UsageLedger`` address, statement and lease ids,
period and posting transaction::

    {"schema": 1, "kind": "usage-record", "algorithm": "sha256", "leafEncoding": ["bytes32"],
     "record": {"id": "r1", "meter": "gpu.seconds", "quantity": 60, "timestamp": 1700000000},
     "leaf": "0x…", "proof": ["0x…"], "root": "0x…", "count": 3,
     "chainId": 31337, "contract": "0x…", "statementId": 7, "leaseId": 1,
     "periodStart": 1700000000, "periodEnd": 1700003600, "postTx": "0x…"}
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Final

from offchain.anchoring._json import address, bytes32, field, hexed, word, write_atomic
from offchain.anchoring.merkle import LEAF_ENCODING, MerkleTree, digest_bytes, process_proof
from offchain.exceptions import BundleFormatError, RecordFormatError

RECORD_BUNDLE_SCHEMA: Final[int] = 1
RECORD_BUNDLE_KIND: Final[str] = "usage-record"
COLUMNS: Final[tuple[str, ...]] = ("id", "meter", "quantity", "timestamp")
MAX_QUANTITY: Final[int] = 2**64 - 1


@dataclass(frozen=True, slots=True)
class UsageRecord:
    """One metering record: ``quantity`` units of ``meter`` at ``timestamp`` (Unix seconds)."""

    id: str
    meter: str
    quantity: int
    timestamp: int
    line: int = 0

    def canonical(self) -> dict[str, Any]:
        """The record as the leaf commits to it."""
        return {
            "id": self.id,
            "meter": self.meter,
            "quantity": self.quantity,
            "timestamp": self.timestamp,
        }

    @property
    def leaf(self) -> bytes:
        """SHA-256 of the canonical JSON: the record's leaf value."""
        text = json.dumps(self.canonical(), sort_keys=True, separators=(",", ":"))
        return digest_bytes(text.encode(), "sha256")


def parse_time(text: str) -> int:
    """Unix seconds, or ISO 8601 (``2026-12-05T08:00:00Z``; UTC when no offset)."""
    text = str(text).strip()
    if text.isdigit():
        return int(text)
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"{text!r} is not a time (Unix seconds or ISO 8601)") from None
    if when.tzinfo is None:
        from datetime import UTC

        when = when.replace(tzinfo=UTC)
    return int(when.timestamp())


def read_records(path: Path) -> list[UsageRecord]:
    """Every record of a ``.csv`` or ``.jsonl`` file, in file order.

    Raises:
        RecordFormatError: a row is malformed, or an id appears twice (file and line named).
    """
    source = str(path)
    text = path.read_text()
    if path.suffix.lower() == ".csv":
        rows = _csv_rows(text, source)
    elif path.suffix.lower() in (".jsonl", ".ndjson"):
        rows = _jsonl_rows(text, source)
    else:
        raise RecordFormatError(source, 0, "expected a .csv or .jsonl record file")
    records: list[UsageRecord] = []
    seen: dict[str, int] = {}
    for line, row in rows:
        record = _record(row, source, line)
        if record.id in seen:
            raise RecordFormatError(
                source, line, f"record id {record.id!r} repeats line {seen[record.id]}"
            )
        seen[record.id] = line
        records.append(record)
    if not records:
        raise RecordFormatError(source, 1, "no records")
    return records


def _csv_rows(text: str, source: str) -> Iterator[tuple[int, Mapping[str, Any]]]:
    reader = csv.reader(io.StringIO(text))
    header = [h.strip() for h in next(reader, [])]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise RecordFormatError(source, 1, f"the header lacks {', '.join(missing)}")
    for cells in reader:
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(header):
            raise RecordFormatError(
                source, reader.line_num, f"{len(cells)} cells where the header has {len(header)}"
            )
        yield reader.line_num, dict(zip(header, cells, strict=True))


def _jsonl_rows(text: str, source: str) -> Iterator[tuple[int, Mapping[str, Any]]]:
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise RecordFormatError(source, number, f"not JSON ({exc.msg})") from None
        if not isinstance(row, dict):
            raise RecordFormatError(source, number, "expected a JSON object")
        yield number, row


def _record(row: Mapping[str, Any], source: str, line: int) -> UsageRecord:
    for key in COLUMNS:
        if row.get(key) in (None, ""):
            raise RecordFormatError(source, line, f"{key} is missing")
    quantity = row["quantity"]
    if isinstance(quantity, str) and quantity.strip().isdigit():
        quantity = int(quantity.strip())
    if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 0:
        raise RecordFormatError(
            source, line, f"quantity must be a whole number >= 0, got {row['quantity']!r}"
        )
    if quantity > MAX_QUANTITY:
        raise RecordFormatError(source, line, f"quantity {quantity} is above 2**64 - 1")
    try:
        timestamp = parse_time(str(row["timestamp"]))
    except ValueError as exc:
        raise RecordFormatError(source, line, f"timestamp: {exc}") from None
    return UsageRecord(str(row["id"]), str(row["meter"]).strip(), quantity, timestamp, line)


def in_period(records: Sequence[UsageRecord], start: int, end: int) -> list[UsageRecord]:
    """The records with ``start <= timestamp < end``."""
    return [r for r in records if start <= r.timestamp < end]


def totals(records: Sequence[UsageRecord], meters: Sequence[str], source: str) -> list[int]:
    """The quantity per meter (in ``meters`` order).

    Raises:
        RecordFormatError: a record names a meter not in ``meters``, or a total exceeds uint64.
    """
    sums = dict.fromkeys(meters, 0)
    for record in records:
        if record.meter not in sums:
            known = ", ".join(meters) or "none"
            raise RecordFormatError(
                source, record.line, f"meter {record.meter!r} is not in the schedule ({known})"
            )
        sums[record.meter] += record.quantity
        if sums[record.meter] > MAX_QUANTITY:
            raise RecordFormatError(source, record.line, f"{record.meter} total exceeds 2**64 - 1")
    return [sums[m] for m in meters]


def tree_of(records: Sequence[UsageRecord], source: str) -> MerkleTree:
    """The Merkle tree of the records' leaves (labels name the lines)."""
    return MerkleTree.of([r.leaf for r in records], [f"{source} line {r.line}" for r in records])


@dataclass(frozen=True, slots=True)
class Statement:
    """Where a batch of records was posted, as its bundles record it."""

    chain_id: int
    contract: str
    statement_id: int
    lease_id: int
    period_start: int
    period_end: int
    post_tx: str


def write_bundles(
    records: Sequence[UsageRecord], tree: MerkleTree, where: Statement, out_dir: Path
) -> list[Path]:
    """One bundle per record, ``<statement>-<n>.json`` in ``out_dir``, plus ``tree.json``."""
    paths: list[Path] = []
    for number, record in enumerate(records, start=1):
        bundle = {
            "schema": RECORD_BUNDLE_SCHEMA,
            "kind": RECORD_BUNDLE_KIND,
            "algorithm": "sha256",
            "leafEncoding": list(LEAF_ENCODING),
            "record": record.canonical(),
            "leaf": hexed(record.leaf),
            "proof": [hexed(p) for p in tree.proof(record.leaf)],
            "root": hexed(tree.root),
            "count": tree.count,
            "chainId": where.chain_id,
            "contract": where.contract,
            "statementId": where.statement_id,
            "leaseId": where.lease_id,
            "periodStart": where.period_start,
            "periodEnd": where.period_end,
            "postTx": where.post_tx,
        }
        name = f"statement-{where.statement_id}-{number:05d}.json"
        paths.append(write_atomic(out_dir / name, json.dumps(bundle, indent=2) + "\n"))
    write_atomic(out_dir / "tree.json", json.dumps(tree.dump(), indent=2) + "\n")
    return paths


@dataclass(frozen=True, slots=True)
class RecordBundle:
    """A record bundle, read and checked for shape (not yet for truth)."""

    record: UsageRecord
    leaf: bytes
    proof: tuple[bytes, ...]
    root: bytes
    count: int
    where: Statement

    def proves(self) -> bool:
        """Whether the record hashes to the leaf and the proof leads from it to the root."""
        return self.record.leaf == self.leaf and process_proof(self.leaf, self.proof) == self.root


def load_bundle(path: Path) -> RecordBundle:
    """Read a record bundle.

    Raises:
        BundleFormatError: not JSON, or not a usage-record bundle of a known schema.
    """
    source = str(path)
    try:
        data = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise BundleFormatError(source, f"not JSON ({exc.msg})") from None
    if not isinstance(data, dict) or data.get("kind") != RECORD_BUNDLE_KIND:
        raise BundleFormatError(source, f"not a {RECORD_BUNDLE_KIND} bundle")
    if data.get("schema") != RECORD_BUNDLE_SCHEMA:
        raise BundleFormatError(source, f"unknown schema {data.get('schema')!r}")
    raw = field(data, "record", dict, source)
    try:
        record = _record(raw, source, 0)
    except RecordFormatError as exc:
        raise BundleFormatError(source, str(exc).split(": ", 1)[-1]) from None
    proof = field(data, "proof", list, source)
    where = Statement(
        chain_id=field(data, "chainId", int, source),
        contract=address(field(data, "contract", str, source), source),
        statement_id=field(data, "statementId", int, source),
        lease_id=field(data, "leaseId", int, source),
        period_start=field(data, "periodStart", int, source),
        period_end=field(data, "periodEnd", int, source),
        post_tx=field(data, "postTx", str, source),
    )
    return RecordBundle(
        record=record,
        leaf=bytes32(data, "leaf", source),
        proof=tuple(word(p, "proof element", source) for p in proof),
        root=bytes32(data, "root", source),
        count=field(data, "count", int, source),
        where=where,
    )


__all__ = [
    "RecordBundle",
    "Statement",
    "UsageRecord",
    "in_period",
    "load_bundle",
    "parse_time",
    "read_records",
    "totals",
    "tree_of",
    "write_bundles",
]

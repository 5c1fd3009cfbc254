"""How each state table is stored in a snapshot: rows of builtins, grouped in pages.

Each :class:`Table` turns a table's ``(key, value)`` entries into plain, marshal-able rows and back,
and says which page an entry lives in (by id range, by block range for anchors, by key hash
otherwise) and how rows are ordered inside a page. :mod:`offchain.mirror.store` reads and writes the
pages.
"""

from __future__ import annotations

import marshal
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from offchain.mirror.entities import (
    Account,
    Anchor,
    CloseReason,
    Kind,
    Lease,
    LeaseStatus,
    OperatorLimits,
    Pool,
    PoolStatus,
    RegistrationPolicy,
    Tenant,
    TenantStatus,
)
from offchain.mirror.journal import JournalState

Row = tuple[Any, ...]


def _uri_out(text: str) -> bytes:
    # Strings decoded with surrogateescape may hold lone surrogates: store the original bytes.
    return text.encode("utf-8", "surrogateescape")


def _uri_in(raw: bytes) -> str:
    return raw.decode("utf-8", "surrogateescape")


def _by_id(key: int) -> int:
    return key >> 10  # 1,024 consecutive ids per page


def _by_hash(key: Any) -> int:
    return zlib.crc32(marshal.dumps(key, 2)) & 255


@dataclass(frozen=True, slots=True)
class Table:
    """How one state table is stored: entries as plain tuples, grouped in pages."""

    kind: Kind
    encode: Callable[[Any, Any], Row]  # (key, value) -> row of builtins (marshal-able)
    decode: Callable[[Row], tuple[Any, Any]]  # row -> (key, value)
    page: Callable[[Any, Any], int]  # (key, value) -> page number
    sort: Callable[[Row], Any]  # order of rows inside a page


def _first(row: Row) -> Any:
    return row[0]


TABLES: tuple[Table, ...] = (
    Table(
        Kind.JOURNAL,
        lambda k, v: (k, v.seq, v.head),
        lambda r: (r[0], JournalState(r[1], r[2])),
        lambda k, v: 0,
        _first,
    ),
    Table(
        Kind.POLICY,
        lambda k, v: (k, int(v)),
        lambda r: (r[0], RegistrationPolicy(r[1])),
        lambda k, v: 0,
        _first,
    ),
    Table(
        Kind.ROLE,
        lambda k, v: (k[0], k[1]),
        lambda r: ((r[0], r[1]), True),
        lambda k, v: _by_hash(k),
        lambda r: r,
    ),
    Table(
        Kind.TENANT,
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
        lambda k, v: _by_id(k),
        _first,
    ),
    Table(
        Kind.OPERATOR,
        lambda k, v: (k[0], k[1], v),
        lambda r: ((r[0], r[1]), r[2]),
        lambda k, v: _by_id(k[0]),
        lambda r: r[:2],
    ),
    Table(
        Kind.QUOTA,
        lambda k, v: (k[0], k[1], v),
        lambda r: ((r[0], r[1]), r[2]),
        lambda k, v: _by_id(k[0]),
        lambda r: r[:2],
    ),
    Table(
        Kind.POOL,
        lambda k, v: (
            k,
            v.provider,
            v.resource_class,
            v.capacity,
            v.allocated,
            v.price_per_unit_second,
            v.min_duration,
            v.max_duration,
            int(v.status),
        ),
        lambda r: (r[0], Pool(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], PoolStatus(r[8]))),
        lambda k, v: _by_id(k),
        _first,
    ),
    Table(
        Kind.LEASE,
        lambda k, v: (
            k,
            v.tenant_id,
            v.pool_id,
            v.units,
            v.start,
            v.end,
            int(v.status),
            int(v.close_reason),
            v.price_per_unit_second,
            v.paid_until,
        ),
        lambda r: (
            r[0],
            Lease(
                r[0], r[1], r[2], r[3], r[4], r[5], LeaseStatus(r[6]), CloseReason(r[7]), r[8], r[9]
            ),
        ),
        lambda k, v: _by_id(k),
        _first,
    ),
    Table(
        Kind.ACCOUNT,
        lambda k, v: (k, v.free, v.reserved),
        lambda r: (r[0], Account(r[1], r[2])),
        lambda k, v: _by_id(k),
        _first,
    ),
    Table(
        Kind.CLAIMABLE,
        lambda k, v: (k, v),
        lambda r: (r[0], r[1]),
        lambda k, v: _by_hash(k),
        _first,
    ),
    Table(
        Kind.ACTIVE_UNITS,
        lambda k, v: (k[0], k[1], v),
        lambda r: ((r[0], r[1]), r[2]),
        lambda k, v: _by_id(k[0]),
        lambda r: r[:2],
    ),
    Table(
        Kind.ANCHOR,
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
        # By block range, rows in (block, digest) order: pages read in order rebuild each
        # tenant's anchor list in anchoring order; new anchors touch only the newest pages.
        lambda k, v: v.block_number >> 6,
        lambda r: (r[3], r[0]),
    ),
    Table(
        Kind.BATCH_URI,
        lambda k, v: (k, _uri_out(v)),
        lambda r: (r[0], _uri_in(r[1])),
        lambda k, v: _by_hash(k),
        _first,
    ),
    Table(
        Kind.OPERATOR_LIMITS,
        lambda k, v: (k[0], k[1], v.allowance, v.max_duration),
        lambda r: ((r[0], r[1]), OperatorLimits(r[2], r[3])),
        lambda k, v: _by_id(k[0]),
        lambda r: r[:2],
    ),
    Table(
        Kind.PAYOUT,
        lambda k, v: (k, v),
        lambda r: (r[0], r[1]),
        lambda k, v: _by_hash(k),
        _first,
    ),
    Table(
        Kind.PENDING_HANDOVER,
        lambda k, v: (k, v),
        lambda r: (r[0], r[1]),
        lambda k, v: _by_hash(k),
        _first,
    ),
    Table(
        Kind.LEASE_OPENER,
        lambda k, v: (k, v),
        lambda r: (r[0], r[1]),
        lambda k, v: _by_id(k),
        _first,
    ),
)
BY_KIND = {table.kind: table for table in TABLES}

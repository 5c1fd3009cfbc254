"""The mirrored state: every table and index at one block, written change by change, with undo.

Shape:

- The tables hold the entities of :mod:`offchain.mirror.entities` and a few plain values (operator
  expiries and limits, quotas, claimable balances, payout addresses, pending provider handovers,
  lease openers, active units, roles), keyed as each table's comment in
  :class:`MirrorState` says. Stored entities are never mutated: readers share them.
- :func:`~offchain.mirror.handlers.apply` says what an event changes (each :class:`Change` is
  ``kind, key, before, after``), including the contract's journal head; :meth:`MirrorState.commit`
  writes changes and maintains every index from ``before``/``after``. Undo is the same write with
  ``before`` and ``after`` swapped, so a rollback needs no RPC. Blocks that may still be
  reorganized are applied this way, event by event (:meth:`MirrorState.apply_events`).
- Finalized blocks are never undone, so a backfill applies a whole chunk of them with
  :meth:`MirrorState.apply_final`: the same handlers, event by event, but each entry ends up with
  one change over the chunk (first ``before``, last ``after``), its indexes are updated once, and
  each contract's journal head is extended over its events in one loop.
- The writer brackets each block with :meth:`MirrorState.begin` / :meth:`MirrorState.end`, which
  bump the generation counter the pinned :class:`~offchain.mirror.view.View` readers get
  (:meth:`MirrorState.view`) checks on every read.
"""

from __future__ import annotations

import hashlib
import marshal
import time
from bisect import bisect_right, insort
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import astuple
from enum import IntEnum
from typing import Any, Final

from offchain.chain.decode import Event
from offchain.exceptions import JournalGapError
from offchain.mirror.entities import (
    END_BUCKET_SECONDS,
    Account,
    Anchor,
    Change,
    Changes,
    Kind,
    Lease,
    LeaseStatus,
    OperatorLimits,
    Pool,
    RegistrationPolicy,
    Tenant,
)
from offchain.mirror.handlers import HANDLERS, apply
from offchain.mirror.journal import EMPTY_JOURNAL, JournalState, extend
from offchain.mirror.view import View

ZERO_HASH: Final = "0x" + "00" * 32
_ACTIVE: Final = LeaseStatus.ACTIVE  # module globals: faster than the enum's attribute lookup
_POOL: Final = Kind.POOL


def _add(index: dict[Any, set[Any]], key: Any, item: Any) -> None:
    bucket = index.get(key)
    if bucket is None:
        index[key] = {item}
    else:
        bucket.add(item)


def _discard(index: dict[Any, set[Any]], key: Any, item: Any) -> None:
    bucket = index.get(key)
    if bucket is not None:
        bucket.discard(item)
        if not bucket:
            del index[key]


class MirrorState:
    """Every table and index of the mirror, at one block (``number``, ``block_hash``).

    Written by one thread (the follower) through :meth:`commit` between :meth:`begin` and
    :meth:`end`; read by any thread through :meth:`view`.
    """

    def __init__(self) -> None:
        # tables (key -> value)
        self.journals: dict[str, JournalState] = {}  # contract name
        self.policies: dict[int, RegistrationPolicy] = {}  # 0 (absent: Open)
        self.roles: dict[tuple[bytes, str], bool] = {}  # (role, account)
        self.tenants: dict[int, Tenant] = {}  # tenant id
        self.operators: dict[tuple[int, str], int] = {}  # (tenant id, operator) -> expiresAt
        self.quotas: dict[tuple[int, bytes], int] = {}  # (tenant id, class) -> max units
        self.pools: dict[int, Pool] = {}  # pool id
        self.leases: dict[int, Lease] = {}  # lease id
        self.accounts: dict[int, Account] = {}  # tenant id
        self.claimable: dict[str, int] = {}  # provider
        self.active_units: dict[tuple[int, bytes], int] = {}  # (tenant id, class)
        self.anchors: dict[bytes, Anchor] = {}  # digest or root
        self.batch_uris: dict[bytes, str] = {}  # root (only non-empty URIs)
        self.operator_limits: dict[tuple[int, str], OperatorLimits] = {}  # (tenant id, operator)
        self.payouts: dict[str, str] = {}  # provider -> payout address (absent: the provider)
        self.pending_handovers: dict[str, str] = {}  # provider -> proposed new provider
        self.lease_openers: dict[int, str] = {}  # lease id -> the account that opened it
        self.tables: dict[Kind, dict[Any, Any]] = {
            Kind.JOURNAL: self.journals, Kind.POLICY: self.policies, Kind.ROLE: self.roles,
            Kind.TENANT: self.tenants, Kind.OPERATOR: self.operators, Kind.QUOTA: self.quotas,
            Kind.POOL: self.pools, Kind.LEASE: self.leases, Kind.ACCOUNT: self.accounts,
            Kind.CLAIMABLE: self.claimable, Kind.ACTIVE_UNITS: self.active_units,
            Kind.ANCHOR: self.anchors, Kind.BATCH_URI: self.batch_uris,
            Kind.OPERATOR_LIMITS: self.operator_limits, Kind.PAYOUT: self.payouts,
            Kind.PENDING_HANDOVER: self.pending_handovers, Kind.LEASE_OPENER: self.lease_openers,
        }  # fmt: skip
        # indexes
        self.tenants_by_owner: dict[str, set[int]] = {}
        self.tenants_by_operator: dict[str, set[int]] = {}
        self.operators_by_tenant: dict[int, set[str]] = {}
        self.pools_by_provider: dict[str, set[int]] = {}
        self.pools_by_class: dict[bytes, set[int]] = {}
        self.class_capacity: dict[bytes, list[int]] = {}  # class -> [capacity, allocated]
        self.leases_by_tenant: dict[int, set[int]] = {}
        self.leases_by_pool: dict[int, set[int]] = {}
        self.leases_by_provider: dict[str, set[int]] = {}
        self.leases_by_status: dict[LeaseStatus, set[int]] = {}
        self.active_by_end: dict[int, set[int]] = {}  # end // END_BUCKET_SECONDS -> active leases
        self.end_buckets: list[int] = []  # sorted keys of active_by_end
        self.anchors_by_tenant: dict[int, list[bytes]] = {}  # in anchoring order
        self.batches_by_tenant: dict[int, list[bytes]] = {}
        self.totals = Account()  # Σ free and Σ reserved escrow, mutated in place (not shared)
        self.total_claimable = 0
        # position
        self.number = -1
        self.block_hash = ZERO_HASH
        self.timestamp = 0
        self.generation = 0  # odd while the writer is between begin() and end()
        self.log: Changes = []  # changes since begin()
        self._indexers: dict[Kind, Callable[[Any, Any, Any], None]] = {
            Kind.TENANT: self._index_tenant, Kind.OPERATOR: self._index_operator,
            Kind.POOL: self._index_pool, Kind.LEASE: self._index_lease,
            Kind.ACCOUNT: self._index_account, Kind.CLAIMABLE: self._index_claimable,
            Kind.ANCHOR: self._index_anchor,
        }  # fmt: skip
        self._table_list = [self.tables[kind] for kind in Kind]
        self._indexer_list = [self._indexers.get(kind) for kind in Kind]

    # ---------------------------------------------------------------------------- writing

    def begin(self) -> None:
        """Start writing a block: views taken before become stale."""
        self.generation += 1
        self.log = []

    def end(self, number: int, block_hash: str, timestamp: int | None = None) -> Changes:
        """Finish writing: the state is now at ``(number, block_hash)``. Returns the changes."""
        self.number = number
        self.block_hash = block_hash
        if timestamp is not None:
            self.timestamp = timestamp
        self.generation += 1
        log, self.log = self.log, []
        return log

    def commit(self, changes: Iterable[Change]) -> None:
        """Write changes (between :meth:`begin` and :meth:`end`) and keep every index in step."""
        # Lists indexed by kind: hashing an IntEnum runs Python code, indexing a list does not.
        tables = self._table_list
        indexers = self._indexer_list
        log = self.log
        for change in changes:
            kind = change.kind
            after = change.after
            if after is None:
                tables[kind].pop(change.key, None)
            else:
                tables[kind][change.key] = after
            indexer = indexers[kind]
            if indexer is not None:
                indexer(change.key, change.before, after)
            log.append(change)

    def apply_events(self, events: Iterable[Event]) -> None:
        """Apply events in order (between :meth:`begin` and :meth:`end`), each event's changes
        logged so :meth:`undo` can revert them: for blocks that may still be reorganized."""
        commit = self.commit
        for ev in events:
            commit(apply(self, ev))

    def apply_final(self, events: Iterable[Event]) -> Changes:
        """Apply events of finalized blocks in order (between :meth:`begin` and :meth:`end`),
        keeping nothing to undo them one by one: what a backfill needs.

        Each event goes through its handler as in :meth:`apply_events` and sees the state the
        events before it left. Each entry they touch then gets one change, from its value before
        the first of them to its value after the last (none for an entry created and deleted
        among them), and its indexes are updated once (pools' indexes excepted: they follow each
        change, since a provider handover reads pools by provider); each contract's journal head
        is extended over its events in one go. Returns those net changes, grouped by table (they
        are also the state's log, returned by :meth:`end`).

        Raises:
            JournalGapError, MirrorStateError: as :func:`apply`; the tables are then back as
                they were before the first event (nothing is logged, no index was touched).
        """
        tables = self._table_list
        index_pool = self._index_pool
        firsts: list[dict[Any, Any]] = [{} for _ in tables]  # per kind: key -> value before
        seqs: dict[str, int] = {}  # contract -> seq of its last event here
        raws: dict[str, list[bytes]] = {}  # contract -> its journaled logs here, in order
        try:
            for ev in events:
                spec = ev.spec
                handler = HANDLERS.get(spec.qualname)
                if handler is not None:
                    for kind, key, before, after in handler(self, ev):
                        first = firsts[kind]
                        if key not in first:
                            first[key] = before
                        if after is None:
                            tables[kind].pop(key, None)
                        else:
                            tables[kind][key] = after
                        if kind is _POOL:
                            # Kept per change: a provider handover reads pools by provider.
                            index_pool(key, before, after)
                if spec.seq_index >= 0:
                    contract = spec.contract
                    last = seqs.get(contract)
                    if last is None:
                        last = (self.journals.get(contract) or EMPTY_JOURNAL).seq
                        raws[contract] = []
                    seq = ev.args[spec.seq_index]
                    if seq != last + 1:
                        raise JournalGapError(contract, last + 1, seq, ev.block_number)
                    seqs[contract] = seq
                    raws[contract].append(ev.raw)
        except BaseException:
            pools = tables[_POOL]
            for key, before in firsts[_POOL].items():
                index_pool(key, pools.get(key), before)
            for table, first in zip(tables, firsts, strict=True):
                for key, before in first.items():
                    if before is None:
                        table.pop(key, None)
                    else:
                        table[key] = before
            raise
        journals, before_journals = self.journals, firsts[Kind.JOURNAL]
        for contract, seq in seqs.items():
            before = before_journals[contract] = journals.get(contract)
            head = extend((before or EMPTY_JOURNAL).head, raws[contract])
            journals[contract] = JournalState(seq, head)
        changes: Changes = []
        for kind, first, indexer in zip(Kind, firsts, self._indexer_list, strict=True):
            table = tables[kind]
            for key, before in first.items():
                after = table.get(key)
                if before is None and after is None:
                    continue
                if indexer is not None and kind is not _POOL:  # pools: indexed per change above
                    indexer(key, before, after)
                changes.append(Change(kind, key, before, after))
        self.log.extend(changes)
        return changes

    def undo(self, changes: Sequence[Change]) -> Changes:
        """Revert ``changes`` (last first); returns the inverse changes in the order applied."""
        inverse = [change.inverse() for change in reversed(changes)]
        self.commit(inverse)
        return inverse

    def load(self, kind: Kind, items: Iterable[tuple[Any, Any]]) -> None:
        """Bulk-insert entries of one table into an empty state (restoring a snapshot).

        Anchors must come in anchoring order, (block, digest), as snapshots store them.
        """
        table = self._table_list[kind]
        if kind == Kind.ANCHOR:
            # Snapshots hand anchors over in anchoring order: plain appends keep the lists ordered.
            by_tenant, batches = self.anchors_by_tenant, self.batches_by_tenant
            for key, value in items:
                table[key] = value
                digests = by_tenant.get(value.tenant_id)
                if digests is None:
                    by_tenant[value.tenant_id] = [key]
                else:
                    digests.append(key)
                if value.count:
                    batches.setdefault(value.tenant_id, []).append(key)
            return
        indexer = self._indexer_list[kind]
        for key, value in items:
            table[key] = value
            if indexer is not None:
                indexer(key, None, value)

    # ---------------------------------------------------------------------------- indexes

    def _index_tenant(self, tenant_id: int, before: Tenant | None, after: Tenant | None) -> None:
        if before is not None and (after is None or after.owner != before.owner):
            _discard(self.tenants_by_owner, before.owner, tenant_id)
        if after is not None and (before is None or after.owner != before.owner):
            _add(self.tenants_by_owner, after.owner, tenant_id)

    def _index_operator(self, key: tuple[int, str], before: int | None, after: int | None) -> None:
        if after is None:
            _discard(self.tenants_by_operator, key[1], key[0])
            _discard(self.operators_by_tenant, key[0], key[1])
        elif before is None:
            _add(self.tenants_by_operator, key[1], key[0])
            _add(self.operators_by_tenant, key[0], key[1])

    def _index_pool(self, pool_id: int, before: Pool | None, after: Pool | None) -> None:
        if before is not None:
            totals = self.class_capacity[before.resource_class]
            totals[0] -= before.capacity
            totals[1] -= before.allocated
            if after is None:
                _discard(self.pools_by_provider, before.provider, pool_id)
                _discard(self.pools_by_class, before.resource_class, pool_id)
                if not self.pools_by_class.get(before.resource_class):
                    del self.class_capacity[before.resource_class]
        if after is not None:
            found = self.class_capacity.get(after.resource_class)
            if found is None:
                found = self.class_capacity[after.resource_class] = [0, 0]
            totals = found
            totals[0] += after.capacity
            totals[1] += after.allocated
            if before is None:
                _add(self.pools_by_provider, after.provider, pool_id)
                _add(self.pools_by_class, after.resource_class, pool_id)
            elif after.provider != before.provider:  # a provider handover
                _discard(self.pools_by_provider, before.provider, pool_id)
                _add(self.pools_by_provider, after.provider, pool_id)
                by_provider = self.leases_by_provider
                for lease_id in self.leases_by_pool.get(pool_id, ()):
                    _discard(by_provider, before.provider, lease_id)
                    _add(by_provider, after.provider, lease_id)

    def _index_lease(self, lease_id: int, before: Lease | None, after: Lease | None) -> None:
        if (
            before is not None
            and after is not None
            and before.status == after.status
            and before.end == after.end
        ):
            return  # a settlement: nothing any index holds changed
        if before is None and after is not None:
            _add(self.leases_by_tenant, after.tenant_id, lease_id)
            _add(self.leases_by_pool, after.pool_id, lease_id)
            pool = self.pools.get(after.pool_id)
            if pool is not None:
                _add(self.leases_by_provider, pool.provider, lease_id)
        elif after is None and before is not None:
            _discard(self.leases_by_tenant, before.tenant_id, lease_id)
            _discard(self.leases_by_pool, before.pool_id, lease_id)
            pool = self.pools.get(before.pool_id)
            if pool is not None:
                _discard(self.leases_by_provider, pool.provider, lease_id)
        old_status = before.status if before is not None else None
        new_status = after.status if after is not None else None
        if old_status != new_status:
            if old_status is not None:
                _discard(self.leases_by_status, old_status, lease_id)
            if new_status is not None:
                _add(self.leases_by_status, new_status, lease_id)
        old_end = (
            before.end // END_BUCKET_SECONDS
            if before is not None and before.status == _ACTIVE
            else None
        )
        new_end = (
            after.end // END_BUCKET_SECONDS
            if after is not None and after.status == _ACTIVE
            else None
        )
        if old_end != new_end:
            if old_end is not None:
                _discard(self.active_by_end, old_end, lease_id)
                if old_end not in self.active_by_end:
                    self.end_buckets.pop(bisect_right(self.end_buckets, old_end) - 1)
            if new_end is not None:
                if new_end not in self.active_by_end:
                    insort(self.end_buckets, new_end)
                _add(self.active_by_end, new_end, lease_id)

    def _index_account(self, _: int, before: Account | None, after: Account | None) -> None:
        totals = self.totals
        if before is not None:
            totals.free -= before.free
            totals.reserved -= before.reserved
        if after is not None:
            totals.free += after.free
            totals.reserved += after.reserved

    def _index_claimable(self, _: str, before: int | None, after: int | None) -> None:
        self.total_claimable += (after or 0) - (before or 0)

    def _index_anchor(self, digest: bytes, before: Anchor | None, after: Anchor | None) -> None:
        if before is None and after is not None:
            self._insert_anchor(self.anchors_by_tenant, digest, after)
            if after.count:
                self._insert_anchor(self.batches_by_tenant, digest, after)
        elif after is None and before is not None:
            # Undo runs newest first, so the digest is usually the last one in its tenant's lists.
            for index in (self.anchors_by_tenant, self.batches_by_tenant):
                digests = index.get(before.tenant_id)
                if digests and digests[-1] == digest:
                    digests.pop()
                elif digests and digest in digests:
                    digests.remove(digest)
                if digests is not None and not digests:
                    del index[before.tenant_id]

    def _insert_anchor(self, index: dict[int, list[bytes]], digest: bytes, record: Anchor) -> None:
        """Keep each tenant's list in anchoring order, defined as (block, digest): the same order
        whether the mirror applied the events or restored a snapshot."""
        digests = index.get(record.tenant_id)
        if digests is None:
            index[record.tenant_id] = [digest]
            return
        position = len(digests)
        order = (record.block_number, digest)
        anchors = self.anchors
        while position:
            previous = anchors[digests[position - 1]]
            if (previous.block_number, previous.digest) <= order:
                break
            position -= 1
        digests.insert(position, digest)

    # ---------------------------------------------------------------------------- reading

    def view(self) -> View:
        """A read view pinned to the current block (waits out a block being written)."""
        while True:
            generation = self.generation
            if generation & 1:
                time.sleep(0)  # the writer is mid-block: let it finish
                continue
            view = View(self, self.number, self.block_hash, self.timestamp, generation)
            if self.generation == generation:
                return view

    def entries(self, kind: Kind) -> Iterator[tuple[Any, Any]]:
        """Every ``(key, value)`` of one table (writer thread only)."""
        return iter(self.tables[kind].items())

    def digest(self) -> str:
        """A hash of every table's content, independent of insertion order: equal states, equal
        digests. For comparing replicas; costs a sort per table (writer thread or a quiet state)."""
        h = hashlib.blake2b(digest_size=32)
        for kind in Kind:
            rows = sorted(
                (marshal.dumps(_plain(key), 2), marshal.dumps(_plain(value), 2))
                for key, value in self.tables[kind].items()
            )
            h.update(kind.to_bytes(1, "big") + len(rows).to_bytes(8, "big"))
            for key_bytes, value_bytes in rows:
                h.update(len(key_bytes).to_bytes(4, "big") + key_bytes + value_bytes)
        return h.hexdigest()

    def counts(self) -> dict[str, int]:
        """Number of entries per table."""
        return {kind.name.lower(): len(table) for kind, table in self.tables.items()}


def _plain(value: Any) -> Any:
    """Entities as tuples of builtins (IntEnums as ints), for hashing and storage."""
    if isinstance(value, tuple):
        return tuple(_plain(v) for v in value)
    if hasattr(value, "__dataclass_fields__"):
        return tuple(_plain(v) for v in astuple(value))
    if isinstance(value, IntEnum):
        return int(value)
    return value


__all__ = ["ZERO_HASH", "MirrorState"]

"""What the follower is told and tells: its reading policy, where it is, what it keeps of an
unfinalized block, and the hooks its owner implements (:mod:`offchain.mirror.follower`)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Protocol

from offchain.mirror.entities import Changes

Header = dict[str, Any]
LogDict = dict[str, Any]


@dataclass(slots=True)
class FollowerConfig:
    """How the follower reads the chain."""

    chunk_blocks: int = 1_000  # first eth_getLogs range during backfill
    min_chunk_blocks: int = 1
    max_chunk_blocks: int = 200_000
    target_logs: int = 5_000  # grow or shrink chunks towards this many logs per answer
    concurrency: int = 3  # backfill chunks in flight
    poll_interval: float = 1.0  # seconds between looks at the head when nothing is pushed
    finality: str = (
        "auto"  # "auto" (finalized, else safe, else depth), "finalized", "safe", "depth"
    )
    confirmations: int = 12  # finality depth when the node has no finality tags
    max_blocks_per_poll: int = 128  # unfinalized blocks read per round
    error_backoff: float = 0.5  # first pause after a failed round; doubles up to max_error_backoff
    max_error_backoff: float = 10.0
    # Cyclic GC passes over every live entity cost half the time of a big backfill (parsing and
    # applying); state objects form no cycles, so the collector is paused during a backfill.
    # Process-wide while it lasts; reference counting still frees everything acyclic.
    pause_gc: bool = True
    # gc.freeze() after each backfill chunk and restore: later collections skip the (acyclic)
    # mirrored state. Process-wide, so off by default; the mirror process turns it on.
    freeze_gc: bool = False


@dataclass(slots=True)
class BlockRecord:
    """An applied, not yet finalized block: what is needed to check continuity and undo it."""

    number: int
    hash: str
    parent_hash: str
    timestamp: int
    logs: list[LogDict]  # the raw logs as the node sent them: a rollback never needs the RPC
    changes: Changes


@dataclass(slots=True)
class FollowerStatus:
    """Where the follower is, for status pages and metrics."""

    phase: str = "starting"  # starting, backfill, live, resync, error
    head: int = -1  # the chain's head as last seen
    finalized: int = -1  # the chain's finalized block as last seen
    applied: int = -1  # the state's block
    applied_finalized: int = -1  # the newest applied block known final
    finality: str = ""  # the rule in use
    unfinalized_blocks: int = 0
    reorgs: int = 0
    deepest_reorg: int = 0
    retracted_blocks: int = 0
    events_applied: int = 0
    backfill_chunks: int = 0
    range_splits: int = 0
    chunk_blocks: int = 0
    last_error: str = ""
    last_error_at: float = 0.0
    last_progress_at: float = field(default_factory=time.time)
    seen_head: int = -1  # the head the node last told us (status.head as it was then)
    head_seen_at: float = 0.0  # when it told us (0: never)
    synced_at: float = 0.0  # newest time at which the head the node had then is applied (0: never)

    def saw_head(self, number: int, block_hash: str, applied: int, applied_hash: str) -> None:
        """The node's head is ``number``/``block_hash`` now; the state is at ``applied``. The head
        seen before is applied by now if ``applied`` reached it: the mirror was current then."""
        now = time.time()
        if 0 <= self.seen_head <= applied:
            self.synced_at = max(self.synced_at, self.head_seen_at)
        if (number, block_hash) == (applied, applied_hash):
            self.synced_at = now
        self.seen_head, self.head_seen_at = number, now


class FollowerHooks(Protocol):
    """What the follower tells its owner (the mirror)."""

    def applied(self, number: int, block_hash: str, changes: Changes, final: bool) -> None:
        """A block (or a backfill chunk ending at ``number``) was applied.

        A block's ``changes`` are event by event; a backfill chunk's are one per entry, from its
        value before the chunk to its value after it."""

    def retracted(self, number: int, block_hash: str, inverse: Changes) -> None:
        """An applied block was undone by a reorg; ``inverse`` are the undoing changes."""

    def finalized(self, number: int, block_hash: str, changes: Changes) -> None:
        """Blocks up to ``number`` became final; ``changes`` are those that became final now."""

    def reset(self, number: int, block_hash: str, reason: str) -> None:
        """State already announced was dropped (not undone block by block): the state is back at
        ``number`` and what was told about blocks above it (final ones included) no longer holds."""


class NoHooks:
    """Hooks that do nothing."""

    def applied(self, number: int, block_hash: str, changes: Changes, final: bool) -> None:
        """Ignore."""

    def retracted(self, number: int, block_hash: str, inverse: Changes) -> None:
        """Ignore."""

    def finalized(self, number: int, block_hash: str, changes: Changes) -> None:
        """Ignore."""

    def reset(self, number: int, block_hash: str, reason: str) -> None:
        """Ignore."""

"""Follow the chain into a :class:`~offchain.mirror.state.MirrorState`: backfill, live, finality,
reorgs.

The follower keeps a cursor (the state's block), a finality rule and a batch size (ethereum-etl's
streamer shape):

- **Backfill** covers finalized blocks with ``eth_getLogs`` over our addresses, several chunks in
  flight on worker threads and applied strictly in order on the follower's thread. A node's "range
  too large / too many results" answer halves the chunk (recursively) instead of failing the sync,
  and the chunk size adapts to the answers (towards ``target_logs`` per request). Final blocks are
  never undone, so a chunk is applied with :meth:`~offchain.mirror.state.MirrorState.apply_final`:
  no undo kept, and the chunk reports one net change per entry it changed (the journal's included).
- **Live** blocks above finality are read one by one: headers in one batch, then each block's logs
  by block hash (EIP-234), so the logs always belong to the header they are applied with. Each
  applied block is kept with its hash, parent hash, raw logs and undo changes until it is
  finalized. A header whose parent hash is not the hash we applied, or a head that moved back,
  means a reorg: the follower finds the common ancestor by hash, undoes the blocks above it from
  its own undo journal (no RPC needed) and re-applies the canonical blocks. Nothing depends on
  ``removed: true`` logs, which Anvil does not send after ``anvil_reorg``.
- **Finality** is the node's ``finalized`` tag, else ``safe``, else ``head - confirmations``.

The runner that decides when to look again is pluggable: :class:`PollingRunner` sleeps the poll
interval; :class:`WebsocketRunner` also wakes on ``eth_subscribe("newHeads")`` (silverback's shape).
"""

from __future__ import annotations

import gc
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Protocol

from offchain.chain.decode import Decoder
from offchain.chain.rpc import NewHeads, RpcClient
from offchain.exceptions import RangeTooLargeError, ReorgTooDeepError, RpcError
from offchain.mirror.state import ZERO_HASH, Change, Changes, MirrorState

log = logging.getLogger("offchain.mirror.follower")

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


class NoHooks:
    """Hooks that do nothing."""

    def applied(self, number: int, block_hash: str, changes: Changes, final: bool) -> None:
        """Ignore."""

    def retracted(self, number: int, block_hash: str, inverse: Changes) -> None:
        """Ignore."""

    def finalized(self, number: int, block_hash: str, changes: Changes) -> None:
        """Ignore."""


def _int(value: Any) -> int:
    return int(value, 16) if isinstance(value, str) else int(value)


class Follower:
    """Applies the chain's logs for our contracts to ``state``, block by block.

    Not thread-safe: one thread calls :meth:`step` (or :meth:`run`); readers use ``state.view()``.

    Args:
        rpc: JSON-RPC client.
        decoder: decoder for our contracts (its addresses are the ones followed).
        state: the state to write; its ``number``/``block_hash`` is where following resumes.
        config: reading policy.
        hooks: told about applied, retracted and finalized blocks.
        start_block: first block to read when the state is empty (the first deploy block).
    """

    def __init__(
        self,
        rpc: RpcClient,
        decoder: Decoder,
        state: MirrorState,
        *,
        config: FollowerConfig | None = None,
        hooks: FollowerHooks | None = None,
        start_block: int = 0,
    ) -> None:
        self.rpc = rpc
        self.decoder = decoder
        self.state = state
        self.config = config or FollowerConfig()
        self.hooks: FollowerHooks = hooks or NoHooks()
        self.addresses = [a.lower() for a in decoder.addresses.values()]
        if state.number < 0:
            state.number = start_block - 1
        self.window: deque[BlockRecord] = deque()
        self.final_number = state.number  # the newest applied block known final
        self.final_hash = state.block_hash
        self.final_timestamp = state.timestamp
        self.status = FollowerStatus(chunk_blocks=self.config.chunk_blocks)
        self._chunk = self.config.chunk_blocks
        self._ceiling = self.config.max_chunk_blocks  # below the smallest range a node refused
        self._finality = self.config.finality if self.config.finality != "auto" else ""
        self._pool: ThreadPoolExecutor | None = None

    # ------------------------------------------------------------------------------- driving

    def run(self, stop: threading.Event, runner: Runner | None = None) -> None:
        """Step until ``stop`` is set, waiting on ``runner`` between rounds; RPC faults are retried.

        Errors that following cannot fix (reorg below finality, an event that does not fit) are
        raised for the owner to resync.
        """
        runner = runner or PollingRunner(self.config.poll_interval)
        runner.start()
        pause = self.config.error_backoff
        try:
            while not stop.is_set():
                try:
                    busy = self.step()
                    pause = self.config.error_backoff
                except RpcError as exc:  # includes answers we did not expect: retry later
                    self._record_error(exc)
                    stop.wait(pause)
                    pause = min(self.config.max_error_backoff, pause * 2)
                    continue
                except ConnectionError as exc:  # RpcUnavailableError: every endpoint is down
                    self._record_error(exc)
                    stop.wait(pause)
                    pause = min(self.config.max_error_backoff, pause * 2)
                    continue
                if not busy:
                    runner.wait(stop)
        finally:
            runner.stop()
            self.close()

    def close(self) -> None:
        """Stop the backfill workers."""
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None

    def _record_error(self, exc: Exception) -> None:
        self.status.last_error = str(exc)
        self.status.last_error_at = time.time()
        log.warning("follower: %s", exc)

    def step(self) -> bool:
        """One round: backfill or read new blocks, handle reorgs and finality.

        Returns:
            True when there may be more to do right away (call again without waiting).
        """
        if self.state.block_hash == ZERO_HASH and self.state.number >= 0:
            self._seed()
        head, finalized = self._heads()
        self.status.head = head.number
        self.status.finalized = finalized
        state = self.state

        if head.number < state.number or (
            head.number == state.number and head.hash != state.block_hash
        ):
            self._reorg()
            return True

        if finalized > state.number:
            # Everything we applied is final now: finish the window and backfill the rest.
            if self.window:
                self._confirm_window_canonical()
                self._finalize(state.number)
            self.status.phase = "backfill"
            self.backfill(state.number + 1, finalized)
            return True

        busy = False
        if head.number > state.number:
            self.status.phase = "live"
            busy = self._follow(head)
        self._finalize(finalized)
        self.status.phase = "live"
        return busy

    # --------------------------------------------------------------------------------- heads

    @dataclass(slots=True)
    class _Head:
        number: int
        hash: str
        parent_hash: str
        timestamp: int
        raw: Header

    def _head(self, header: Header) -> Follower._Head:
        return Follower._Head(
            _int(header["number"]),
            header["hash"],
            header["parentHash"],
            _int(header["timestamp"]),
            header,
        )

    def _heads(self) -> tuple[Follower._Head, int]:
        """The chain's head and its finalized block number under the finality rule."""
        rule = self._finality
        calls: list[tuple[str, Sequence[Any]]] = [("eth_getBlockByNumber", ["latest", False])]
        probe = ("finalized", "safe") if not rule else ((rule,) if rule != "depth" else ())
        calls += [("eth_getBlockByNumber", [tag, False]) for tag in probe]
        answers = self.rpc.batch(calls)
        latest = answers[0]
        if isinstance(latest, Exception):
            raise latest
        if not isinstance(latest, dict):
            raise RpcError("eth_getBlockByNumber", -32603, "no latest block", self.rpc.urls[0])
        head = self._head(latest)
        finalized = -1
        for tag, answer in zip(probe, answers[1:], strict=True):
            if isinstance(answer, dict) and answer.get("number") is not None:
                finalized = _int(answer["number"])
                if not rule:
                    self._finality = rule = tag
                    log.info("finality: the node's %r tag", tag)
                break
            if rule == tag:  # the tag in use stopped answering: fall back
                raise RpcError("eth_getBlockByNumber", -32603, f"no {tag!r} block", "")
        if finalized < 0:
            if not rule:
                self._finality = rule = "depth"
                log.info("finality: %d confirmations (no finality tags)", self.config.confirmations)
            finalized = head.number - self.config.confirmations
        self.status.finality = rule if rule != "depth" else f"{self.config.confirmations} blocks"
        return head, min(finalized, head.number)

    # ------------------------------------------------------------------------------ backfill

    def _executor(self) -> ThreadPoolExecutor:
        if self._pool is None:
            self._pool = ThreadPoolExecutor(
                max_workers=max(1, self.config.concurrency), thread_name_prefix="mirror-getlogs"
            )
        return self._pool

    def _ranges(self, start: int, end: int) -> Iterator[tuple[int, int]]:
        cursor = start
        while cursor <= end:
            stop = min(end, cursor + self._chunk - 1)
            yield cursor, stop
            cursor = stop + 1

    def backfill(
        self, start: int, end: int, *, on_chunk: Callable[[int], None] | None = None
    ) -> None:
        """Apply every log of blocks ``start..end`` (final blocks: no reorg handling needed)."""
        if end < start:
            return
        paused = self.config.pause_gc and gc.isenabled()
        if paused:
            gc.disable()
        try:
            self._backfill(start, end, on_chunk)
        finally:
            if paused:
                gc.enable()

    def _backfill(self, start: int, end: int, on_chunk: Callable[[int], None] | None) -> None:
        state = self.state
        log.info("backfill blocks %d..%d", start, end)
        pool = self._executor()
        ranges = self._ranges(start, end)
        inflight: deque[Future[tuple[int, list[LogDict], Header]]] = deque()
        for rng in ranges:
            inflight.append(pool.submit(self._fetch_chunk, *rng))
            if len(inflight) >= self.config.concurrency:
                break
        while inflight:
            to_block, logs, header = inflight.popleft().result()
            nxt = next(ranges, None)
            if nxt is not None:
                inflight.append(pool.submit(self._fetch_chunk, *nxt))
            events = self.decoder.decode_many(logs)
            state.begin()
            try:
                state.apply_final(events)  # final blocks: no undo, one net change per entry
            except Exception:
                self._abandon_block()
                raise
            changes = state.end(to_block, header["hash"], _int(header["timestamp"]))
            if self.config.freeze_gc:
                gc.freeze()
            self.final_number, self.final_hash = to_block, header["hash"]
            self.final_timestamp = state.timestamp
            status = self.status
            status.applied = status.applied_finalized = to_block
            status.events_applied += len(events)
            status.backfill_chunks += 1
            status.last_progress_at = time.time()
            self.hooks.applied(to_block, header["hash"], changes, True)
            self.hooks.finalized(to_block, header["hash"], changes)
            if on_chunk is not None:
                on_chunk(to_block)

    def _fetch_chunk(self, start: int, end: int) -> tuple[int, list[LogDict], Header]:
        """Logs of ``start..end`` and the header of ``end`` (worker thread)."""
        answers = self.rpc.batch(
            [
                ("eth_getLogs", [self._filter(start, end)]),
                ("eth_getBlockByNumber", [hex(end), False]),
            ]
        )
        logs, header = answers
        if isinstance(header, Exception):
            raise header
        if not isinstance(header, dict):
            raise RpcError("eth_getBlockByNumber", -32603, f"block {end} not found", "")
        if isinstance(logs, RangeTooLargeError):
            logs = self._split(start, end)
        elif isinstance(logs, Exception):
            raise logs
        else:
            self._adapt(end - start + 1, len(logs))
        return end, logs, header

    def _split(self, start: int, end: int) -> list[LogDict]:
        """Logs of ``start..end`` after the node refused the range: halve until it answers."""
        self.status.range_splits += 1
        if start == end:
            raise RpcError(
                "eth_getLogs", -32005, f"block {start} alone is refused as too large", ""
            )
        middle = (start + end) // 2
        refused = end - start + 1
        self._ceiling = max(self.config.min_chunk_blocks, min(self._ceiling, refused - 1))
        self._chunk = max(self.config.min_chunk_blocks, min(self._chunk, refused // 2))
        self.status.chunk_blocks = self._chunk
        return self._logs(start, middle) + self._logs(middle + 1, end)

    def _logs(self, start: int, end: int) -> list[LogDict]:
        try:
            found: list[LogDict] = self.rpc.call("eth_getLogs", [self._filter(start, end)])
        except RangeTooLargeError:
            return self._split(start, end)
        self._adapt(end - start + 1, len(found))
        return found

    def _adapt(self, blocks: int, logs: int) -> None:
        """Steer the chunk size towards ``target_logs`` answers (never above what was refused)."""
        target = self.config.target_logs
        if logs > target and blocks > self.config.min_chunk_blocks:
            self._chunk = max(self.config.min_chunk_blocks, min(self._chunk, blocks // 2))
        elif logs < target // 4 and blocks >= self._chunk:
            self._chunk = min(self._ceiling, self._chunk * 2)
        self.status.chunk_blocks = self._chunk

    def _filter(self, start: int, end: int) -> dict[str, Any]:
        return {"fromBlock": hex(start), "toBlock": hex(end), "address": self.addresses}

    # ---------------------------------------------------------------------------------- live

    def _follow(self, head: Follower._Head) -> bool:
        """Apply blocks after the state's block up to ``head`` (or a round's worth of them)."""
        state = self.state
        first = state.number + 1
        last = min(head.number, state.number + self.config.max_blocks_per_poll)
        if last == head.number and first == head.number:
            headers = [head.raw]
        else:
            answers = self.rpc.batch(
                [("eth_getBlockByNumber", [hex(n), False]) for n in range(first, last + 1)]
            )
            headers = []
            for answer in answers:
                if not isinstance(answer, dict):
                    break  # the head moved back meanwhile: take what is there
                headers.append(answer)
        if not headers:
            return False
        parent = state.block_hash
        continuous = 0
        for header in headers:
            if header["parentHash"] != parent:
                break
            parent = header["hash"]
            continuous += 1
        if continuous == 0:
            self._reorg()
            return True
        headers = headers[:continuous]
        answers = self.rpc.batch(
            [
                ("eth_getLogs", [{"blockHash": h["hash"], "address": self.addresses}])
                for h in headers
            ]
        )
        for header_, logs in zip(headers, answers, strict=True):
            if isinstance(logs, Exception) or not isinstance(logs, list):
                return True  # the block left the chain between the two reads: look again
            if any(entry.get("blockHash") != header_["hash"] for entry in logs):
                return True
            self._apply_block(header_, logs)
        return last < head.number

    def _apply_block(self, header: Header, logs: list[LogDict]) -> None:
        state = self.state
        number = _int(header["number"])
        events = self.decoder.decode_many(logs)
        state.begin()
        try:
            state.apply_events(events)
        except Exception:
            self._abandon_block()
            raise
        changes = state.end(number, header["hash"], _int(header["timestamp"]))
        record = BlockRecord(
            number, header["hash"], header["parentHash"], _int(header["timestamp"]), logs, changes
        )
        self.window.append(record)
        status = self.status
        status.applied = number
        status.unfinalized_blocks = len(self.window)
        status.events_applied += len(events)
        status.last_progress_at = time.time()
        self.hooks.applied(number, record.hash, changes, False)

    def _abandon_block(self) -> None:
        """Undo a partly applied block or chunk: the state stays at its previous block."""
        state = self.state
        state.undo(list(state.log))
        state.end(state.number, state.block_hash)

    def _seed(self) -> None:
        """Learn the hash of the block before the first one we read (continuity starts there)."""
        state = self.state
        header = self.rpc.call("eth_getBlockByNumber", [hex(state.number), False])
        if not isinstance(header, dict):
            raise RpcError("eth_getBlockByNumber", -32603, f"block {state.number} not found", "")
        state.begin()
        state.end(state.number, header["hash"], _int(header["timestamp"]))
        self.final_number, self.final_hash = state.number, header["hash"]
        self.final_timestamp = state.timestamp

    # ---------------------------------------------------------------------------------- reorg

    def _reorg(self) -> None:
        """Undo applied blocks the chain no longer has, down to the common ancestor."""
        window = self.window
        numbers = [record.number for record in window]
        answers = self.rpc.batch(
            [("eth_getBlockByNumber", [hex(n), False]) for n in [*numbers, self.final_number]]
        )
        canonical = {
            n: answer["hash"] if isinstance(answer, dict) else None
            for n, answer in zip([*numbers, self.final_number], answers, strict=True)
        }
        keep = len(window)
        while keep and canonical.get(window[keep - 1].number) != window[keep - 1].hash:
            keep -= 1
        if keep == 0 and self.final_number >= 0 and canonical[self.final_number] != self.final_hash:
            raise ReorgTooDeepError(self.final_number, self.final_number)
        dropped = len(window) - keep
        if dropped == 0:
            return  # a head that moved back then forth again: nothing of ours changed
        self.status.reorgs += 1
        self.status.deepest_reorg = max(self.status.deepest_reorg, dropped)
        log.warning(
            "reorg: undoing %d block(s) %d..%d", dropped, window[keep].number, window[-1].number
        )
        state = self.state
        state.begin()
        retracted: list[tuple[BlockRecord, Changes]] = []
        try:
            while len(window) > keep:
                record = window.pop()
                inverse = state.undo(record.changes)
                retracted.append((record, inverse))
        finally:
            parent = window[-1] if window else None
            if parent is not None:
                state.end(parent.number, parent.hash, parent.timestamp)
            else:
                state.end(self.final_number, self.final_hash, self.final_timestamp)
        self.status.retracted_blocks += dropped
        self.status.applied = state.number
        self.status.unfinalized_blocks = len(window)
        for record, inverse in retracted:
            self.hooks.retracted(record.number, record.hash, inverse)

    def _confirm_window_canonical(self) -> None:
        """Before finalizing the whole window in one go, check its newest block is still ours."""
        newest = self.window[-1]
        header = self.rpc.call("eth_getBlockByNumber", [hex(newest.number), False])
        if not isinstance(header, dict) or header.get("hash") != newest.hash:
            self._reorg()

    # ------------------------------------------------------------------------------- finality

    def _finalize(self, finalized: int) -> None:
        """Forget undo data of blocks at or below ``finalized``."""
        window = self.window
        if not window or window[0].number > finalized:
            return
        done: list[Change] = []
        record = window[0]
        while window and window[0].number <= finalized:
            record = window.popleft()
            done.extend(record.changes)
        self.final_number, self.final_hash = record.number, record.hash
        self.final_timestamp = record.timestamp
        self.status.applied_finalized = record.number
        self.status.unfinalized_blocks = len(window)
        self.hooks.finalized(record.number, record.hash, done)


# ----------------------------------------------------------------------------------- runners


class Runner:
    """Decides when the follower looks at the chain again."""

    def start(self) -> None:
        """Prepare (connect, subscribe)."""

    def stop(self) -> None:
        """Release what :meth:`start` took."""

    def wait(self, stop: threading.Event) -> None:
        """Block until it is worth looking again (or ``stop`` is set)."""
        raise NotImplementedError


class PollingRunner(Runner):
    """Look again every ``interval`` seconds."""

    def __init__(self, interval: float) -> None:
        self.interval = interval

    def wait(self, stop: threading.Event) -> None:
        """Sleep one interval (waking early on stop)."""
        stop.wait(self.interval)


class WebsocketRunner(Runner):
    """Look again as soon as the node pushes a new head, and at least every ``interval`` seconds."""

    def __init__(self, url: str, interval: float) -> None:
        self.interval = interval
        self._wake = threading.Event()
        self._heads = NewHeads(url, lambda _header: self._wake.set())

    @property
    def connected(self) -> bool:
        """Whether the subscription is up."""
        return self._heads.connected

    def start(self) -> None:
        """Subscribe in the background."""
        self._heads.start()

    def stop(self) -> None:
        """Unsubscribe."""
        self._heads.stop()

    def wait(self, stop: threading.Event) -> None:
        """Wait for a pushed head, the interval, or stop."""
        deadline = time.monotonic() + self.interval
        while not stop.is_set():
            remaining = deadline - time.monotonic()
            if remaining <= 0 or self._wake.wait(min(remaining, 0.05)):
                break
        self._wake.clear()

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

Beside it: :mod:`~offchain.mirror.follow_types` (its config, status, block records and hooks),
:mod:`~offchain.mirror.getlogs` (the backfill's chunked reads) and :mod:`~offchain.mirror.runners`
(what decides when to look again: polling, or websocket ``newHeads``; silverback's shape).
"""

from __future__ import annotations

import gc
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from offchain.chain.decode import Decoder
from offchain.chain.rpc import RpcClient
from offchain.exceptions import NodeBehindError, ReorgTooDeepError, RpcError
from offchain.mirror.entities import Change, Changes
from offchain.mirror.follow_types import (
    BlockRecord,
    FollowerConfig,
    FollowerHooks,
    FollowerStatus,
    Header,
    LogDict,
    NoHooks,
)
from offchain.mirror.getlogs import ChunkReader
from offchain.mirror.runners import PollingRunner, Runner
from offchain.mirror.state import ZERO_HASH, MirrorState

log = logging.getLogger("offchain.mirror.follower")

KNOWN_HASHES = 4096  # final blocks whose hash the follower remembers (to tell a lagging node)


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
        # Hashes of blocks known final on our chain (chunk ends, finalized blocks), newest last.
        self.known: dict[int, str] = {}
        if state.block_hash != ZERO_HASH:
            self._remember(state.number, state.block_hash)
        self.status = FollowerStatus(chunk_blocks=self.config.chunk_blocks)
        self.reader = ChunkReader(rpc, self.addresses, self.config, self.status)
        self._finality = self.config.finality if self.config.finality != "auto" else ""

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
        self.reader.close()

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
        self.status.saw_head(head.number, head.hash, self.state.number, self.state.block_hash)
        state = self.state

        if head.number < state.number or (
            head.number == state.number and head.hash != state.block_hash
        ):
            if head.number < state.number and self._on_our_chain(head):
                raise NodeBehindError(head.number, state.number)  # wait for it, never a reorg
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
        for to_block, logs, header, first in self.reader.chunks(start, end):
            if first["parentHash"] != state.block_hash:
                # The chunk does not continue what was applied: a reorg below it, or a node
                # answering from another fork. Never apply it across the fork.
                self._check_still_canonical(state.number, state.block_hash)
                raise RpcError(
                    "eth_getLogs",
                    -32603,
                    f"block {_int(first['number'])} does not follow block {state.number} "
                    f"({state.block_hash[:10]}…): the node answered from another fork; "
                    "reading again",
                    "",
                )
            # Checked while decoding: the logs come from one fork, the headers' (else RpcError).
            hashes = {_int(first["number"]): first["hash"], to_block: header["hash"]}
            events = self.decoder.decode_chunk(logs, hashes)
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
            self._remember(to_block, header["hash"])
            status = self.status
            status.applied = status.applied_finalized = to_block
            status.events_applied += len(events)
            status.backfill_chunks += 1
            status.last_progress_at = time.time()
            self.hooks.applied(to_block, header["hash"], changes, True)
            self.hooks.finalized(to_block, header["hash"], changes)
            if on_chunk is not None:
                on_chunk(to_block)

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
        self._remember(state.number, header["hash"])

    # ----------------------------------------------------------------------------- continuity

    def _remember(self, number: int, block_hash: str) -> None:
        known = self.known
        known[number] = block_hash
        if len(known) > KNOWN_HASHES:
            del known[next(iter(known))]

    def _hash_at(self, number: int) -> str | None:
        """Our chain's hash at ``number`` when the follower knows it (window or final blocks)."""
        for record in self.window:
            if record.number == number:
                return record.hash
        if number == self.state.number:
            return self.state.block_hash
        return self.known.get(number)

    def _on_our_chain(self, head: Follower._Head) -> bool:
        """Whether a head below the state's block is on our chain (a lagging node), judged by the
        newest block at or below it whose hash we know."""
        ours = self._hash_at(head.number)
        if ours is not None:
            return ours == head.hash
        below = [n for n in self.known if n < head.number]
        if not below:
            return False  # nothing known to compare: the reorg path (and resync) decides
        number = max(below)
        header = self.rpc.call("eth_getBlockByNumber", [hex(number), False])
        return isinstance(header, dict) and header.get("hash") == self.known[number]

    def _check_still_canonical(self, number: int, block_hash: str) -> None:
        """Raise :class:`ReorgTooDeepError` when a block applied as final left the chain."""
        if number < 0:
            return
        header = self.rpc.call("eth_getBlockByNumber", [hex(number), False])
        if isinstance(header, dict) and header.get("hash") != block_hash:
            raise ReorgTooDeepError(number, self.final_number)

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
            self._remember(record.number, record.hash)
        self.final_number, self.final_hash = record.number, record.hash
        self.final_timestamp = record.timestamp
        self.status.applied_finalized = record.number
        self.status.unfinalized_blocks = len(window)
        self.hooks.finalized(record.number, record.hash, done)


__all__ = ["Follower"]

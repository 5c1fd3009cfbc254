"""The backfill's reads: our contracts' logs of final block ranges, in chunks.

Several chunks are in flight on worker threads (``mirror-getlogs-*``) and handed back strictly in
order. A node's "range too large / too many results" answer halves the chunk (recursively) instead
of failing the sync, and the chunk size adapts to the answers (towards ``target_logs`` per request,
never above a range a node refused). Applying the chunks is the follower's
(:meth:`offchain.mirror.follower.Follower.backfill`).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from offchain.chain.rpc import RpcClient
from offchain.exceptions import RangeTooLargeError, RpcError
from offchain.mirror.follow_types import FollowerConfig, FollowerStatus, Header, LogDict

# (last block, its logs, the last block's header, the first block's header)
Chunk = tuple[int, list[LogDict], Header, Header]


class ChunkReader:
    """Reads ``eth_getLogs`` over block ranges for the follower; counts in its ``status``.

    Args:
        rpc: JSON-RPC client.
        addresses: the contract addresses followed (lowercase).
        config: chunk sizes, target answer size, chunks in flight.
        status: the follower's status (``range_splits``, ``chunk_blocks`` are kept here).
    """

    def __init__(
        self,
        rpc: RpcClient,
        addresses: list[str],
        config: FollowerConfig,
        status: FollowerStatus,
    ) -> None:
        self.rpc = rpc
        self.addresses = addresses
        self.config = config
        self.status = status
        self._chunk = min(config.chunk_blocks, config.max_chunk_blocks)
        self._ceiling = config.max_chunk_blocks  # below the smallest range a node refused
        self._pool: ThreadPoolExecutor | None = None

    def chunks(self, start: int, end: int) -> Iterator[Chunk]:
        """The chunks of ``start..end`` in order, up to ``concurrency`` of them fetched ahead."""
        pool = self._executor()
        ranges = self._ranges(start, end)
        inflight: deque[Future[Chunk]] = deque()
        for rng in ranges:
            inflight.append(pool.submit(self._fetch_chunk, *rng))
            if len(inflight) >= self.config.concurrency:
                break
        while inflight:
            chunk = inflight.popleft().result()
            nxt = next(ranges, None)
            if nxt is not None:
                inflight.append(pool.submit(self._fetch_chunk, *nxt))
            yield chunk

    def close(self) -> None:
        """Stop the workers."""
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None

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

    def _fetch_chunk(self, start: int, end: int) -> Chunk:
        """Logs of ``start..end`` and the headers of ``start`` and ``end`` (worker thread).

        The headers chain the chunk to its neighbours by parent hash, and the logs must agree with
        them (a log of block ``start`` or ``end`` carries that header's hash, and all logs of one
        block carry one hash), else the node answered from two forks and the chunk is read again.
        The follower checks both, the logs while decoding them
        (:meth:`~offchain.chain.decode.Decoder.decode_chunk`)."""
        calls: list[tuple[str, list[Any]]] = [
            ("eth_getLogs", [self._filter(start, end)]),
            ("eth_getBlockByNumber", [hex(end), False]),
        ]
        if start != end:
            calls.append(("eth_getBlockByNumber", [hex(start), False]))
        answers = self.rpc.batch(calls)
        logs, header = answers[0], answers[1]
        first = answers[2] if start != end else header
        for number, found in ((end, header), (start, first)):
            if isinstance(found, Exception):
                raise found
            if not isinstance(found, dict):
                raise RpcError("eth_getBlockByNumber", -32603, f"block {number} not found", "")
        if isinstance(logs, RangeTooLargeError):
            logs = self._split(start, end)
        elif isinstance(logs, Exception):
            raise logs
        else:
            self._adapt(end - start + 1, len(logs))
        return end, logs, header, first  # the follower checks the logs against the headers

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

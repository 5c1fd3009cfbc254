"""The ``GET /events`` machinery: mirror notifications rendered as Server-Sent Events and fanned
out from the follower's thread to every client.

Events: ``change`` (a block applied: its table changes, rendered as entities; amounts as decimal
strings), ``retract`` (a block undone by a reorg: the inverse changes), ``final`` (``{"block",
"hash"}``: every block up to it is final), ``reset`` (``{"block", "hash", "reason"}``: the mirror
dropped state it had announced, by a resync or a reorg deeper than it retracted, or this client
missed events no longer held: forget what the stream said and re-read) and ``close``
(``{"reason"}``, ``slow`` or ``shutdown``: the server ends the stream; reconnect). Each event has
an id but ``close`` and the ``reset`` a reconnecting client gets: with ``Last-Event-ID`` it gets
the events it missed while they are still held, else that ``reset`` first.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from offchain.models import AnchorOut, EscrowOut, LeaseOut, PoolOut, TenantOut, plain

if TYPE_CHECKING:
    from offchain.api.metrics import Metrics
    from offchain.mirror.notify import Notification

_HISTORY = 1024  # SSE events kept for clients that reconnect with Last-Event-ID
_QUEUE = 4096  # events buffered per SSE client before it is dropped as too slow
_HEARTBEAT = 15.0  # seconds between SSE keep-alive comments

# ------------------------------------------------------------------------------ SSE fan-out


Item = tuple[int, str, str]  # (id, event, data)


@dataclass(slots=True)
class _Subscriber:
    queue: asyncio.Queue[Item | None]  # None: the stream ends with a close event for ``closing``
    loop: asyncio.AbstractEventLoop
    closing: str = ""


@dataclass(slots=True)
class Broadcast:
    """Fans events out from the follower thread to every SSE client's asyncio queue."""

    history: deque[Item] = field(default_factory=lambda: deque(maxlen=_HISTORY))
    subscribers: list[_Subscriber] = field(default_factory=list)
    next_id: int = 1
    dropped: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def publish(self, event: str, data: str) -> None:
        """Queue ``event`` for every client (called from any thread)."""
        with self.lock:
            item = (self.next_id, event, data)
            self.next_id += 1
            self.history.append(item)
            subscribers = list(self.subscribers)
        for sub in subscribers:
            sub.loop.call_soon_threadsafe(self._offer, sub, item)

    def _offer(self, sub: _Subscriber, item: Item) -> None:
        if sub.closing:
            return
        try:
            sub.queue.put_nowait(item)
        except asyncio.QueueFull:
            self.dropped += 1
            self._end(sub, "slow")  # it reconnects with Last-Event-ID and gets what it missed

    def _end(self, sub: _Subscriber, reason: str) -> None:
        """Forget ``sub`` and make its stream end with a close event (on its loop's thread). Its
        queued events are discarded so the close marker always fits: they are in the history."""
        self.remove(sub)
        if sub.closing:
            return
        sub.closing = reason
        while not sub.queue.empty():
            sub.queue.get_nowait()
        sub.queue.put_nowait(None)

    def add(self, last_id: int | None) -> tuple[_Subscriber, list[Item]]:
        """A new client, with the events it missed since ``last_id`` (if still held; else a
        ``reset`` first: it cannot be told what it missed)."""
        sub = _Subscriber(asyncio.Queue(_QUEUE), asyncio.get_running_loop())
        with self.lock:
            self.subscribers.append(sub)
            if last_id is None:
                return sub, []
            backlog = [e for e in self.history if e[0] > last_id]
            oldest = self.history[0][0] if self.history else self.next_id
            lost = last_id + 1 < oldest or last_id >= self.next_id  # evicted, or another process's
        if lost:
            reset = {"block": None, "hash": None, "reason": "missed events are no longer held"}
            backlog.insert(0, (0, "reset", _json(reset)))
        return sub, backlog

    def remove(self, sub: _Subscriber) -> None:
        """Forget a client."""
        with self.lock, contextlib.suppress(ValueError):
            self.subscribers.remove(sub)

    def close(self) -> None:
        """End every client's stream with a close event (at shutdown; from any thread)."""
        with self.lock:
            subscribers = list(self.subscribers)
        for sub in subscribers:
            with contextlib.suppress(RuntimeError):  # its loop is closed already
                sub.loop.call_soon_threadsafe(self._end, sub, "shutdown")


def _json(data: Any) -> str:
    return json.dumps(data, separators=(",", ":"))


def _sse(item: Item) -> bytes:
    event_id, event, data = item
    head = f"id: {event_id}\n" if event_id else ""  # a reset or close has none
    return f"{head}event: {event}\ndata: {data}\n\n".encode()


def event_stream(broadcast: Broadcast, last_id: int | None) -> AsyncIterator[bytes]:
    """A new client's stream (subscribed now): the missed events after ``last_id``, then every
    event as published, with keep-alive comments; it ends with a close event when the client is
    dropped as too slow or the server shuts down."""
    sub, backlog = broadcast.add(last_id)

    async def stream() -> AsyncIterator[bytes]:
        try:
            yield b": leasehold mirror events\nretry: 1000\n\n"
            for item in backlog:
                yield _sse(item)
            while True:
                try:
                    received = await asyncio.wait_for(sub.queue.get(), _HEARTBEAT)
                except TimeoutError:
                    yield b": keep-alive\n\n"
                    continue
                if received is None:
                    yield _sse((0, "close", _json({"reason": sub.closing})))
                    return
                yield _sse(received)
        finally:
            broadcast.remove(sub)

    return stream()


# ------------------------------------------------------------------------- change rendering


def render_entity(table: str, key: Any, value: Any) -> Any:
    """An entity of a change in its API shape (the same as the read endpoints)."""
    if value is None:
        return None
    renderers: dict[str, Callable[[], Any]] = {
        "tenant": lambda: TenantOut.of(value),
        "pool": lambda: PoolOut.of(value),
        "lease": lambda: LeaseOut.of(value),
        "anchor": lambda: AnchorOut.of(value),
        "account": lambda: EscrowOut.of(int(key), value),
        "claimable": lambda: str(value),  # an amount: a decimal string, as everywhere
    }
    render = renderers.get(table)
    if render is None:
        return plain(value)
    rendered = render()
    return (
        rendered if isinstance(rendered, str) else rendered.model_dump(mode="json", by_alias=True)
    )


def render_changes(changes: Iterable[Any]) -> list[dict[str, Any]]:
    """A block's changes as JSON: table, key, before and after."""
    out = []
    for change in changes:
        table = change.kind.name.lower()
        out.append(
            {
                "table": table,
                "key": plain(change.key),
                "before": render_entity(table, change.key, change.before),
                "after": render_entity(table, change.key, change.after),
            }
        )
    return out


class Publisher:
    """Turns mirror notifications into SSE events (runs on the follower's thread)."""

    def __init__(self, broadcast: Broadcast, metrics: Metrics) -> None:
        self.broadcast = broadcast
        self.metrics = metrics

    def __call__(self, note: Notification) -> None:
        if note.kind == "reset":
            self.metrics.resets += 1
            reset = {"block": note.number, "hash": note.block_hash, "reason": note.reason}
            self.broadcast.publish("reset", _json({**reset, "at": time.time()}))
            return
        if note.kind == "finalized":
            final = {"block": note.number, "hash": note.block_hash, "at": time.time()}
            self.broadcast.publish("final", json.dumps(final, separators=(",", ":")))
            return
        retracted = note.kind == "retracted"
        if retracted:
            self.metrics.retractions += 1
        else:
            self.metrics.blocks_applied += 1
        if not note.changes and not retracted:
            return
        data = {
            "block": note.number,
            "hash": note.block_hash,
            "final": note.final,
            "changes": render_changes(note.changes),
            "at": time.time(),
        }
        event = "retract" if retracted else "change"
        self.broadcast.publish(event, json.dumps(data, separators=(",", ":")))

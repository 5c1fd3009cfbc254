"""The event fan-out by itself (no server): resets for clients that missed what is no longer held,
close markers that always fit, and reset notes rendered as reset events."""

from __future__ import annotations

import asyncio
import json

from offchain.api.metrics import Metrics
from offchain.api.sse import _QUEUE, Broadcast, Publisher, event_stream
from offchain.mirror.notify import Notification


def _published(count: int) -> Broadcast:
    broadcast = Broadcast()
    for i in range(count):
        broadcast.publish("change", json.dumps({"n": i}))
    return broadcast


def _backlog(broadcast: Broadcast, last_id: int) -> list[tuple[int, str, str]]:
    async def add() -> list[tuple[int, str, str]]:
        _, backlog = broadcast.add(last_id)
        return backlog

    return asyncio.run(add())


def test_a_client_whose_missed_events_were_evicted_gets_a_reset_first():
    broadcast = _published(1100)  # more than the history holds
    backlog = _backlog(broadcast, 5)
    assert backlog[0][:2] == (0, "reset")
    assert [item[0] for item in backlog[1:]] == list(range(1100 - 1024 + 1, 1101))


def test_a_last_event_id_of_another_server_process_gets_a_reset():
    backlog = _backlog(_published(3), 5000)
    assert [item[1] for item in backlog] == ["reset"]


def test_a_client_that_missed_only_held_events_gets_them_without_a_reset():
    backlog = _backlog(_published(10), 4)
    assert [item[0] for item in backlog] == [5, 6, 7, 8, 9, 10]


def test_shutdown_ends_a_full_stream_with_a_close_event():
    async def scenario() -> list[bytes]:
        broadcast = Broadcast()
        stream = event_stream(broadcast, None)
        chunks = [await anext(stream)]  # the preamble: subscribed
        sub = broadcast.subscribers[0]
        for i in range(_QUEUE):
            broadcast.publish("change", str(i))
        await asyncio.sleep(0)  # the offers run
        assert sub.queue.full()
        broadcast.close()
        async for chunk in stream:
            chunks.append(chunk)
        return chunks

    chunks = asyncio.run(asyncio.wait_for(scenario(), 10))
    assert chunks[-1] == b'event: close\ndata: {"reason":"shutdown"}\n\n'


def test_a_reset_note_becomes_a_reset_event_and_is_counted():
    broadcast, metrics = Broadcast(), Metrics()
    Publisher(broadcast, metrics)(Notification("reset", 7, "0xab", [], reason="resync after: x"))
    [(event_id, event, data)] = list(broadcast.history)
    assert (event_id, event) == (1, "reset")
    assert {k: v for k, v in json.loads(data).items() if k != "at"} == {
        "block": 7,
        "hash": "0xab",
        "reason": "resync after: x",
    }
    assert metrics.resets == 1

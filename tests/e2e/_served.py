"""The API over an in-process mirror, served by uvicorn on a thread, and an event-stream reader."""

from __future__ import annotations

import json
import queue
import threading
import time
from typing import Any

import httpx

from offchain.api.app import create_app
from offchain.api.server import make_server


class Served:
    """``create_app(mirror)`` on a loopback port until :meth:`close` (the test's own thread)."""

    def __init__(self, mirror: Any) -> None:
        self.app = create_app(mirror)
        self.server = make_server(self.app, "127.0.0.1", 0, grace=2)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            assert self.thread.is_alive(), "uvicorn stopped"
            assert time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.01)
        port = self.server.servers[0].sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        self.http = httpx.Client(base_url=self.url, timeout=10)

    def close(self) -> None:
        self.http.close()
        self.server.should_exit = True
        self.thread.join(20)
        assert not self.thread.is_alive(), "uvicorn did not stop"


class EventReader:
    """Reads an SSE stream on a thread into a queue of (event, data); ``ended`` once it closed."""

    def __init__(self, url: str, headers: dict[str, str] | None = None) -> None:
        self.events: queue.Queue[tuple[str, Any]] = queue.Queue()
        self.seen: list[tuple[str, Any]] = []
        self.ready = threading.Event()
        self.ended = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(url, headers or {}), daemon=True)
        self._thread.start()
        assert self.ready.wait(10), "the event stream did not open"

    def _run(self, url: str, headers: dict[str, str]) -> None:
        try:
            with (
                httpx.Client(timeout=httpx.Timeout(10, read=None)) as client,
                client.stream("GET", url, headers=headers) as response,
            ):
                event, data = "", ""
                for line in response.iter_lines():
                    self.ready.set()
                    if line.startswith("event: "):
                        event = line[7:]
                    elif line.startswith("data: "):
                        data = line[6:]
                    elif line == "" and event:
                        self.events.put((event, json.loads(data)))
                        event, data = "", ""
        except httpx.HTTPError:
            pass
        finally:
            self.ended.set()

    def next(self, kind: str, timeout: float = 20.0) -> Any:
        """The next ``kind`` event (those before it are kept in ``seen``)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                event, data = self.events.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                break
            self.seen.append((event, data))
            if event == kind:
                return data
        raise AssertionError(f"no {kind} event within {timeout}s; seen {[e for e, _ in self.seen]}")

"""A loopback JSON-RPC proxy that makes a healthy node look like a bad one.

Between the mirror and Anvil it forwards each request and, by a seeded random draw per request,
drops the connection, delays, answers HTTP 429 or 5xx, truncates the JSON, or refuses an
``eth_getLogs`` range wider than ``max_range`` blocks with a provider-style -32005 error. Counts of
every fault it injected are in ``injected``.

Faults that need the calls' meaning, each switched on by an attribute:

- ``before``: ``(calls, batch) -> drop`` for each request before it is forwarded (to act on the
  chain at a chosen moment, e.g. reorganize it while a backfill chunk is being read); True drops
  the connection instead,
- ``rewrite``: ``(call, result) -> result`` for every answer (drop a log, a block's last log...),
- ``lag_at``: the node looks stuck at that block (heads, blocks, logs and calls above it hidden),
- ``set_upstream``: another node at the same URL (a restarted devnet, another chain).

``Faults(drop=1.0)`` is an outage (the node down).

With ``retry_after`` its 429s carry ``Retry-After: <seconds>``, and a request that arrives before
that time is counted in ``early`` (a client that ignores the header).
"""

from __future__ import annotations

import http.client
import json
import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

Call = dict[str, Any]
TAGS = ("latest", "pending", "safe", "finalized")


@dataclass
class Faults:
    """Probabilities per request (checked in this order) and the log range limit."""

    drop: float = 0.0
    delay: float = 0.0
    delay_seconds: float = 0.3
    status_429: float = 0.0
    status_5xx: float = 0.0
    truncate: float = 0.0
    max_range: int = 0  # eth_getLogs wider than this is refused (0: no limit)
    retry_after: float | None = None  # seconds a 429 asks the client to wait (None: no header)


class FaultProxy:
    def __init__(self, upstream: str, faults: Faults, seed: int = 0) -> None:
        parts = urlsplit(upstream)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.faults = faults
        self.rng = random.Random(seed)
        self.lock = threading.Lock()
        self.injected: Counter[str] = Counter()
        self.forwarded = 0
        self.enabled = True
        self.before: Callable[[list[Call], bool], bool] | None = None
        self.rewrite: Callable[[Call, Any], Any] | None = None
        self.lag_at: int | None = None
        self.early = 0  # requests that came before the Retry-After of a 429 had passed
        self.quiet_until = 0.0  # time.monotonic() before which the last Retry-After asked quiet
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                proxy._check_quiet()
                fault = proxy._draw()
                if fault == "drop":
                    self.close_connection = True
                    self.connection.close()
                    return
                if fault == "delay":
                    time.sleep(proxy.faults.delay_seconds)
                if fault in ("429", "503"):
                    self._send(int(fault), b"busy", proxy._retry_after(fault))
                    return
                if proxy.before or proxy.rewrite or proxy.lag_at is not None:
                    meddled = proxy._meddle(body)
                    if meddled is None:
                        self.close_connection = True
                        self.connection.close()
                        return
                    self._send(200, meddled)
                    return
                refused = proxy._refuse_range(body)
                data = refused if refused is not None else proxy._forward(body)
                if fault == "truncate":
                    data = data[: max(1, len(data) // 3)]
                self._send(200, data)

            def _send(self, status: int, data: bytes, retry_after: str | None = None) -> None:
                self.send_response(status)
                if retry_after is not None:
                    self.send_header("Retry-After", retry_after)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._local = threading.local()
        self._thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    def _check_quiet(self) -> None:
        with self.lock:
            if time.monotonic() < self.quiet_until:
                self.early += 1

    def _retry_after(self, fault: str) -> str | None:
        seconds = self.faults.retry_after
        if fault != "429" or seconds is None:
            return None
        with self.lock:
            self.quiet_until = time.monotonic() + seconds
        return f"{seconds:g}"

    def _draw(self) -> str | None:
        if not self.enabled:
            return None
        f = self.faults
        with self.lock:
            roll = self.rng.random()
        for name, p in (
            ("drop", f.drop),
            ("delay", f.delay),
            ("429", f.status_429),
            ("503", f.status_5xx),
            ("truncate", f.truncate),
        ):
            if roll < p:
                with self.lock:
                    self.injected[name] += 1
                return name
            roll -= p
        return None

    def _refuse_range(self, body: bytes) -> bytes | None:
        limit = self.faults.max_range
        if not self.enabled or not limit:
            return None
        payload = json.loads(body)
        items = payload if isinstance(payload, list) else [payload]
        answers, refused = [], False
        for item in items:
            query = (item.get("params") or [{}])[0] if item.get("method") == "eth_getLogs" else None
            if isinstance(query, dict) and "fromBlock" in query:
                width = int(query["toBlock"], 16) - int(query["fromBlock"], 16) + 1
                if width > limit:
                    refused = True
                    answers.append(
                        {
                            "jsonrpc": "2.0",
                            "id": item["id"],
                            "error": {
                                "code": -32005,
                                "message": f"query exceeds maximum block range: {limit}",
                            },
                        }
                    )
                    continue
            answers.append(None)
        if not refused:
            return None
        with self.lock:
            self.injected["range"] += 1
        # Forward the calls that were not refused and merge the answers back in order.
        rest = [item for item, answer in zip(items, answers, strict=True) if answer is None]
        if rest:
            forwarded = json.loads(self._forward(json.dumps(rest).encode()))
            by_id = {a["id"]: a for a in forwarded}
            answers = [
                a if a is not None else by_id[i["id"]] for i, a in zip(items, answers, strict=True)
            ]
        return json.dumps(answers if isinstance(payload, list) else answers[0]).encode()

    def set_upstream(self, url: str) -> None:
        """Forward to another node from now on (connections to the old one are dropped)."""
        parts = urlsplit(url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80

    def _meddle(self, body: bytes) -> bytes | None:
        """Forward the calls one by one through ``before``, ``lag_at`` and ``rewrite`` (None:
        drop the connection)."""
        payload = json.loads(body)
        items: list[Call] = payload if isinstance(payload, list) else [payload]
        before = self.before
        if before is not None and before(items, isinstance(payload, list)):
            with self.lock:
                self.injected["before-drop"] += 1
            return None
        answers = [self._answer(item) for item in items]
        return json.dumps(answers if isinstance(payload, list) else answers[0]).encode()

    def _answer(self, item: Call) -> Any:
        lag = self.lag_at
        method, params = item.get("method"), list(item.get("params") or [])
        if lag is not None:
            hidden = self._hide(method, params, lag)
            if hidden is not None:
                return {"jsonrpc": "2.0", "id": item["id"], "result": hidden[0]}
        answer = json.loads(self._forward(json.dumps({**item, "params": params}).encode()))
        if lag is not None and method == "eth_getBlockByNumber" and params[0] in TAGS:
            block = answer.get("result")
            if isinstance(block, dict) and int(block["number"], 16) > lag:
                answer = json.loads(self._forward(json.dumps(
                    {**item, "params": [hex(lag), *params[1:]]}).encode()))  # fmt: skip
        if self.rewrite is not None and "result" in answer:
            answer["result"] = self.rewrite(item, answer["result"])
        return answer

    def _hide(self, method: Any, params: list[Any], lag: int) -> tuple[Any] | None:
        """What a node stuck at ``lag`` answers for a call about later blocks (None: forward,
        possibly with ``params`` narrowed in place)."""
        if method == "eth_blockNumber":
            return (hex(lag),)
        if method == "eth_getBlockByNumber" and params[0] not in TAGS:
            return (None,) if int(params[0], 16) > lag else None
        if method == "eth_getLogs" and "toBlock" in params[0]:
            query = dict(params[0])
            if int(query["fromBlock"], 16) > lag:
                return ([],)
            if query["toBlock"] in TAGS or int(query["toBlock"], 16) > lag:
                query["toBlock"] = hex(lag)
            params[0] = query
        return None

    def _forward(self, body: bytes) -> bytes:
        conn: http.client.HTTPConnection | None = getattr(self._local, "conn", None)
        if conn is not None and (conn.host, conn.port) != (self.host, self.port):
            conn.close()
            conn = self._local.conn = None
        for _ in range(2):
            if conn is None:
                conn = self._local.conn = http.client.HTTPConnection(
                    self.host, self.port, timeout=30
                )
            try:
                conn.request("POST", "/", body, {"Content-Type": "application/json"})
                data = conn.getresponse().read()
                with self.lock:
                    self.forwarded += 1
                return data
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = self._local.conn = None
        raise ConnectionError("upstream unreachable")

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

"""Raw JSON-RPC for the mirror: keep-alive HTTP, batches, retries with backoff and jitter, failover.

web3.py's provider stack costs milliseconds per call (three HTTP requests for a contract call); the
mirror needs a floor-speed ``eth_getLogs`` and cheap ``eth_call`` batches, so it speaks JSON-RPC
itself over one persistent ``http.client`` connection per thread and endpoint.

Faults are sorted in two kinds. Transport faults (refused or dropped connections, timeouts, HTTP
429 and 5xx, truncated or invalid JSON, rate-limit errors) are retried with exponential backoff and
jitter, moving to the next endpoint (an endpoint that answered 429 or 503 with ``Retry-After`` is
not asked again before that time); when every endpoint keeps failing the call raises
:class:`~offchain.exceptions.RpcUnavailableError` naming each endpoint's last error. Answers
(JSON-RPC errors) are raised at once as :class:`~offchain.exceptions.RpcError`, or
:class:`~offchain.exceptions.RangeTooLargeError` when a node refuses an ``eth_getLogs`` range, so
the caller can split it.
"""

from __future__ import annotations

import copy
import email.utils
import http.client
import json
import logging
import random
import socket
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from offchain.exceptions import RangeTooLargeError, RpcError, RpcUnavailableError

log = logging.getLogger("offchain.rpc")

_JSON_ERRORS: tuple[type[Exception], ...] = (ValueError,)  # msgspec.DecodeError is a ValueError
_json_decoder: Any = None


def parse_json(body: bytes) -> Any:
    """Parse a JSON document: with msgspec, which parses a getLogs answer about twice as fast as
    the standard library, when it is installed (imported on first use: a one-shot reader that
    parses small answers with :func:`json.loads` never pays for importing it)."""
    global _json_decoder
    if _json_decoder is None:
        try:
            import msgspec

            _json_decoder = msgspec.json.Decoder()
        except ImportError:  # pragma: no cover - exercised only without msgspec
            _json_decoder = False
    if _json_decoder is False:  # pragma: no cover - exercised only without msgspec
        return json.loads(body)
    return _json_decoder.decode(body)


# What nodes and providers answer when an eth_getLogs range is too big (geth, erigon, nethermind,
# besu, reth, Alchemy, Infura, QuickNode, Ankr, ...): matched case-insensitively in the message.
_RANGE_HINTS = (
    "range too large",
    "range is too large",
    "block range",
    "too many results",
    "too many blocks",
    "query returned more than",
    "response size",
    "exceed maximum",
    "exceeds maximum",
    "limit exceeded",
    "results limit",
    "log response size",
    "max results",
    "try with this block range",
    "is limited to",
)
_RATE_HINTS = ("rate limit", "too many requests", "request rate", "capacity exceeded")
_TRANSPORT_ERRORS = (OSError, http.client.HTTPException, socket.timeout)


class _TransportError(Exception):
    """A fault worth retrying elsewhere or later: the request may not have been answered."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after  # seconds the server asked us to wait (Retry-After)


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """A ``Retry-After`` header's wait in seconds (delay-seconds or an HTTP date), None if absent
    or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def classify_error(method: str, error: Any, url: str) -> RpcError:
    """The exception for a JSON-RPC error object."""
    if not isinstance(error, dict):
        return RpcError(method, -32603, f"malformed error {error!r}", url)
    code = int(error.get("code", -32603)) if str(error.get("code", "")).lstrip("-").isdigit() else 0
    message = str(error.get("message", ""))
    data = error.get("data")
    text = f"{message} {data}" if isinstance(data, str) else message
    lowered = text.lower()
    # -32005 is EIP-1474's "limit exceeded"; rate limits also use it but are retried before this.
    if method == "eth_getLogs" and (code == -32005 or any(h in lowered for h in _RANGE_HINTS)):
        return RangeTooLargeError(method, code, message, url)
    return RpcError(method, code, message, url, data)


def _is_rate_limited(error: Any) -> bool:
    if not isinstance(error, dict):
        return False
    return error.get("code") in (429, -32029) or any(
        hint in str(error.get("message", "")).lower() for hint in _RATE_HINTS
    )


@dataclass(slots=True)
class EndpointStatus:
    """Health of one RPC URL."""

    url: str
    ok: bool = True
    consecutive_failures: int = 0
    last_error: str = ""
    last_ok_at: float = 0.0
    last_error_at: float = 0.0
    requests: int = 0
    failures: int = 0


@dataclass(slots=True)
class RpcStatus:
    """Health of every endpoint; ``all_down`` once each has failed since its last success."""

    endpoints: list[EndpointStatus] = field(default_factory=list)
    all_down_since: float | None = None

    @property
    def all_down(self) -> bool:
        """Whether no endpoint has answered since each last failed."""
        return self.all_down_since is not None

    def describe(self) -> str:
        """One line for logs and status pages."""
        if not self.all_down:
            good = [e.url for e in self.endpoints if e.ok]
            return f"rpc ok ({', '.join(good)})"
        down_for = time.time() - (self.all_down_since or time.time())
        errors = "; ".join(f"{e.url}: {e.last_error}" for e in self.endpoints)
        return f"rpc DOWN for {down_for:.0f}s: {errors}"


class _Endpoint:
    __slots__ = ("host", "not_before", "path", "port", "status", "tls", "url")

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"RPC URL {url!r}: expected http(s)://host[:port][/path]")
        self.url = url
        self.tls = parts.scheme == "https"
        self.host = parts.hostname
        self.port = parts.port or (443 if self.tls else 80)
        self.path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        self.status = EndpointStatus(url)
        self.not_before = 0.0  # time.monotonic() before which it asked not to be called again


class RpcClient:
    """JSON-RPC over keep-alive HTTP with retries, backoff with jitter and failover.

    Args:
        urls: one or more endpoints of the same chain, preferred first.
        timeout: seconds per HTTP request.
        attempts: tries per call across all endpoints before giving up.
        backoff: first retry delay in seconds; doubles per round, capped at ``max_backoff``.
        jitter: each delay is scaled by a random factor in ``[1 - jitter, 1 + jitter]``.
        max_batch: most calls sent in one JSON-RPC batch (longer batches are split).
        max_retry_after: longest wait honoured from a ``Retry-After`` header, in seconds.
        parse: how answers are parsed (default :func:`parse_json`, msgspec when installed; a
            one-shot reader of small answers passes :func:`json.loads` and skips its import).
    """

    def __init__(
        self,
        urls: Sequence[str] | str,
        *,
        timeout: float = 30.0,
        attempts: int = 8,
        backoff: float = 0.05,
        max_backoff: float = 2.0,
        jitter: float = 0.5,
        max_batch: int = 200,
        max_retry_after: float = 60.0,
        parse: Callable[[bytes], Any] | None = None,
    ) -> None:
        url_list = [urls] if isinstance(urls, str) else list(urls)
        if not url_list:
            raise ValueError("at least one RPC URL is needed")
        self._endpoints = [_Endpoint(url) for url in url_list]
        self.timeout = timeout
        self.attempts = max(1, attempts)
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.jitter = jitter
        self.max_batch = max_batch
        self.max_retry_after = max_retry_after
        self.parse = parse or parse_json
        self._local = threading.local()
        self._preferred = 0
        self._ids = 0
        self._lock = threading.Lock()  # guards _preferred and the status counters
        self._all_down_since: float | None = None
        self.on_status_change: Callable[[RpcStatus], None] | None = None

    @property
    def urls(self) -> list[str]:
        """The endpoints, preferred first."""
        return [e.url for e in self._endpoints]

    def status(self) -> RpcStatus:
        """A copy of every endpoint's health."""
        with self._lock:
            return RpcStatus(
                [copy.copy(e.status) for e in self._endpoints],
                self._all_down_since,
            )

    def close(self) -> None:
        """Close this thread's connections (other threads' close when they end)."""
        conns: dict[str, http.client.HTTPConnection] = getattr(self._local, "conns", {})
        for conn in conns.values():
            conn.close()
        conns.clear()

    # -------------------------------------------------------------------------- public calls

    def call(self, method: str, params: Sequence[Any] = ()) -> Any:
        """One JSON-RPC call; its result.

        Raises:
            RpcError: the node answered with an error (RangeTooLargeError for big log ranges).
            RpcUnavailableError: no endpoint answered after every attempt.
        """
        body = json.dumps(
            {"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)},
            separators=(",", ":"),
        ).encode()
        answer, url = self._send(method, body, expect_list=False)
        if "error" in answer and answer["error"] is not None:
            raise classify_error(method, answer["error"], url)
        if "result" not in answer:
            raise RpcError(method, -32603, "answer without result", url)
        return answer["result"]

    def batch(self, calls: Sequence[tuple[str, Sequence[Any]]]) -> list[Any]:
        """Several calls in JSON-RPC batches; each item is its result or an :class:`RpcError`.

        Raises:
            RpcUnavailableError: no endpoint answered after every attempt.
        """
        results: list[Any] = []
        for start in range(0, len(calls), self.max_batch):
            results.extend(self._batch(calls[start : start + self.max_batch]))
        return results

    def _batch(self, calls: Sequence[tuple[str, Sequence[Any]]]) -> list[Any]:
        if not calls:
            return []
        payload = [
            {"jsonrpc": "2.0", "id": i, "method": method, "params": list(params)}
            for i, (method, params) in enumerate(calls)
        ]
        body = json.dumps(payload, separators=(",", ":")).encode()
        label = calls[0][0] if len(calls) == 1 else f"batch of {len(calls)} ({calls[0][0]}, …)"
        answers, url = self._send(label, body, expect_list=True)
        by_id: dict[int, Any] = {}
        for answer in answers:
            if isinstance(answer, dict) and isinstance(answer.get("id"), int):
                by_id[answer["id"]] = answer
        results: list[Any] = []
        for i, (method, _) in enumerate(calls):
            answer = by_id.get(i)
            if answer is None:
                results.append(RpcError(method, -32603, "missing from the batch answer", url))
            elif answer.get("error") is not None:
                results.append(classify_error(method, answer["error"], url))
            else:
                results.append(answer.get("result"))
        return results

    # ------------------------------------------------------------------------------ transport

    def _connection(self, endpoint: _Endpoint) -> http.client.HTTPConnection:
        conns: dict[str, http.client.HTTPConnection] | None = getattr(self._local, "conns", None)
        if conns is None:
            conns = self._local.conns = {}
        conn = conns.get(endpoint.url)
        if conn is None:
            cls = http.client.HTTPSConnection if endpoint.tls else http.client.HTTPConnection
            conn = cls(endpoint.host, endpoint.port, timeout=self.timeout)
            conns[endpoint.url] = conn
        return conn

    def _drop(self, endpoint: _Endpoint) -> None:
        conns: dict[str, http.client.HTTPConnection] = getattr(self._local, "conns", {})
        conn = conns.pop(endpoint.url, None)
        if conn is not None:
            conn.close()

    def _post(self, endpoint: _Endpoint, body: bytes) -> Any:
        """One HTTP exchange: the parsed JSON answer, or _TransportError for retryable faults."""
        for fresh in (False, True):
            conn = self._connection(endpoint)
            try:
                conn.request(
                    "POST",
                    endpoint.path,
                    body,
                    {"Content-Type": "application/json", "Connection": "keep-alive"},
                )
                response = conn.getresponse()
                payload = response.read()
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError) as exc:
                self._drop(endpoint)
                if not fresh:
                    continue  # a kept-alive connection the server had closed: retry once at once
                raise _TransportError(f"connection dropped ({type(exc).__name__})") from exc
            except _TRANSPORT_ERRORS as exc:
                self._drop(endpoint)
                raise _TransportError(f"{type(exc).__name__}: {exc}".rstrip(": ")) from exc
            if response.will_close:
                self._drop(endpoint)
            if response.status == 429 or response.status >= 500:
                wait = retry_after_seconds(response.getheader("Retry-After"))
                after = f", retry after {wait:g}s" if wait is not None else ""
                raise _TransportError(f"HTTP {response.status} {response.reason}{after}", wait)
            try:
                parsed = self.parse(payload)
            except _JSON_ERRORS as exc:
                self._drop(endpoint)
                raise _TransportError(
                    f"invalid JSON (HTTP {response.status}, {len(payload)} bytes)"
                ) from exc
            if response.status != 200 and not isinstance(parsed, dict | list):
                raise _TransportError(f"HTTP {response.status} {response.reason}")
            return parsed
        raise _TransportError("unreachable")  # pragma: no cover

    def _send(self, method: str, body: bytes, *, expect_list: bool) -> tuple[Any, str]:
        errors: dict[str, str] = {}
        n = len(self._endpoints)
        first = self._preferred
        for attempt in range(self.attempts):
            index = (first + attempt) % n
            endpoint = self._endpoints[index]
            if attempt >= n or endpoint.not_before > time.monotonic():
                self._sleep(attempt // n, endpoint)
            try:
                answer = self._post(endpoint, body)
                if isinstance(answer, dict) and _is_rate_limited(answer.get("error")):
                    raise _TransportError(f"rate limited: {answer['error'].get('message')}")
                if expect_list and not isinstance(answer, list):
                    error = answer.get("error") if isinstance(answer, dict) else None
                    if error is not None and not _is_rate_limited(error):
                        raise classify_error(method, error, endpoint.url)
                    raise _TransportError(f"batch answered with {type(answer).__name__}")
                if not expect_list and not isinstance(answer, dict):
                    raise _TransportError(f"answer is a {type(answer).__name__}, not an object")
            except _TransportError as exc:
                if exc.retry_after is not None:
                    wait = min(exc.retry_after, self.max_retry_after)
                    endpoint.not_before = time.monotonic() + wait
                errors[endpoint.url] = str(exc)
                self._failed(index, str(exc), method)
                continue
            self._succeeded(index)
            return answer, endpoint.url
        raise RpcUnavailableError(method, self.attempts, errors)

    def _sleep(self, round_: int, endpoint: _Endpoint) -> None:
        delay = min(self.max_backoff, self.backoff * (2 ** (round_ - 1)))
        delay *= random.uniform(1 - self.jitter, 1 + self.jitter)
        time.sleep(max(delay, endpoint.not_before - time.monotonic()))

    def _failed(self, index: int, error: str, method: str) -> None:
        now = time.time()
        with self._lock:
            status = self._endpoints[index].status
            status.ok = False
            status.requests += 1
            status.failures += 1
            status.consecutive_failures += 1
            status.last_error = error
            status.last_error_at = now
            if index == self._preferred and len(self._endpoints) > 1:
                self._preferred = (index + 1) % len(self._endpoints)
            newly_down = self._all_down_since is None and all(
                not e.status.ok for e in self._endpoints
            )
            if newly_down:
                self._all_down_since = now
        log.warning("%s at %s failed: %s", method, status.url, error)
        if newly_down:
            log.error("every RPC endpoint is failing: %s", self.status().describe())
            self._notify()

    def _succeeded(self, index: int) -> None:
        now = time.time()
        with self._lock:
            status = self._endpoints[index].status
            recovered = self._all_down_since is not None
            status.ok = True
            status.requests += 1
            status.consecutive_failures = 0
            status.last_ok_at = now
            self._all_down_since = None
        if recovered:
            log.warning("RPC endpoint %s answers again", status.url)
            self._notify()

    def _notify(self) -> None:
        callback = self.on_status_change
        if callback is not None:
            callback(self.status())


# ----------------------------------------------------------------------------------- websocket


class NewHeads:
    """``eth_subscribe("newHeads")`` over a websocket, in a daemon thread, reconnecting forever.

    ``on_head(header)`` is called with each header dict the node pushes. Used only to wake the
    follower sooner: the follower still reads blocks over HTTP, so a dropped websocket costs
    latency, never data.
    """

    def __init__(self, url: str, on_head: Callable[[dict[str, Any]], None]) -> None:
        if not url.startswith(("ws://", "wss://")):
            raise ValueError(f"websocket URL {url!r}: expected ws:// or wss://")
        self.url = url
        self._on_head = on_head
        self._stop = threading.Event()
        self.connected = False
        self.last_error = ""
        self._thread = threading.Thread(target=self._run, name="mirror-newheads", daemon=True)

    def start(self) -> None:
        """Connect and subscribe in the background."""
        self._thread.start()

    def stop(self) -> None:
        """Stop and close."""
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        from websockets.sync.client import connect

        delay = 0.1
        while not self._stop.is_set():
            try:
                with connect(self.url, open_timeout=5, close_timeout=1) as ws:
                    ws.send(
                        json.dumps(
                            {
                                "jsonrpc": "2.0",
                                "id": 1,
                                "method": "eth_subscribe",
                                "params": ["newHeads"],
                            }
                        )
                    )
                    self.connected = True
                    delay = 0.1
                    while not self._stop.is_set():
                        try:
                            message = ws.recv(timeout=0.5)
                        except TimeoutError:
                            continue
                        data = json.loads(message)
                        params = data.get("params") if isinstance(data, dict) else None
                        if isinstance(params, dict) and isinstance(params.get("result"), dict):
                            self._on_head(params["result"])
            except Exception as exc:  # any websocket fault: log, back off, reconnect
                self.last_error = f"{type(exc).__name__}: {exc}"
                if not self._stop.is_set():
                    log.warning("newHeads websocket %s: %s", self.url, self.last_error)
            self.connected = False
            self._stop.wait(delay * random.uniform(0.5, 1.5))
            delay = min(5.0, delay * 2)

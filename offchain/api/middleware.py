"""The API's plain ASGI middlewares at the HTTP edge: a request body limit and HEAD requests.

:class:`BodyLimit` answers 413 (``too_large``, the API's error shape) to a body larger than the
limit before reading it when its ``Content-Length`` says so, and stops reading a body sent without
one (chunked) as soon as the bytes received pass the limit: no body is ever held whole past it.

:class:`HeadAsGet` answers ``HEAD`` on every ``GET`` route: the route runs as for ``GET`` and the
answer keeps its status and headers (``Content-Length`` included) without its body; an event
stream ends after its headers.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.exceptions import HTTPException

DEFAULT_MAX_BODY = 1024 * 1024
"""Bytes a request body may have by default (``mirror serve --max-body``): 1 MiB, about a
thousand times a proof bundle."""


def _too_large_message(limit: int, size: int | None) -> str:
    what = f"the request body is {size:,} bytes" if size is not None else "the request body is"
    more = "" if size is not None else " larger"
    return f"{what}{more}; this server accepts at most {limit:,} (mirror serve --max-body)"


class BodyTooLarge(HTTPException):
    """A body sent without a ``Content-Length`` passed the limit while being read (a 413)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, _too_large_message(limit, None))


class BodyLimit:
    """Refuse request bodies larger than ``max_body`` bytes with a 413."""

    def __init__(self, app: Any, max_body: int = DEFAULT_MAX_BODY) -> None:
        self.app = app
        self.max_body = max_body

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_body:
            await _send_too_large(send, _too_large_message(self.max_body, declared))
            return
        received = 0

        async def counting_receive() -> Any:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body:
                    # Raised where the route reads its body: the app's handler answers the 413.
                    raise BodyTooLarge(self.max_body)
            return message

        await self.app(scope, counting_receive, send)


def _content_length(scope: Any) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None  # the server refuses a malformed one before we see it
    return None


async def _send_too_large(send: Any, message: str) -> None:
    body = json.dumps({"error": "too_large", "message": message}, separators=(",", ":")).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", b"%d" % len(body)),
        (b"connection", b"close"),  # the unread body is not read to find the next request
    ]
    await send({"type": "http.response.start", "status": 413, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class HeadAsGet:
    """Serve ``HEAD`` as ``GET`` without the body."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return
        done = False
        # The server keeps its own scope (it sends no body for HEAD); the app sees a GET.
        as_get = {**scope, "method": "GET"}

        async def headers_only(message: Any) -> None:
            nonlocal done
            if done:
                return  # a stream's later chunks
            if message["type"] == "http.response.start" and "route" in as_get:
                scope["route"] = as_get["route"]  # for the request counters outside
            if message["type"] == "http.response.body":
                done = True
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        async def ended_after_headers() -> Any:
            # Once the answer is sent, a stream sees its client gone (and ends).
            return {"type": "http.disconnect"} if done else await receive()

        await self.app(as_get, ended_after_headers, headers_only)

"""How fresh an answer is, on every response: the ``X-Leasehold-*`` headers (:class:`Staleness`).

``X-Leasehold-Block`` is the block the answer was read at (a read's pinned view, else the mirror's
current block), ``X-Leasehold-Lag`` how many blocks that is behind the head the node last told,
``X-Leasehold-Lag-Seconds`` how long ago the mirror last saw itself at the node's head (``-1``:
never yet) and ``X-Leasehold-Phase`` the mirror's phase (``live`` when following; ``error`` while
no RPC endpoint answers), from a status at most 50 ms old. While the node is down the block and the
block lag stay where they were and the seconds grow: a client can tell a stale answer without
asking ``/status``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from offchain.api.port import MirrorPort

BLOCK = "X-Leasehold-Block"
LAG = "X-Leasehold-Lag"
LAG_SECONDS = "X-Leasehold-Lag-Seconds"
PHASE = "X-Leasehold-Phase"
_BLOCK, _LAG, _LAG_SECONDS, _PHASE = (h.lower().encode() for h in (BLOCK, LAG, LAG_SECONDS, PHASE))

HEADERS: dict[str, dict[str, Any]] = {
    BLOCK: {
        "description": "The block the answer was read at (the mirror's block for non-reads).",
        "schema": {"type": "integer"},
    },
    LAG: {
        "description": "Blocks between that block and the chain's head as the node last told it.",
        "schema": {"type": "integer"},
    },
    LAG_SECONDS: {
        "description": "Seconds since the mirror last saw the node's head applied (-1: never); "
        "grows while the node is unreachable.",
        "schema": {"type": "number"},
    },
    PHASE: {
        "description": "The mirror's phase: starting, backfill, live, resync, error or stopped.",
        "schema": {"type": "string"},
    },
}
"""The headers for the OpenAPI document (every response carries them)."""


class Staleness:
    """Adds the freshness headers to every HTTP response (plain ASGI middleware)."""

    def __init__(self, app: Any, port: MirrorPort) -> None:
        self.app = app
        self.port = port

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Any) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = self.stamp(list(message.get("headers", ())))
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def stamp(self, raw: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
        """``raw`` (ASGI headers) with the freshness headers (a read's own block is kept)."""
        st = self.port.recent_status()
        block = next((int(value) for name, value in raw if name == _BLOCK), None)
        if block is None:
            block = st.block
            raw.append((_BLOCK, b"%d" % block))
        lag = max(0, st.head - block) if st.head >= 0 else -1
        seconds = b"%.3f" % st.lag_seconds if st.lag_seconds >= 0 else b"-1"
        raw += [(_LAG, b"%d" % lag), (_LAG_SECONDS, seconds), (_PHASE, st.phase.encode())]
        return raw


def document(app: Any) -> None:
    """Declare the headers on every response of the app's OpenAPI document."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return dict(app.openapi_schema)
        schema: dict[str, Any] = build()
        for path in schema.get("paths", {}).values():
            for operation in path.values():
                for response in operation.get("responses", {}).values():
                    response.setdefault("headers", {}).update(HEADERS)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi

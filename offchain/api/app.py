"""The mirror's HTTP API (FastAPI): JSON reads, proof verification, an SSE change stream, metrics.

Served by ``leasehold mirror serve`` (uvicorn). Every read answers from one pinned view of the
mirror (one block: a response never mixes two blocks) and says which block in the
``X-Leasehold-Block`` header; every response also says how stale it is: ``X-Leasehold-Lag``
(blocks behind the chain's head as last seen), ``X-Leasehold-Lag-Seconds`` (since the mirror last
saw itself at the head; it grows while the node is unreachable) and ``X-Leasehold-Phase``.
``GET /health`` answers 503 when the mirror is not live or lags past its limits. Entities have
the JSON shape of :mod:`offchain.models`, the same the CLI prints with ``--json``. Listings page
by id: ``?after=<last id>&limit=<n>``, and answer ``{"items": [...], "total": n, "next": <cursor
or null>}``.

Errors are JSON ``{"error": <code>, "message": <one line>}``: a parameter or bundle the schema
does not allow (every enum, pattern and bound is declared here) gets 422 with what was expected,
an unknown id 404, a body over the server's limit 413, a read the mirror kept moving under 503.
Messages echo at most 64 characters of the input. ``HEAD`` answers every ``GET`` route.

``GET /events`` is a Server-Sent Events stream: ``change`` events (a block applied: its table
changes, rendered as entities; amounts as decimal strings), ``retract`` events (a block undone by a
reorg: the inverse changes), ``final`` events (``{"block", "hash"}``: every block up to it is
final), ``reset`` events (the mirror dropped state it had announced: re-read everything) and a
``close`` event before the server ends a stream (reconnect). ``GET /metrics`` is the Prometheus
text format.
"""

# The module's docstring above is the API's description in its OpenAPI document (/docs).

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable, Sequence
from typing import TYPE_CHECKING

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from offchain import __version__
from offchain.api.console import install_console
from offchain.api.errors import ERROR_RESPONSES, install_error_handlers
from offchain.api.metrics import CountRequests, Metrics
from offchain.api.middleware import DEFAULT_MAX_BODY, BodyLimit, HeadAsGet
from offchain.api.port import MirrorPort
from offchain.api.routers import ROUTERS
from offchain.api.sse import Broadcast, Publisher
from offchain.api.staleness import HEADERS, Staleness, document

if TYPE_CHECKING:
    from offchain.mirror.mirror import Mirror


def create_app(
    mirror: Mirror,
    *,
    on_chain_verify: bool = True,
    max_body: int = DEFAULT_MAX_BODY,
    cors_origins: Sequence[str] = (),
) -> FastAPI:
    """The API over a mirror (:class:`offchain.mirror.mirror.Mirror`; start it separately).

    Args:
        mirror: What it serves.
        on_chain_verify: Whether ``POST /proofs/verify?onchain=true`` may ask the chain.
        max_body: Request bodies larger than this many bytes get a 413.
        cors_origins: Origins whose pages may read the API from a browser (``*``: any); none
            by default (no CORS headers).
    """
    port = MirrorPort(mirror)
    broadcast = Broadcast()
    metrics = Metrics()
    unsubscribe: list[Callable[[], None]] = []

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        unsubscribe.append(port.subscribe(Publisher(broadcast, metrics)))
        try:
            yield
        finally:
            for undo in unsubscribe:
                undo()
            broadcast.close()

    app = FastAPI(
        title="Leasehold mirror API",
        version=__version__,
        description=__doc__,
        lifespan=lifespan,
        responses=ERROR_RESPONSES,
    )
    # What the routers' dependencies (offchain.api._deps) hand them.
    app.state.port = port
    app.state.broadcast = broadcast
    app.state.metrics = metrics
    app.state.on_chain_verify = on_chain_verify

    install_error_handlers(app)
    # Outermost last: CORS answers preflights first and labels every answer, errors included.
    app.add_middleware(BodyLimit, max_body=max_body)  # 413 before a body is read whole
    app.add_middleware(HeadAsGet)
    app.add_middleware(CountRequests, metrics=metrics)
    app.add_middleware(Staleness, port=port)  # X-Leasehold-Block, -Lag, -Lag-Seconds, -Phase
    if cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(cors_origins),
            allow_methods=["GET", "HEAD", "POST"],
            allow_headers=["Content-Type", "Last-Event-ID"],
            expose_headers=list(HEADERS),
            max_age=600,
        )
    for router in ROUTERS:
        app.include_router(router)
    install_console(app)  # the web console at /, and a /docs that needs no internet
    document(app)  # the staleness headers in the OpenAPI document
    return app

"""The mirror's HTTP API (FastAPI): JSON reads, proof verification, an SSE change stream, metrics.

Served by ``leasehold mirror serve`` (uvicorn). Every read answers from one pinned view of the
mirror (one block: a response never mixes two blocks) and says which block in the
``X-Leasehold-Block`` header. Entities have the JSON shape of :mod:`offchain.models`, the same the
CLI prints with ``--json``. Listings page by id: ``?after=<last id>&limit=<n>``, and answer
``{"items": [...], "total": n, "next": <cursor or null>}``.

Errors are JSON ``{"error": <code>, "message": <one line>}`` with a 4xx status: malformed ids,
digests and bundles get 400 or 422 with what was expected, unknown ones 404.

``GET /events`` is a Server-Sent Events stream: ``change`` events (a block applied: its table
changes, rendered as entities; amounts as decimal strings), ``retract`` events (a block undone by a
reorg: the inverse changes) and ``final`` events (``{"block", "hash"}``: every block up to it is
final). ``GET /metrics`` is the Prometheus text format.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import time
from bisect import bisect_right
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from fastapi import Body, FastAPI, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel
from starlette.exceptions import HTTPException as StarletteHTTPException

from offchain import __version__
from offchain.chain.client import hex32, parse_address, parse_bytes32, resource_class_name
from offchain.exceptions import (
    BundleFormatError,
    BundleVerificationError,
    InvalidValueError,
    LeaseholdError,
    StaleViewError,
)
from offchain.models import (
    AnchorOut,
    EscrowOut,
    LeaseOut,
    Page,
    PoolOut,
    TenantOut,
    plain,
)

if TYPE_CHECKING:
    from offchain.chain.rpc import RpcStatus
    from offchain.mirror.audit import AuditReport, JournalCheck
    from offchain.mirror.mirror import Mirror, MirrorStatus, Notification
    from offchain.mirror.state import View

MAX_LIMIT = 1000
DEFAULT_LIMIT = 100
_HISTORY = 1024  # SSE events kept for clients that reconnect with Last-Event-ID
_QUEUE = 4096  # events buffered per SSE client before it is dropped as too slow
_HEARTBEAT = 15.0  # seconds between SSE keep-alive comments

_JSON = "application/json"
_BUNDLE_BODY = Body(description="A proof bundle, as 'leasehold anchor' writes them")


# ------------------------------------------------------------------------------ models


class _Model(BaseModel):
    model_config = ConfigDict(
        frozen=True, extra="forbid", alias_generator=to_camel, populate_by_name=True
    )


class ErrorOut(_Model):
    """Every 4xx answer."""

    error: str = Field(description="Machine-readable code, e.g. not_found, bad_request")
    message: str = Field(description="One line saying what was wrong and what was expected")


class JournalOut(_Model):
    """One contract's journal: the mirror's against the chain's at the checked block."""

    mirror_seq: int
    mirror_head: str
    chain_seq: int | None
    chain_head: str | None


class JournalCheckOut(_Model):
    """The last journal check: equal heads prove the mirror applied exactly the chain's events."""

    ok: bool
    block_number: int
    block_hash: str
    checked_at: float
    description: str
    contracts: dict[str, JournalOut]


class AuditOut(_Model):
    """The last audit of mirrored entities against the contracts' views."""

    ok: bool
    block_number: int
    checked: int
    divergences: int
    sampled: bool
    checked_at: float
    description: str


class StatusOut(_Model):
    """Where the mirror is and whether it agrees with the chain."""

    version: str
    chain_id: int
    contracts: dict[str, str]
    phase: str = Field(description="starting, backfill, live, resync or error")
    head: int = Field(description="The chain's head block as last seen")
    finalized: int = Field(description="The chain's finalized block as last seen")
    block: int = Field(description="The block the mirror's state is at")
    block_hash: str
    lag: int = Field(description="head - block")
    events_applied: int
    reorgs: int
    rpc: str
    last_error: str
    journal: JournalCheckOut | None
    audit: AuditOut | None


class VerifyOut(_Model):
    """The answer to a posted proof bundle."""

    verified: bool
    message: str
    leaf: str
    root: str
    tenant_id: int | None = None
    timestamp: int | None = None
    block_number: int | None = None
    revoked_at: int | None = None
    on_chain: bool = Field(description="Whether the chain was asked too (?onchain=true)")


class SummaryOut(_Model):
    """Counts for dashboards: tenants by status, pool utilization, leases by status, anchors."""

    block: int
    tenants: dict[str, int]
    pools: list[dict[str, Any]]
    leases: dict[str, int]
    anchors: dict[str, int]
    escrow: dict[str, str]


# ----------------------------------------------------------------------------- the mirror port


class MirrorPort:
    """What the API needs from the mirror (:class:`offchain.mirror.mirror.Mirror`), in one place."""

    def __init__(self, mirror: Mirror) -> None:
        self.mirror = mirror

    def view(self) -> View:
        """A pinned view of the current block."""
        return self.mirror.view()

    @property
    def chain_id(self) -> int:
        """The mirrored chain's id."""
        return int(self.mirror.manifest.chain_id)

    @property
    def addresses(self) -> dict[str, str]:
        """Contract name -> address."""
        return dict(self.mirror.manifest.addresses)

    def status(self) -> MirrorStatus:
        """The mirror's status (head, lag, phase, RPC health...)."""
        return self.mirror.status()

    def rpc_status(self) -> RpcStatus:
        """Health of each RPC endpoint."""
        return self.mirror.rpc.status()

    def journal_check(self) -> JournalCheck | None:
        """The last journal check, or None before the first."""
        return self.mirror.last_journal

    def audit_report(self) -> AuditReport | None:
        """The last audit, or None before the first."""
        return self.mirror.last_audit

    def subscribe(self, callback: Callable[[Notification], None]) -> Callable[[], None]:
        """Be told (on the follower's thread) of every applied or retracted block."""
        return self.mirror.subscribe(callback)

    def rpc_url(self) -> str:
        """The preferred RPC endpoint (for ``?onchain=true`` checks)."""
        return str(self.mirror.rpc.urls[0])


# --------------------------------------------------------------------------------- errors


class ApiError(Exception):
    """An answer with a 4xx status and a message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": code, "message": message}, status_code=status)


def _validation_message(exc: RequestValidationError) -> str:
    parts = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err.get("loc", ()) if p not in ("path", "query", "body"))
        got = err.get("input")
        shown = f" (got {got!r})" if isinstance(got, str | int | float) else ""
        parts.append(f"{where or 'request'}: {err.get('msg', 'invalid')}{shown}")
    return "; ".join(parts) or "invalid request"


# ------------------------------------------------------------------------------ SSE fan-out


@dataclass(slots=True)
class _Subscriber:
    queue: asyncio.Queue[tuple[int, str, str] | None]
    loop: asyncio.AbstractEventLoop


@dataclass(slots=True)
class Broadcast:
    """Fans events out from the follower thread to every SSE client's asyncio queue."""

    history: deque[tuple[int, str, str]] = field(default_factory=lambda: deque(maxlen=_HISTORY))
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

    def _offer(self, sub: _Subscriber, item: tuple[int, str, str]) -> None:
        try:
            sub.queue.put_nowait(item)
        except asyncio.QueueFull:
            self.remove(sub)
            self.dropped += 1
            with contextlib.suppress(asyncio.QueueFull):
                sub.queue.put_nowait(None)  # tells the stream to close: the client resyncs

    def add(self, last_id: int | None) -> tuple[_Subscriber, list[tuple[int, str, str]]]:
        """A new client, with the events it missed since ``last_id`` (if still held)."""
        sub = _Subscriber(asyncio.Queue(_QUEUE), asyncio.get_running_loop())
        with self.lock:
            self.subscribers.append(sub)
            backlog = [e for e in self.history if last_id is not None and e[0] > last_id]
        return sub, backlog

    def remove(self, sub: _Subscriber) -> None:
        """Forget a client."""
        with self.lock, contextlib.suppress(ValueError):
            self.subscribers.remove(sub)


def _sse(item: tuple[int, str, str]) -> bytes:
    event_id, event, data = item
    return f"id: {event_id}\nevent: {event}\ndata: {data}\n\n".encode()


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


class _Publisher:
    """Turns mirror notifications into SSE events (runs on the follower's thread)."""

    def __init__(self, broadcast: Broadcast, metrics: Metrics) -> None:
        self.broadcast = broadcast
        self.metrics = metrics

    def __call__(self, note: Notification) -> None:
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


# --------------------------------------------------------------------------------- metrics


@dataclass(slots=True)
class Metrics:
    """Counters kept by the API process (the rest is read from the mirror on scrape)."""

    started: float = field(default_factory=time.time)
    requests: dict[tuple[str, int], int] = field(default_factory=dict)
    blocks_applied: int = 0
    retractions: int = 0
    rate_window: deque[tuple[float, int]] = field(default_factory=lambda: deque(maxlen=120))

    def events_per_second(self, events_applied: int) -> float:
        """Events applied per second over the last minute of scrapes/samples."""
        now = time.monotonic()
        self.rate_window.append((now, events_applied))
        while len(self.rate_window) > 2 and now - self.rate_window[0][0] > 60:
            self.rate_window.popleft()
        first_t, first_n = self.rate_window[0]
        span = now - first_t
        return (events_applied - first_n) / span if span > 0 else 0.0


def _metric(
    lines: list[str], name: str, kind: str, help_text: str, samples: Sequence[tuple[str, float]]
) -> None:
    lines.append(f"# HELP {name} {help_text}")
    lines.append(f"# TYPE {name} {kind}")
    for labels, value in samples:
        shown = repr(float(value)) if isinstance(value, float) else str(value)
        lines.append(f"{name}{labels} {shown}")


# ------------------------------------------------------------------------------ the app


class _CountRequests:
    """Counts responses by route and status for /metrics (plain ASGI: no per-request task)."""

    def __init__(self, app: Any, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        requests = self.metrics.requests

        async def counting_send(message: Any) -> None:
            if message["type"] == "http.response.start":
                route = scope.get("route")
                key = (getattr(route, "path", "other"), int(message["status"]))
                requests[key] = requests.get(key, 0) + 1
            await send(message)

        await self.app(scope, receive, counting_send)


def _json(content: Any, block: int | None = None, status: int = 200) -> Response:
    headers = {"X-Leasehold-Block": str(block)} if block is not None else None
    body = json.dumps(content, separators=(",", ":")).encode()
    return Response(body, status_code=status, media_type=_JSON, headers=headers)


def _model(model: BaseModel, block: int) -> Response:
    return Response(
        model.model_dump_json(by_alias=True),
        media_type=_JSON,
        headers={"X-Leasehold-Block": str(block)},
    )


def _read(port: MirrorPort, fn: Callable[[Any], Any]) -> tuple[Any, int]:
    """Run ``fn(view)`` on a fresh view, retrying when the follower moves meanwhile."""
    for _ in range(50):
        view = port.view()
        try:
            return fn(view), view.number
        except StaleViewError:
            continue
    raise ApiError(503, "busy", "the mirror kept moving; retry")


def _window(ids: Sequence[int], after: int, limit: int) -> tuple[slice, int | None]:
    """The slice of ascending ``ids`` after the cursor ``after``, and the next cursor (or None)."""
    start = bisect_right(ids, after)
    end = min(start + limit, len(ids))
    return slice(start, end), (ids[end - 1] if end < len(ids) and end > start else None)


def _digest(text: str, what: str = "digest") -> bytes:
    try:
        return parse_bytes32(text, what)
    except InvalidValueError as exc:
        raise ApiError(400, "bad_request", str(exc)) from None


def _address(text: str, what: str) -> str:
    try:
        return parse_address(text, what)
    except InvalidValueError as exc:
        raise ApiError(400, "bad_request", str(exc)) from None


def create_app(mirror: Mirror, *, on_chain_verify: bool = True) -> FastAPI:
    """The API over a mirror (:class:`offchain.mirror.mirror.Mirror`; start it separately)."""
    port = MirrorPort(mirror)
    broadcast = Broadcast()
    metrics = Metrics()
    unsubscribe: list[Callable[[], None]] = []

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        unsubscribe.append(port.subscribe(_Publisher(broadcast, metrics)))
        try:
            yield
        finally:
            for undo in unsubscribe:
                undo()
            for sub in list(broadcast.subscribers):
                with contextlib.suppress(Exception):
                    sub.loop.call_soon_threadsafe(sub.queue.put_nowait, None)

    app = FastAPI(
        title="Leasehold mirror API",
        version=__version__,
        description=__doc__,
        lifespan=lifespan,
        responses={
            400: {"model": ErrorOut, "description": "Malformed value"},
            404: {"model": ErrorOut, "description": "Unknown id"},
            422: {"model": ErrorOut, "description": "Invalid parameter"},
        },
    )
    app.state.port = port
    app.state.broadcast = broadcast
    app.state.metrics = metrics

    @app.exception_handler(ApiError)
    async def _api_error(_: Request, exc: ApiError) -> JSONResponse:
        return _error(exc.status, exc.code, exc.message)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        return _error(422, "invalid_request", _validation_message(exc))

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        # Starlette's own answers (no such route, method not allowed...) in the API's shape.
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        message = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        if exc.status_code == 404 and message == "Not Found":
            message = "no such endpoint; see /docs for the API"
        return JSONResponse(
            {"error": code, "message": message},
            status_code=exc.status_code,
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(LeaseholdError)
    async def _leasehold(_: Request, exc: LeaseholdError) -> JSONResponse:
        return _error(400, "bad_request", " ".join(str(exc).split()))

    app.add_middleware(_CountRequests, metrics=metrics)

    limit_q = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="Page size")
    after_q = Query(0, ge=0, lt=2**64, description="Return ids greater than this cursor")

    # ---------------------------------------------------------------------------- tenants

    @app.get("/tenants", response_model=Page[TenantOut], tags=["tenants"])
    async def list_tenants(
        owner: str | None = Query(None, description="Only tenants of this owner"),
        status: str | None = Query(None, description="Pending, Active, Suspended or Closed"),
        after: int = after_q,
        limit: int = limit_q,
    ) -> Response:
        """Tenants by id."""
        owner_addr = _address(owner, "owner") if owner else None
        wanted = _status_filter(status, ("Pending", "Active", "Suspended", "Closed"))

        def read(view: Any) -> Any:
            ids: Sequence[int] = (
                view.tenants_of_owner(owner_addr)
                if owner_addr
                else range(1, view.tenant_count() + 1)
            )
            items = [view.tenant(i) for i in ids]
            views = [TenantOut.of(t) for t in items if t is not None]
            if wanted:
                views = [v for v in views if v.status == wanted]
            return _paged(views, lambda v: v.tenant_id, after, limit)

        body, block = _read(port, read)
        return _json(body, block)

    @app.get("/tenants/{tenant_id}", response_model=TenantOut, tags=["tenants"])
    async def get_tenant(tenant_id: int = Path(ge=1, lt=2**64)) -> Response:
        """One tenant."""
        t, block = _read(port, lambda v: v.tenant(tenant_id))
        if t is None:
            raise ApiError(404, "not_found", f"unknown tenant {tenant_id}")
        return _model(TenantOut.of(t), block)

    @app.get("/tenants/{tenant_id}/escrow", response_model=EscrowOut, tags=["tenants"])
    async def get_escrow(tenant_id: int = Path(ge=1, lt=2**64)) -> Response:
        """A tenant's free and reserved escrow."""
        found, block = _read(port, lambda v: (v.tenant(tenant_id), v.account(tenant_id)))
        if found[0] is None:
            raise ApiError(404, "not_found", f"unknown tenant {tenant_id}")
        return _model(EscrowOut.of(tenant_id, found[1]), block)

    # ------------------------------------------------------------------------------ pools

    @app.get("/pools", response_model=Page[PoolOut], tags=["pools"])
    async def list_pools(
        provider: str | None = Query(None, description="Only this provider's pools"),
        resource_class: str | None = Query(
            None, alias="resourceClass", description="Only pools of this class, e.g. gpu.h100"
        ),
        status: str | None = Query(None, description="Open, Paused or Retired"),
        after: int = after_q,
        limit: int = limit_q,
    ) -> Response:
        """Pools by id."""
        provider_addr = _address(provider, "provider") if provider else None
        rclass = _class_filter(resource_class) if resource_class else None
        wanted = _status_filter(status, ("Open", "Paused", "Retired"))

        def read(view: Any) -> Any:
            if provider_addr:
                ids: Sequence[int] = view.pools_of_provider(provider_addr)
            elif rclass is not None:
                ids = view.pools_of_class(rclass)
            else:
                ids = range(1, view.pool_count() + 1)
            views = [PoolOut.of(p) for p in (view.pool(i) for i in ids) if p is not None]
            if rclass is not None:
                views = [v for v in views if v.resource_class == resource_class_name(rclass)]
            if wanted:
                views = [v for v in views if v.status == wanted]
            return _paged(views, lambda v: v.pool_id, after, limit)

        body, block = _read(port, read)
        return _json(body, block)

    @app.get("/pools/{pool_id}", response_model=PoolOut, tags=["pools"])
    async def get_pool(pool_id: int = Path(ge=1, lt=2**32)) -> Response:
        """One pool."""
        p, block = _read(port, lambda v: v.pool(pool_id))
        if p is None:
            raise ApiError(404, "not_found", f"unknown pool {pool_id}")
        return _model(PoolOut.of(p), block)

    # ----------------------------------------------------------------------------- leases

    @app.get("/leases", response_model=Page[LeaseOut], tags=["leases"])
    async def list_leases(
        tenant: int | None = Query(None, ge=1, lt=2**64, description="Only this tenant's"),
        pool: int | None = Query(None, ge=1, lt=2**32, description="Only this pool's"),
        provider: str | None = Query(None, description="Only leases in this provider's pools"),
        status: str | None = Query(None, description="Active or Closed"),
        after: int = after_q,
        limit: int = limit_q,
    ) -> Response:
        """Leases by id (ids are journal sequence numbers: increasing, not contiguous)."""
        from offchain.mirror.state import LeaseStatus

        provider_addr = _address(provider, "provider") if provider else None
        wanted = _status_filter(status, ("Active", "Closed"))

        def read(view: Any) -> Any:
            sets: list[set[int]] = []
            if tenant is not None:
                sets.append(set(view.leases_of_tenant(tenant)))
            if pool is not None:
                sets.append(set(view.leases_of_pool(pool)))
            if provider_addr:
                sets.append(set(view.leases_of_provider(provider_addr)))
            if wanted:
                status_value = LeaseStatus.ACTIVE if wanted == "Active" else LeaseStatus.CLOSED
                sets.append(set(view.leases_with_status(status_value)))
            if not sets:
                sets.append(
                    set(view.leases_with_status(LeaseStatus.ACTIVE))
                    | set(view.leases_with_status(LeaseStatus.CLOSED))
                )
            ids = sorted(set.intersection(*sets))
            window, cursor = _window(ids, after, limit)
            chosen = ids[window]
            items = [LeaseOut.of(x) for x in (view.lease(i) for i in chosen) if x is not None]
            return {
                "items": [i.model_dump(mode="json", by_alias=True) for i in items],
                "total": len(ids),
                "next": cursor,
            }

        body, block = _read(port, read)
        return _json(body, block)

    @app.get("/leases/{lease_id}", response_model=LeaseOut, tags=["leases"])
    async def get_lease(lease_id: int = Path(ge=1, lt=2**64)) -> Response:
        """One lease."""
        x, block = _read(port, lambda v: v.lease(lease_id))
        if x is None:
            raise ApiError(404, "not_found", f"unknown lease {lease_id}")
        return _model(LeaseOut.of(x), block)

    # ---------------------------------------------------------------------------- anchors

    @app.get("/anchors", response_model=Page[AnchorOut], tags=["anchors"])
    async def list_anchors(
        tenant: int | None = Query(None, ge=1, lt=2**64, description="Only this tenant's"),
        kind: str | None = Query(None, description="digest or batch"),
        after: int = Query(0, ge=0, description="Skip this many (offset cursor)"),
        limit: int = limit_q,
    ) -> Response:
        """Anchors, by tenant then anchoring order; ``next`` is an offset."""
        if kind not in (None, "digest", "batch"):
            raise ApiError(400, "bad_request", f"bad kind {kind!r}: expected digest or batch")

        def read(view: Any) -> Any:
            tenants = [tenant] if tenant is not None else range(1, view.tenant_count() + 1)
            digests: list[bytes] = []
            for t in tenants:
                digests.extend(view.anchors_of_tenant(t))
            records = [a for a in (view.anchor(d) for d in digests) if a is not None]
            if kind is not None:
                records = [a for a in records if (a.count > 0) == (kind == "batch")]
            chosen = records[after : after + limit]
            more = after + limit < len(records)
            return {
                "items": [AnchorOut.of(a).model_dump(mode="json", by_alias=True) for a in chosen],
                "total": len(records),
                "next": after + limit if more else None,
            }

        body, block = _read(port, read)
        return _json(body, block)

    @app.get("/anchors/{digest}", response_model=AnchorOut, tags=["anchors"])
    async def get_anchor(digest: str = Path(description="0x and 64 hex digits")) -> Response:
        """The anchor under a digest or batch root."""
        raw = _digest(digest)
        a, block = _read(port, lambda v: v.anchor(raw))
        if a is None:
            raise ApiError(404, "not_found", f"nothing is anchored under {hex32(raw)}")
        return _model(AnchorOut.of(a), block)

    @app.post("/proofs/verify", response_model=VerifyOut, tags=["anchors"])
    async def verify_proof(
        bundle: dict[str, Any] = _BUNDLE_BODY,
        onchain: bool = Query(False, description="Also ask the chain (verifyInclusion)"),
        digest: str | None = Query(None, description="The file's digest, to match the leaf"),
    ) -> Response:
        """Check a proof bundle: its proof, its root's anchor in the mirror, maybe the chain."""
        return await _verify(port, bundle, onchain and on_chain_verify, digest)

    # ----------------------------------------------------------------------------- status

    @app.get("/status", response_model=StatusOut, tags=["status"])
    async def status() -> Response:
        """Head, lag, journal check and audit results."""
        return _model(_status(port), port.view().number)

    @app.get("/summary", response_model=SummaryOut, tags=["status"])
    async def summary() -> Response:
        """Tenants by status, pool utilization, leases by status, anchors."""
        body, block = _read(port, _summary)
        return _model(body, block)

    @app.get("/health", tags=["status"])
    async def health() -> dict[str, str]:
        """Liveness."""
        return {"status": "ok"}

    # ------------------------------------------------------------------------------ stream

    @app.get(
        "/events",
        tags=["stream"],
        response_class=StreamingResponse,
        responses={
            200: {
                "content": {"text/event-stream": {}},
                "description": "change, retract and final events",
            }
        },
    )
    async def events(request: Request) -> StreamingResponse:
        """Server-Sent Events: ``change``, ``retract`` and ``final`` events as blocks apply."""
        header = request.headers.get("last-event-id")
        last_id = int(header) if header and header.isdigit() else None
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
                        return
                    yield _sse(received)
            finally:
                broadcast.remove(sub)

        headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
        return StreamingResponse(stream(), media_type="text/event-stream", headers=headers)

    @app.get("/metrics", response_class=PlainTextResponse, tags=["status"])
    async def prometheus() -> PlainTextResponse:
        """Prometheus text format: lag, events/s, RPC errors, audit divergences, requests."""
        return PlainTextResponse(
            _metrics_text(port, metrics, broadcast),
            media_type="text/plain; version=0.0.4; charset=utf-8",
        )

    return app


# ---------------------------------------------------------------------------- endpoint helpers


def _status_filter(value: str | None, allowed: tuple[str, ...]) -> str | None:
    if value is None:
        return None
    for name in allowed:
        if name.lower() == value.lower():
            return name
    raise ApiError(400, "bad_request", f"bad status {value!r}: expected {', '.join(allowed)}")


def _class_filter(value: str) -> bytes:
    from offchain.chain.client import resource_class

    try:
        if value.startswith("0x") and len(value) == 66:
            return _digest(value, "resource class")
        return resource_class(value)
    except InvalidValueError as exc:
        raise ApiError(400, "bad_request", str(exc)) from None


def _paged(views: list[Any], key: Callable[[Any], int], after: int, limit: int) -> Any:
    views = sorted(views, key=key)
    window, cursor = _window([key(v) for v in views], after, limit)
    return {
        "items": [v.model_dump(mode="json", by_alias=True) for v in views[window]],
        "total": len(views),
        "next": cursor,
    }


async def _verify(
    port: MirrorPort, data: dict[str, Any], onchain: bool, digest: str | None
) -> Response:
    from offchain.anchoring.bundle import ProofBundle, verify_offline, verify_onchain

    try:
        bundle = ProofBundle.from_dict(data, "posted bundle")
    except BundleFormatError as exc:
        raise ApiError(400, "bad_bundle", " ".join(str(exc).split())) from None
    base = {"leaf": hex32(bundle.leaf), "root": hex32(bundle.root), "on_chain": onchain}

    def verdict(ok: bool, message: str, **extra: Any) -> Response:
        out = VerifyOut.model_validate({"verified": ok, "message": message, **base, **extra})
        return Response(out.model_dump_json(by_alias=True), media_type=_JSON)

    if digest is not None and _digest(digest) != bundle.leaf:
        return verdict(False, f"the file's digest {digest} is not the bundle's leaf")
    try:
        verify_offline(bundle)
    except BundleVerificationError as exc:
        return verdict(False, str(exc))
    if bundle.chain_id != port.chain_id:
        return verdict(
            False,
            f"the bundle is for chain {bundle.chain_id}, the mirror follows chain {port.chain_id}",
        )
    if bundle.contract.lower() != port.addresses["DataAnchor"].lower():
        return verdict(
            False,
            f"the bundle names DataAnchor {bundle.contract}, the mirror follows "
            f"{port.addresses['DataAnchor']}",
        )
    record, _ = _read(port, lambda v: v.anchor(bundle.root))
    if record is None or not record.count:
        return verdict(False, f"root {hex32(bundle.root)} is not an anchored batch (yet)")
    facts = {
        "tenant_id": record.tenant_id,
        "timestamp": record.timestamp,
        "block_number": record.block_number,
        "revoked_at": record.revoked_at,
    }
    if record.count != bundle.count:
        return verdict(
            False,
            f"the root was anchored with {record.count} leaves, the bundle says {bundle.count}",
            **facts,
        )
    if onchain:
        from web3 import Web3

        w3 = Web3(Web3.HTTPProvider(port.rpc_url(), request_kwargs={"timeout": 10}))
        try:
            await asyncio.to_thread(verify_onchain, bundle, w3, allow_revoked=True)
        except BundleVerificationError as exc:
            return verdict(False, f"the chain disagrees: {exc}", **facts)
    if record.revoked_at:
        return verdict(
            False, f"tenant {record.tenant_id} revoked the anchor at {record.revoked_at}", **facts
        )
    where = "the mirror and the chain agree" if onchain else "per the mirror"
    return verdict(
        True,
        f"leaf is in batch {hex32(bundle.root)} anchored by tenant "
        f"{record.tenant_id} in block {record.block_number} ({where})",
        **facts,
    )


def _status(port: MirrorPort) -> StatusOut:
    st = port.status()
    check = port.journal_check()
    audit = port.audit_report()
    journal = None
    if check is not None:
        journal = JournalCheckOut(
            ok=check.ok,
            block_number=check.block_number,
            block_hash=check.block_hash,
            checked_at=check.checked_at,
            description=check.describe(),
            contracts={
                name: JournalOut(
                    mirror_seq=seq,
                    mirror_head=head,
                    chain_seq=check.chain[name][0] if name in check.chain else None,
                    chain_head=check.chain[name][1] if name in check.chain else None,
                )
                for name, (seq, head) in check.mirror.items()
            },
        )
    audit_out = None
    if audit is not None:
        audit_out = AuditOut(
            ok=audit.ok,
            block_number=audit.block_number,
            checked=audit.checked,
            divergences=len(audit.divergences),
            sampled=audit.sampled,
            checked_at=audit.checked_at,
            description=audit.describe(),
        )
    return StatusOut(
        version=__version__,
        chain_id=port.chain_id,
        contracts=port.addresses,
        phase=st.phase,
        head=st.head,
        finalized=st.finalized,
        block=st.block,
        block_hash=st.block_hash,
        lag=max(0, st.lag_blocks),
        events_applied=st.events_applied,
        reorgs=st.reorgs,
        rpc=st.rpc,
        last_error=st.last_error,
        journal=journal,
        audit=audit_out,
    )


def _summary(view: Any) -> SummaryOut:
    from offchain.mirror.state import LeaseStatus

    tenants: dict[str, int] = {}
    for i in range(1, view.tenant_count() + 1):
        t = view.tenant(i)
        if t is not None:
            name = TenantOut.of(t).status
            tenants[name] = tenants.get(name, 0) + 1
    pools = []
    for i in range(1, view.pool_count() + 1):
        p = view.pool(i)
        if p is not None:
            out = PoolOut.of(p)
            pools.append(
                {
                    "poolId": out.pool_id,
                    "resourceClass": out.resource_class,
                    "status": out.status,
                    "allocated": out.allocated,
                    "capacity": out.capacity,
                    "utilization": round(out.allocated / out.capacity, 4) if out.capacity else 0,
                }
            )
    active = len(view.leases_with_status(LeaseStatus.ACTIVE))
    closed_ids = view.leases_with_status(LeaseStatus.CLOSED)
    leases = {"Active": active}
    for lease_id in closed_ids:
        x = view.lease(lease_id)
        if x is not None:
            reason = LeaseOut.of(x).close_reason
            leases[reason] = leases.get(reason, 0) + 1
    anchors = {"digest": 0, "batch": 0, "revoked": 0, "leaves": 0}
    for t in range(1, view.tenant_count() + 1):
        for d in view.anchors_of_tenant(t):
            a = view.anchor(d)
            if a is None:
                continue
            anchors["batch" if a.count else "digest"] += 1
            anchors["leaves"] += a.count
            anchors["revoked"] += 1 if a.revoked_at else 0
    free, reserved, claimable = view.escrow_totals()
    return SummaryOut(
        block=view.number,
        tenants=tenants,
        pools=pools,
        leases=leases,
        anchors=anchors,
        escrow={"free": str(free), "reserved": str(reserved), "claimable": str(claimable)},
    )


def _metrics_text(port: MirrorPort, metrics: Metrics, broadcast: Broadcast) -> str:
    st = port.status()
    rpc = port.rpc_status()
    audit = port.audit_report()
    check = port.journal_check()
    divergences_total = port.mirror.audit_divergences_total
    lines: list[str] = []

    def one(name: str, kind: str, help_text: str, value: float) -> None:
        _metric(lines, name, kind, help_text, [("", value)])

    one(
        "leasehold_mirror_lag_blocks",
        "gauge",
        "Chain head minus the mirror's block.",
        max(0, st.lag_blocks),
    )
    one("leasehold_mirror_head_block", "gauge", "The chain's head as last seen.", st.head)
    one("leasehold_mirror_block", "gauge", "The block the mirror's state is at.", st.block)
    one("leasehold_mirror_finalized_block", "gauge", "The chain's finalized block.", st.finalized)
    one(
        "leasehold_mirror_up",
        "gauge",
        "1 while the mirror follows the chain (phase live).",
        1 if st.phase == "live" else 0,
    )
    one("leasehold_mirror_events_total", "counter", "Contract events applied.", st.events_applied)
    one(
        "leasehold_mirror_events_per_second",
        "gauge",
        "Events applied per second over the last minute.",
        round(metrics.events_per_second(st.events_applied), 3),
    )
    one("leasehold_mirror_reorgs_total", "counter", "Reorgs handled.", st.reorgs)
    one(
        "leasehold_mirror_retracted_blocks_total",
        "counter",
        "Blocks undone by reorgs.",
        st.retracted_blocks,
    )
    one(
        "leasehold_mirror_resyncs_total",
        "counter",
        "Restarts from snapshot or deploy block.",
        st.resyncs,
    )
    _metric(
        lines,
        "leasehold_rpc_errors_total",
        "counter",
        "Failed JSON-RPC requests.",
        [(f'{{endpoint="{e.url}"}}', e.failures) for e in rpc.endpoints],
    )
    _metric(
        lines,
        "leasehold_rpc_requests_total",
        "counter",
        "JSON-RPC requests.",
        [(f'{{endpoint="{e.url}"}}', e.requests) for e in rpc.endpoints],
    )
    one("leasehold_rpc_up", "gauge", "1 while an RPC endpoint answers.", 1 if st.rpc_up else 0)
    one(
        "leasehold_audit_divergences_total",
        "counter",
        "Entries found different from the chain, over every audit.",
        divergences_total,
    )
    one(
        "leasehold_audit_divergences",
        "gauge",
        "Entries that differed in the last audit.",
        len(audit.divergences) if audit is not None else 0,
    )
    one(
        "leasehold_journal_ok",
        "gauge",
        "1 when the last journal check found equal heads (-1 before the first).",
        -1 if check is None else int(check.ok),
    )
    one(
        "leasehold_sse_clients",
        "gauge",
        "Connected event-stream clients.",
        len(broadcast.subscribers),
    )
    one(
        "leasehold_sse_dropped_total",
        "counter",
        "Event-stream clients dropped for reading too slowly.",
        broadcast.dropped,
    )
    _metric(
        lines,
        "leasehold_http_requests_total",
        "counter",
        "HTTP requests served.",
        [
            (f'{{route="{route}",status="{code}"}}', count)
            for (route, code), count in sorted(metrics.requests.items())
        ],
    )
    return "\n".join(lines) + "\n"

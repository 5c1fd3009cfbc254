"""What the routers share: their dependencies (the mirror port and the app's event broadcast,
counters and settings), the paging query parameters, and request values parsed into 400 answers.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request

from offchain.api.errors import ApiError
from offchain.api.metrics import Metrics
from offchain.api.port import MirrorPort
from offchain.api.sse import Broadcast
from offchain.chain.values import parse_address, parse_bytes32, resource_class
from offchain.exceptions import InvalidValueError

MAX_LIMIT = 1000
DEFAULT_LIMIT = 100

LIMIT_QUERY = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="Page size")
AFTER_QUERY = Query(0, ge=0, lt=2**64, description="Return ids greater than this cursor")

# ----------------------------------------------------------------------------- dependencies
# create_app keeps them on app.state; async, so FastAPI calls them inline (no threadpool).


async def _port(request: Request) -> MirrorPort:
    port: MirrorPort = request.app.state.port
    return port


async def _broadcast(request: Request) -> Broadcast:
    broadcast: Broadcast = request.app.state.broadcast
    return broadcast


async def _metrics(request: Request) -> Metrics:
    metrics: Metrics = request.app.state.metrics
    return metrics


async def _on_chain_verify(request: Request) -> bool:
    return bool(request.app.state.on_chain_verify)


Port = Annotated[MirrorPort, Depends(_port)]
"""The mirror the app serves."""
EventBroadcast = Annotated[Broadcast, Depends(_broadcast)]
"""The app's SSE fan-out."""
ApiMetrics = Annotated[Metrics, Depends(_metrics)]
"""The app's own counters."""
OnChainVerify = Annotated[bool, Depends(_on_chain_verify)]
"""Whether ``?onchain=true`` may ask the chain (``create_app(on_chain_verify=...)``)."""

# ------------------------------------------------------------------------ parameter parsing


def digest_param(text: str, what: str = "digest") -> bytes:
    """A 0x-prefixed 32-byte hex value, or a 400."""
    try:
        return parse_bytes32(text, what)
    except InvalidValueError as exc:
        raise ApiError(400, "bad_request", str(exc)) from None


def address_param(text: str, what: str) -> str:
    """An address (checksummed), or a 400."""
    try:
        return parse_address(text, what)
    except InvalidValueError as exc:
        raise ApiError(400, "bad_request", str(exc)) from None


def status_param(value: str | None, allowed: tuple[str, ...]) -> str | None:
    """``value`` as one of the ``allowed`` status names (any case), None if absent, or a 400."""
    if value is None:
        return None
    for name in allowed:
        if name.lower() == value.lower():
            return name
    raise ApiError(400, "bad_request", f"bad status {value!r}: expected {', '.join(allowed)}")


def class_param(value: str) -> bytes:
    """A resource class by name (``gpu.h100``) or as its 0x hash, or a 400."""
    try:
        if value.startswith("0x") and len(value) == 66:
            return digest_param(value, "resource class")
        return resource_class(value)
    except InvalidValueError as exc:
        raise ApiError(400, "bad_request", str(exc)) from None

"""What the routers share: their dependencies (the mirror port and the app's event broadcast,
counters and settings), the paging query parameters, and request values parsed into 400 answers.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import Depends, Path, Query, Request
from pydantic import BeforeValidator

from offchain.api.errors import ApiError
from offchain.api.metrics import Metrics
from offchain.api.port import MirrorPort
from offchain.api.sse import Broadcast
from offchain.chain.values import parse_address, parse_bytes32, resource_class
from offchain.exceptions import InvalidValueError

MAX_LIMIT = 1000
DEFAULT_LIMIT = 100


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
# Every value a parameter accepts is declared in the OpenAPI document (patterns, enums, integer
# bounds), so a request valid by the schema is one the server serves: what the schema allows is
# parsed here, what it does not is a 422 before a route runs.

HEX32_PATTERN = "^0x[0-9a-fA-F]{64}$"
ADDRESS_PATTERN = "^0x[0-9a-fA-F]{40}$"
# A resource class: its 0x hash, or a name of 1 to 32 printable ASCII characters (a name is at
# most 32 bytes; the hash's 66 characters cannot be read as one).
CLASS_PATTERN = "^(0x[0-9a-fA-F]{64}|[ -~]{1,32})$"
_DIGITS = re.compile(r"[0-9]+", re.ASCII)


def _decimal_digits(value: object) -> object:
    # Python's int() and pydantic also take "9.0", "1_000", "+5" and " 5"; an id is digits only.
    if isinstance(value, str) and not _DIGITS.fullmatch(value):
        raise ValueError("expected an integer written with the digits 0-9 only")
    return value


DIGITS_ONLY = BeforeValidator(_decimal_digits)
"""Add to an ``Annotated[int, Path(...) or Query(...), ...]`` parameter, after the ``Path`` or
``Query`` (before it, FastAPI writes their bounds into the OpenAPI document as ``ge``/``lt``, not
``minimum``/``exclusiveMaximum``): only ASCII decimal digits (else a 422)."""


def _true_or_false(value: object) -> object:
    # pydantic also reads "1", "yes", "on", "t"...; the schema's boolean is true or false.
    if isinstance(value, str) and value not in ("true", "false"):
        raise ValueError("expected true or false")
    return value


TRUE_OR_FALSE = BeforeValidator(_true_or_false)
"""Add to an ``Annotated[bool, ...]`` parameter: only ``true`` or ``false`` (else a 422)."""

TenantIdPath = Annotated[int, Path(ge=1, lt=2**64, description="A tenant id"), DIGITS_ONLY]
PoolIdPath = Annotated[int, Path(ge=1, lt=2**32, description="A pool id"), DIGITS_ONLY]
LeaseIdPath = Annotated[int, Path(ge=1, lt=2**64, description="A lease id"), DIGITS_ONLY]
DigestPath = Annotated[
    str, Path(pattern=HEX32_PATTERN, description="0x and 64 hex digits: a digest or batch root")
]
AddressPath = Annotated[
    str, Path(pattern=ADDRESS_PATTERN, description="An address: 0x and 40 hex digits")
]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Page size (1 to 1000)"), DIGITS_ONLY]
After = Annotated[
    int, Query(ge=0, lt=2**64, description="Return ids greater than this cursor"), DIGITS_ONLY
]
Offset = Annotated[
    int, Query(ge=0, lt=2**64, description="Skip this many (offset cursor)"), DIGITS_ONLY
]
TenantFilter = Annotated[
    int | None, Query(ge=1, lt=2**64, description="Only this tenant's"), DIGITS_ONLY
]
PoolFilter = Annotated[
    int | None, Query(ge=1, lt=2**32, description="Only this pool's"), DIGITS_ONLY
]


def address_query(description: str) -> Any:
    """An optional address query parameter (0x and 40 hex digits)."""
    return Query(None, pattern=ADDRESS_PATTERN, description=description)


def enum_of(*names: str) -> tuple[str, ...]:
    """The accepted spellings of an enum's ``names``: as written (``Active``) and lowercase."""
    return (*names, *(n.lower() for n in names))


def canonical(value: str | None, names: tuple[str, ...]) -> str | None:
    """``value`` (one of :func:`enum_of`'s spellings) as written in ``names``; None if absent."""
    if value is None:
        return None
    return next(n for n in names if n.lower() == value.lower())


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


def class_param(value: str) -> bytes:
    """A resource class by name (``gpu.h100``) or as its 0x hash, or a 400."""
    try:
        if value.startswith("0x") and len(value) == 66:
            return digest_param(value, "resource class")
        return resource_class(value)
    except InvalidValueError as exc:
        raise ApiError(400, "bad_request", str(exc)) from None

"""Reads from one pinned view of the mirror and their JSON answers.

Every read runs on one view (one block: an answer never mixes two) and names that block in the
``X-Leasehold-Block`` header. Listings page by id: ``{"items", "total", "next"}``.
"""

from __future__ import annotations

import json
from bisect import bisect_right
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from fastapi.responses import Response
from pydantic import BaseModel

from offchain.api.errors import ApiError
from offchain.exceptions import StaleViewError

if TYPE_CHECKING:
    from offchain.api.port import MirrorPort

JSON_MEDIA = "application/json"


def read_pinned(port: MirrorPort, fn: Callable[[Any], Any]) -> tuple[Any, int]:
    """Run ``fn(view)`` on a fresh view, retrying when the follower moves meanwhile."""
    for _ in range(50):
        view = port.view()
        try:
            return fn(view), view.number
        except StaleViewError:
            continue
    raise ApiError(503, "busy", "the mirror kept moving; retry")


def json_response(content: Any, block: int | None = None, status: int = 200) -> Response:
    """``content`` as compact JSON, with the block it was read at."""
    headers = {"X-Leasehold-Block": str(block)} if block is not None else None
    body = json.dumps(content, separators=(",", ":")).encode()
    return Response(body, status_code=status, media_type=JSON_MEDIA, headers=headers)


def model_response(model: BaseModel, block: int | None = None) -> Response:
    """A model as JSON (camelCase), with the block it was read at."""
    headers = {"X-Leasehold-Block": str(block)} if block is not None else None
    return Response(model.model_dump_json(by_alias=True), media_type=JSON_MEDIA, headers=headers)


def id_window(ids: Sequence[int], after: int, limit: int) -> tuple[slice, int | None]:
    """The slice of ascending ``ids`` after the cursor ``after``, and the next cursor (or None)."""
    start = bisect_right(ids, after)
    end = min(start + limit, len(ids))
    return slice(start, end), (ids[end - 1] if end < len(ids) and end > start else None)


def paged(views: list[Any], key: Callable[[Any], int], after: int, limit: int) -> Any:
    """One page of entity models, by the id ``key`` gives, after the cursor ``after``."""
    views = sorted(views, key=key)
    window, cursor = id_window([key(v) for v in views], after, limit)
    return {
        "items": [v.model_dump(mode="json", by_alias=True) for v in views[window]],
        "total": len(views),
        "next": cursor,
    }

"""``/pools``: pools by id (by provider, resource class, status), one pool."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response

from offchain.api._deps import (
    CLASS_PATTERN,
    DEFAULT_LIMIT,
    After,
    Limit,
    PoolIdPath,
    Port,
    address_param,
    address_query,
    canonical,
    class_param,
)
from offchain.api._responses import json_response, model_response, paged, read_pinned
from offchain.api.errors import ApiError, error_responses
from offchain.chain.values import resource_class_name
from offchain.models import Page, PoolOut

router = APIRouter(tags=["pools"])

STATUSES = ("Open", "Paused", "Retired")
PoolStatusName = Literal["Open", "Paused", "Retired", "open", "paused", "retired"]


@router.get("/pools", response_model=Page[PoolOut], responses=error_responses(422, 503))
async def list_pools(
    port: Port,
    provider: str | None = address_query("Only this provider's pools"),
    resource_class: str | None = Query(
        None,
        alias="resourceClass",
        pattern=CLASS_PATTERN,
        description="Only pools of this class: its name (1 to 32 printable ASCII characters, "
        "e.g. gpu.h100) or its 0x hash",
    ),
    status: Annotated[PoolStatusName | None, Query(description="Only pools in this status")] = None,
    after: After = 0,
    limit: Limit = DEFAULT_LIMIT,
) -> Response:
    """Pools by id."""
    provider_addr = address_param(provider, "provider") if provider else None
    rclass = class_param(resource_class) if resource_class else None
    wanted = canonical(status, STATUSES)

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
        return paged(views, lambda v: v.pool_id, after, limit)

    body, block = read_pinned(port, read)
    return json_response(body, block)


@router.get("/pools/{pool_id}", response_model=PoolOut, responses=error_responses(404, 422, 503))
async def get_pool(port: Port, pool_id: PoolIdPath) -> Response:
    """One pool."""
    p, block = read_pinned(port, lambda v: v.pool(pool_id))
    if p is None:
        raise ApiError(404, "not_found", f"unknown pool {pool_id}")
    return model_response(PoolOut.of(p), block)

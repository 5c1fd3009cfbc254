"""``/pools``: pools by id (by provider, resource class, status), one pool."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response

from offchain.api._deps import (
    AFTER_QUERY,
    LIMIT_QUERY,
    Port,
    address_param,
    class_param,
    status_param,
)
from offchain.api._responses import json_response, model_response, paged, read_pinned
from offchain.api.errors import ApiError
from offchain.chain.values import resource_class_name
from offchain.models import Page, PoolOut

router = APIRouter(tags=["pools"])


@router.get("/pools", response_model=Page[PoolOut])
async def list_pools(
    port: Port,
    provider: str | None = Query(None, description="Only this provider's pools"),
    resource_class: str | None = Query(
        None, alias="resourceClass", description="Only pools of this class, e.g. gpu.h100"
    ),
    status: str | None = Query(None, description="Open, Paused or Retired"),
    after: int = AFTER_QUERY,
    limit: int = LIMIT_QUERY,
) -> Response:
    """Pools by id."""
    provider_addr = address_param(provider, "provider") if provider else None
    rclass = class_param(resource_class) if resource_class else None
    wanted = status_param(status, ("Open", "Paused", "Retired"))

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


@router.get("/pools/{pool_id}", response_model=PoolOut)
async def get_pool(port: Port, pool_id: int = Path(ge=1, lt=2**32)) -> Response:
    """One pool."""
    p, block = read_pinned(port, lambda v: v.pool(pool_id))
    if p is None:
        raise ApiError(404, "not_found", f"unknown pool {pool_id}")
    return model_response(PoolOut.of(p), block)

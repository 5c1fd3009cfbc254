"""``/leases``: leases by id (by tenant, pool, provider, status), one lease."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response

from offchain.api._deps import (
    DEFAULT_LIMIT,
    After,
    LeaseIdPath,
    Limit,
    PoolFilter,
    Port,
    TenantFilter,
    address_param,
    address_query,
    canonical,
)
from offchain.api._responses import id_window, json_response, model_response, read_pinned
from offchain.api.errors import ApiError, error_responses
from offchain.models import LeaseOut, Page

router = APIRouter(tags=["leases"])

STATUSES = ("Active", "Closed")
LeaseStatusName = Literal["Active", "Closed", "active", "closed"]


@router.get("/leases", response_model=Page[LeaseOut], responses=error_responses(422, 503))
async def list_leases(
    port: Port,
    tenant: TenantFilter = None,
    pool: PoolFilter = None,
    provider: str | None = address_query("Only leases in this provider's pools"),
    status: Annotated[
        LeaseStatusName | None, Query(description="Only leases in this status")
    ] = None,
    after: After = 0,
    limit: Limit = DEFAULT_LIMIT,
) -> Response:
    """Leases by id (ids are journal sequence numbers: increasing, not contiguous)."""
    from offchain.mirror.entities import LeaseStatus

    provider_addr = address_param(provider, "provider") if provider else None
    wanted = canonical(status, STATUSES)

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
        window, cursor = id_window(ids, after, limit)
        chosen = ids[window]
        leases = [(view.lease(i), i) for i in chosen]
        items = [LeaseOut.of(x, view.lease_opener(i)) for x, i in leases if x is not None]
        return {
            "items": [i.model_dump(mode="json", by_alias=True) for i in items],
            "total": len(ids),
            "next": cursor,
        }

    body, block = read_pinned(port, read)
    return json_response(body, block)


@router.get("/leases/{lease_id}", response_model=LeaseOut, responses=error_responses(404, 422, 503))
async def get_lease(port: Port, lease_id: LeaseIdPath) -> Response:
    """One lease."""

    def read(view: Any) -> LeaseOut | None:
        x = view.lease(lease_id)
        return None if x is None else LeaseOut.of(x, view.lease_opener(lease_id))

    found, block = read_pinned(port, read)
    if found is None:
        raise ApiError(404, "not_found", f"unknown lease {lease_id}")
    return model_response(found, block)

"""``/tenants``: tenants by id, one tenant, a tenant's escrow."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response

from offchain.api._deps import (
    DEFAULT_LIMIT,
    After,
    Limit,
    Port,
    TenantIdPath,
    address_param,
    address_query,
    canonical,
)
from offchain.api._responses import json_response, model_response, paged, read_pinned
from offchain.api.errors import ApiError, error_responses
from offchain.models import EscrowOut, OperatorOut, Page, TenantOut

router = APIRouter(tags=["tenants"])

STATUSES = ("Pending", "Active", "Suspended", "Closed")
TenantStatus = Literal[
    "Pending", "Active", "Suspended", "Closed", "pending", "active", "suspended", "closed"
]


@router.get("/tenants", response_model=Page[TenantOut], responses=error_responses(422, 503))
async def list_tenants(
    port: Port,
    owner: str | None = address_query("Only tenants of this owner"),
    status: Annotated[TenantStatus | None, Query(description="Only tenants in this status")] = None,
    after: After = 0,
    limit: Limit = DEFAULT_LIMIT,
) -> Response:
    """Tenants by id."""
    owner_addr = address_param(owner, "owner") if owner else None
    wanted = canonical(status, STATUSES)

    def read(view: Any) -> Any:
        ids: Sequence[int] = (
            view.tenants_of_owner(owner_addr) if owner_addr else range(1, view.tenant_count() + 1)
        )
        items = [view.tenant(i) for i in ids]
        views = [TenantOut.of(t, operators_of(view, t.tenant_id)) for t in items if t is not None]
        if wanted:
            views = [v for v in views if v.status == wanted]
        return paged(views, lambda v: v.tenant_id, after, limit)

    body, block = read_pinned(port, read)
    return json_response(body, block)


@router.get(
    "/tenants/{tenant_id}", response_model=TenantOut, responses=error_responses(404, 422, 503)
)
async def get_tenant(port: Port, tenant_id: TenantIdPath) -> Response:
    """One tenant."""

    def read(view: Any) -> TenantOut | None:
        t = view.tenant(tenant_id)
        if t is None:
            return None
        return TenantOut.of(t, operators_of(view, tenant_id))

    found, block = read_pinned(port, read)
    if found is None:
        raise ApiError(404, "not_found", f"unknown tenant {tenant_id}")
    return model_response(found, block)


@router.get(
    "/tenants/{tenant_id}/escrow",
    response_model=EscrowOut,
    responses=error_responses(404, 422, 503),
)
async def get_escrow(port: Port, tenant_id: TenantIdPath) -> Response:
    """A tenant's free and reserved escrow."""
    found, block = read_pinned(port, lambda v: (v.tenant(tenant_id), v.account(tenant_id)))
    if found[0] is None:
        raise ApiError(404, "not_found", f"unknown tenant {tenant_id}")
    return model_response(EscrowOut.of(tenant_id, found[1]), block)


def operators_of(view: Any, tenant_id: int) -> list[OperatorOut]:
    """The tenant's current owner's grants (expired ones included), at the view's block."""
    return [
        OperatorOut.of(o, view.operator_expiry(tenant_id, o), view.operator_limits(tenant_id, o))
        for o in view.operators_of_tenant(tenant_id)
    ]

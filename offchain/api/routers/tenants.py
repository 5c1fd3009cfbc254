"""``/tenants``: tenants by id, one tenant, a tenant's escrow."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response

from offchain.api._deps import AFTER_QUERY, LIMIT_QUERY, Port, address_param, status_param
from offchain.api._responses import json_response, model_response, paged, read_pinned
from offchain.api.errors import ApiError
from offchain.models import EscrowOut, OperatorOut, Page, TenantOut

router = APIRouter(tags=["tenants"])


@router.get("/tenants", response_model=Page[TenantOut])
async def list_tenants(
    port: Port,
    owner: str | None = Query(None, description="Only tenants of this owner"),
    status: str | None = Query(None, description="Pending, Active, Suspended or Closed"),
    after: int = AFTER_QUERY,
    limit: int = LIMIT_QUERY,
) -> Response:
    """Tenants by id."""
    owner_addr = address_param(owner, "owner") if owner else None
    wanted = status_param(status, ("Pending", "Active", "Suspended", "Closed"))

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


@router.get("/tenants/{tenant_id}", response_model=TenantOut)
async def get_tenant(port: Port, tenant_id: int = Path(ge=1, lt=2**64)) -> Response:
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


@router.get("/tenants/{tenant_id}/escrow", response_model=EscrowOut)
async def get_escrow(port: Port, tenant_id: int = Path(ge=1, lt=2**64)) -> Response:
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

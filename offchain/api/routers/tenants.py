"""``/tenants``: tenants by id, one tenant, a tenant's escrow."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response

from offchain.api._deps import AFTER_QUERY, LIMIT_QUERY, Port, address_param, status_param
from offchain.api._responses import json_response, model_response, paged, read_pinned
from offchain.api.errors import ApiError
from offchain.exceptions import StaleViewError
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
        operators = operators_by_tenant(view)
        views = [TenantOut.of(t, operators.get(t.tenant_id, [])) for t in items if t is not None]
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
        return TenantOut.of(t, operators_by_tenant(view).get(tenant_id, []))

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


def operators_by_tenant(view: Any) -> dict[int, list[OperatorOut]]:
    """Tenant id -> its current owner's grants (expired ones included), at the view's block."""
    # The View offers grants by (tenant, operator) but no list of a tenant's operators: the keys
    # come from the state's grant table, copied at once (a dict the follower resizes meanwhile
    # makes the copy fail: the view is stale then anyway).
    try:
        keys = list(view._s.operators)
    except RuntimeError:
        raise StaleViewError(view.number, view.block_hash) from None
    if not view.fresh:
        raise StaleViewError(view.number, view.block_hash)
    found: dict[int, list[OperatorOut]] = {}
    for tenant_id, operator in sorted(keys):
        expires_at = view.operator_expiry(tenant_id, operator)
        if expires_at:
            limits = view.operator_limits(tenant_id, operator)
            found.setdefault(tenant_id, []).append(OperatorOut.of(operator, expires_at, limits))
    return found

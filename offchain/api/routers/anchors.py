"""``/anchors``: anchored digests and batch roots, by tenant then anchoring order; one anchor."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response

from offchain.api._deps import (
    DEFAULT_LIMIT,
    DigestPath,
    Limit,
    Offset,
    Port,
    TenantFilter,
    digest_param,
)
from offchain.api._responses import json_response, model_response, read_pinned
from offchain.api.errors import ApiError, error_responses
from offchain.chain.values import hex32
from offchain.models import AnchorOut, Page

router = APIRouter(tags=["anchors"])


@router.get("/anchors", response_model=Page[AnchorOut], responses=error_responses(422, 503))
async def list_anchors(
    port: Port,
    tenant: TenantFilter = None,
    kind: Literal["digest", "batch"] | None = Query(
        None, description="Only digests anchored alone, or only batch roots"
    ),
    after: Offset = 0,
    limit: Limit = DEFAULT_LIMIT,
) -> Response:
    """Anchors, by tenant then anchoring order; ``next`` is an offset."""

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

    body, block = read_pinned(port, read)
    return json_response(body, block)


@router.get("/anchors/{digest}", response_model=AnchorOut, responses=error_responses(404, 422, 503))
async def get_anchor(port: Port, digest: DigestPath) -> Response:
    """The anchor under a digest or batch root."""
    raw = digest_param(digest)
    a, block = read_pinned(port, lambda v: v.anchor(raw))
    if a is None:
        raise ApiError(404, "not_found", f"nothing is anchored under {hex32(raw)}")
    return model_response(AnchorOut.of(a), block)

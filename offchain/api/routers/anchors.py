"""``/anchors``: anchored digests and batch roots, by tenant then anchoring order; one anchor."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response

from offchain.api._deps import LIMIT_QUERY, Port, digest_param
from offchain.api._responses import json_response, model_response, read_pinned
from offchain.api.errors import ApiError
from offchain.chain.values import hex32
from offchain.models import AnchorOut, Page

router = APIRouter(tags=["anchors"])


@router.get("/anchors", response_model=Page[AnchorOut])
async def list_anchors(
    port: Port,
    tenant: int | None = Query(None, ge=1, lt=2**64, description="Only this tenant's"),
    kind: str | None = Query(None, description="digest or batch"),
    after: int = Query(0, ge=0, description="Skip this many (offset cursor)"),
    limit: int = LIMIT_QUERY,
) -> Response:
    """Anchors, by tenant then anchoring order; ``next`` is an offset."""
    if kind not in (None, "digest", "batch"):
        raise ApiError(400, "bad_request", f"bad kind {kind!r}: expected digest or batch")

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


@router.get("/anchors/{digest}", response_model=AnchorOut)
async def get_anchor(
    port: Port, digest: str = Path(description="0x and 64 hex digits")
) -> Response:
    """The anchor under a digest or batch root."""
    raw = digest_param(digest)
    a, block = read_pinned(port, lambda v: v.anchor(raw))
    if a is None:
        raise ApiError(404, "not_found", f"nothing is anchored under {hex32(raw)}")
    return model_response(AnchorOut.of(a), block)

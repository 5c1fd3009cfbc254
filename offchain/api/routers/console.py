"""``/console/...``: the reads the web console (``/``) loads in one request each.

The entity listings page at most 1,000 items and may answer two pages from two blocks; the
console wants the whole state at one block, to which it then applies the ``/events`` stream's
changes for later blocks. These endpoints read everything it shows from one pinned view:

- ``/console/state``: tenants (with their grants, escrow and quotas), pools, providers and
  anchors;
- ``/console/leases``: every lease, as compact rows (10,000 leases are about 1 MB);
- ``/console/clock``: the block the mirror is at and its timestamp (the console's "now");
- ``/console/escrow-history``: total escrow after each change the server still holds.
"""

from __future__ import annotations

import json
import time
import weakref
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from offchain.api._deps import EventBroadcast, Port
from offchain.api._responses import model_response, read_pinned
from offchain.api.errors import error_responses
from offchain.api.routers.tenants import operators_of
from offchain.chain.values import resource_class_name
from offchain.models import (
    AnchorOut,
    EscrowOut,
    PoolOut,
    ProviderOut,
    TenantOut,
    solidity_name,
)

router = APIRouter(prefix="/console", tags=["console"])

LEASE_FIELDS = (
    "leaseId",
    "tenantId",
    "poolId",
    "units",
    "start",
    "end",
    "status",
    "closeReason",
    "pricePerUnitSecond",
    "paidUntil",
    "openedBy",
)
"""The columns of ``/console/leases`` rows, in order (the names of :class:`LeaseOut`'s keys)."""


class _Model(BaseModel):
    model_config = ConfigDict(
        frozen=True, extra="forbid", alias_generator=to_camel, populate_by_name=True
    )


class QuotaOut(_Model):
    """A tenant's quota in one resource class and the units its active leases hold."""

    resource_class: str
    quota: int
    active: int


class ConsoleTenantOut(_Model):
    """A tenant with its escrow and its quotas in the classes that pools offer."""

    tenant: TenantOut
    escrow: EscrowOut
    quotas: list[QuotaOut]


class ConsoleAnchorOut(_Model):
    """An anchor and its batch's URI (empty for a digest or a batch anchored without one)."""

    anchor: AnchorOut
    uri: str


class ConsoleStateOut(_Model):
    """Everything the console shows but leases, at one block."""

    block: int
    block_hash: str
    timestamp: int = Field(description="The block's timestamp")
    tenants: list[ConsoleTenantOut]
    pools: list[PoolOut]
    providers: list[ProviderOut]
    anchors: list[ConsoleAnchorOut]


class ConsoleLeasesOut(_Model):
    """Every lease at one block, as rows of the ``fields`` columns."""

    block: int
    block_hash: str
    timestamp: int
    fields: list[str]
    rows: list[list[int | str | None]]


class ClockOut(_Model):
    """The mirror's block and its timestamp."""

    block: int
    block_hash: str
    timestamp: int


class EscrowPointOut(_Model):
    """Total escrow of all tenants at the end of a block."""

    block: int
    at: float = Field(
        description="When the server published the next change (Unix seconds); now for the last"
    )
    free: str
    reserved: str


class EscrowHistoryOut(_Model):
    """Total escrow over the changes the server still holds (its last 1,024 events), oldest
    first; the last point is the current block's."""

    points: list[EscrowPointOut]


@router.get("/state", response_model=ConsoleStateOut, responses=error_responses(503))
async def console_state(port: Port) -> Response:
    """Tenants (grants, escrow, quotas), pools, providers and anchors at one block."""
    body, block = read_pinned(port, _state)
    return model_response(body, block)


@router.get("/leases", response_model=ConsoleLeasesOut, responses=error_responses(503))
async def console_leases(port: Port) -> Response:
    """Every lease at one block, as rows of the columns named in ``fields``."""
    view = port.view()
    cached = _LEASES_CACHE.get(port)
    if cached is not None and cached[0] == view.block_hash:
        return _encoded(cached[1], view.number)
    body, block = read_pinned(port, _leases)
    encoded = json.dumps(body, separators=(",", ":")).encode()
    _LEASES_CACHE[port] = (body["blockHash"], encoded)
    return _encoded(encoded, block)


# The last /console/leases answer of each app, by block hash: every console that opens (or
# re-reads) at the same block gets it without encoding 10,000 leases again.
_LEASES_CACHE: weakref.WeakKeyDictionary[Any, tuple[str, bytes]] = weakref.WeakKeyDictionary()


def _encoded(body: bytes, block: int) -> Response:
    return Response(body, media_type="application/json", headers={"X-Leasehold-Block": str(block)})


@router.get("/clock", response_model=ClockOut)
async def console_clock(port: Port) -> Response:
    """The block the mirror is at and its timestamp."""
    view = port.view()
    out = ClockOut(block=view.number, block_hash=view.block_hash, timestamp=view.timestamp)
    return model_response(out, view.number)


@router.get("/escrow-history", response_model=EscrowHistoryOut)
async def escrow_history(port: Port, broadcast: EventBroadcast) -> Response:
    """Total free and reserved escrow before each held change of an escrow account, and now."""
    view = port.view()
    free, reserved, _ = view.escrow_totals()
    with broadcast.lock:
        held = list(broadcast.history)
    # Walk back from the current totals, undoing each held change of an escrow account.
    points = [
        EscrowPointOut(block=view.number, at=time.time(), free=str(free), reserved=str(reserved))
    ]
    for _, event, data in reversed(held):
        if event not in ("change", "retract"):
            continue
        parsed = json.loads(data)
        if parsed["block"] > view.number:
            continue  # published after the view was taken
        delta_free = delta_reserved = 0
        for change in parsed["changes"]:
            if change["table"] == "account":
                before, after = change["before"] or {}, change["after"] or {}
                delta_free += int(after.get("free", 0)) - int(before.get("free", 0))
                delta_reserved += int(after.get("reserved", 0)) - int(before.get("reserved", 0))
        if not (delta_free or delta_reserved):
            continue
        free, reserved = free - delta_free, reserved - delta_reserved
        points.append(
            EscrowPointOut(
                block=parsed["block"] - 1, at=parsed["at"], free=str(free), reserved=str(reserved)
            )
        )
    points.reverse()
    return model_response(EscrowHistoryOut(points=points), view.number)


# --------------------------------------------------------------------------------- readers


def _state(view: Any) -> ConsoleStateOut:
    pools = [p for p in (view.pool(i) for i in range(1, view.pool_count() + 1)) if p is not None]
    classes = sorted({p.resource_class for p in pools})
    tenants = []
    for tenant_id in range(1, view.tenant_count() + 1):
        t = view.tenant(tenant_id)
        if t is None:
            continue
        quotas = [
            QuotaOut(
                resource_class=resource_class_name(c),
                quota=view.quota(tenant_id, c),
                active=view.active_units(tenant_id, c),
            )
            for c in classes
        ]
        tenants.append(
            ConsoleTenantOut(
                tenant=TenantOut.of(t, operators_of(view, tenant_id)),
                escrow=EscrowOut.of(tenant_id, view.account(tenant_id)),
                quotas=[q for q in quotas if q.quota or q.active],
            )
        )
    providers = sorted({p.provider for p in pools})
    anchors = []
    for tenant_id in range(1, view.tenant_count() + 1):
        for digest in view.anchors_of_tenant(tenant_id):
            a = view.anchor(digest)
            if a is not None:
                uri = view.batch_uri(digest) if a.count else ""
                anchors.append(ConsoleAnchorOut(anchor=AnchorOut.of(a), uri=uri))
    return ConsoleStateOut(
        block=view.number,
        block_hash=view.block_hash,
        timestamp=view.timestamp,
        tenants=tenants,
        pools=[PoolOut.of(p) for p in pools],
        providers=[
            ProviderOut(
                provider=p,
                pools=list(view.pools_of_provider(p)),
                claimable=str(view.claimable(p)),
                payout_address=view.payout_address(p),
                pending_handover=view.pending_provider_handover(p),
            )
            for p in providers
        ],
        anchors=anchors,
    )


def _leases(view: Any) -> dict[str, Any]:
    from offchain.mirror.entities import CloseReason, LeaseStatus

    status_names = {s: solidity_name(s) for s in LeaseStatus}
    reason_names = {r: solidity_name(r) for r in CloseReason}
    ids = sorted(
        (*view.leases_with_status(LeaseStatus.ACTIVE), *view.leases_with_status(LeaseStatus.CLOSED))
    )
    rows: list[list[Any]] = []
    for lease_id in ids:
        x = view.lease(lease_id)
        if x is None:
            continue
        rows.append(
            [
                x.lease_id,
                x.tenant_id,
                x.pool_id,
                x.units,
                x.start,
                x.end,
                status_names[x.status],
                reason_names[x.close_reason],
                str(x.price_per_unit_second),
                x.paid_until,
                view.lease_opener(lease_id),
            ]
        )
    return {
        "block": view.number,
        "blockHash": view.block_hash,
        "timestamp": view.timestamp,
        "fields": list(LEASE_FIELDS),
        "rows": rows,
    }


__all__ = ["LEASE_FIELDS", "router"]

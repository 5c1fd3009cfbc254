"""``/status``, ``/summary`` and ``/health``: where the mirror is, whether it agrees with the
chain, and counts for dashboards."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response
from pydantic import Field

from offchain import __version__
from offchain.api._deps import Port
from offchain.api._responses import model_response, read_pinned
from offchain.api.errors import error_responses
from offchain.api.port import MirrorPort
from offchain.api.schemas import (
    AuditOut,
    JournalCheckOut,
    JournalOut,
    StatusOut,
    SummaryOut,
    _Model,
)
from offchain.models import LeaseOut, PoolOut, TenantOut

router = APIRouter(tags=["status"])


@router.get("/status", response_model=StatusOut)
async def status(port: Port) -> Response:
    """Head, lag, journal check and audit results."""
    return model_response(_status(port), port.view().number)


@router.get("/summary", response_model=SummaryOut, responses=error_responses(503))
async def summary(port: Port) -> Response:
    """Tenants by status, pool utilization, leases by status, anchors."""
    body, block = read_pinned(port, _summary)
    return model_response(body, block)


class HealthOut(_Model):
    """Whether this replica should serve reads."""

    status: str = Field(description="ok, or stale (HTTP 503)")
    phase: str = Field(description="starting, backfill, live, resync, error or stopped")
    block: int = Field(description="The block the mirror's state is at")
    lag: int = Field(description="Blocks behind the chain's head as last seen (-1: none seen)")
    lag_seconds: float = Field(
        description="Seconds since the mirror last saw the chain's head applied (-1: never)"
    )
    reasons: list[str] = Field(description="Why it is stale (empty when ok)")


_STALE = "Stale: not live, or lagging past the limits (--max-lag-blocks, --max-lag-seconds)"


@router.get(
    "/health",
    response_model=HealthOut,
    responses={503: {"model": HealthOut, "description": _STALE}},
)
async def health(port: Port) -> Response:
    """Readiness for a load balancer: 200 while live and within the lag limits, else 503."""
    st = port.status()
    verdict = port.health(st)
    body = HealthOut(
        status="ok" if verdict.ok else "stale",
        phase=st.phase,
        block=st.block,
        lag=st.lag_blocks,
        lag_seconds=st.lag_seconds,
        reasons=list(verdict.reasons),
    )
    return Response(
        body.model_dump_json(by_alias=True),
        status_code=200 if verdict.ok else 503,
        media_type="application/json",
    )


def _status(port: MirrorPort) -> StatusOut:
    st = port.status()
    check = port.journal_check()
    audit = port.audit_report()
    journal = None
    if check is not None:
        journal = JournalCheckOut(
            ok=check.ok,
            block_number=check.block_number,
            block_hash=check.block_hash,
            checked_at=check.checked_at,
            description=check.describe(),
            contracts={
                name: JournalOut(
                    mirror_seq=seq,
                    mirror_head=head,
                    chain_seq=check.chain[name][0] if name in check.chain else None,
                    chain_head=check.chain[name][1] if name in check.chain else None,
                )
                for name, (seq, head) in check.mirror.items()
            },
        )
    audit_out = None
    if audit is not None:
        audit_out = AuditOut(
            ok=audit.ok,
            block_number=audit.block_number,
            checked=audit.checked,
            divergences=len(audit.divergences),
            sampled=audit.sampled,
            checked_at=audit.checked_at,
            description=audit.describe(),
        )
    return StatusOut(
        version=__version__,
        chain_id=port.chain_id,
        contracts=port.addresses,
        phase=st.phase,
        head=st.head,
        finalized=st.finalized,
        block=st.block,
        block_hash=st.block_hash,
        lag=max(0, st.lag_blocks),
        lag_seconds=st.lag_seconds,
        events_applied=st.events_applied,
        reorgs=st.reorgs,
        rpc=st.rpc,
        last_error=st.last_error,
        journal=journal,
        audit=audit_out,
    )


def _summary(view: Any) -> SummaryOut:
    from offchain.mirror.entities import LeaseStatus

    tenants: dict[str, int] = {}
    for i in range(1, view.tenant_count() + 1):
        t = view.tenant(i)
        if t is not None:
            name = TenantOut.of(t).status
            tenants[name] = tenants.get(name, 0) + 1
    pools = []
    for i in range(1, view.pool_count() + 1):
        p = view.pool(i)
        if p is not None:
            out = PoolOut.of(p)
            pools.append(
                {
                    "poolId": out.pool_id,
                    "resourceClass": out.resource_class,
                    "status": out.status,
                    "allocated": out.allocated,
                    "capacity": out.capacity,
                    "utilization": round(out.allocated / out.capacity, 4) if out.capacity else 0,
                }
            )
    active = len(view.leases_with_status(LeaseStatus.ACTIVE))
    closed_ids = view.leases_with_status(LeaseStatus.CLOSED)
    leases = {"Active": active}
    for lease_id in closed_ids:
        x = view.lease(lease_id)
        if x is not None:
            reason = LeaseOut.of(x).close_reason
            leases[reason] = leases.get(reason, 0) + 1
    anchors = {"digest": 0, "batch": 0, "revoked": 0, "leaves": 0}
    for t in range(1, view.tenant_count() + 1):
        for d in view.anchors_of_tenant(t):
            a = view.anchor(d)
            if a is None:
                continue
            anchors["batch" if a.count else "digest"] += 1
            anchors["leaves"] += a.count
            anchors["revoked"] += 1 if a.revoked_at else 0
    free, reserved, claimable = view.escrow_totals()
    return SummaryOut(
        block=view.number,
        tenants=tenants,
        pools=pools,
        leases=leases,
        anchors=anchors,
        escrow={"free": str(free), "reserved": str(reserved), "claimable": str(claimable)},
    )

"""What a mirror reports about itself: :class:`MirrorStatus` for operators and load balancers, and
the Prometheus-style numbers of :meth:`offchain.mirror.mirror.Mirror.metrics`."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from typing import Any

from offchain.chain.rpc import RpcStatus
from offchain.mirror.audit import AuditReport, JournalCheck
from offchain.mirror.follow_types import FollowerStatus
from offchain.mirror.state import MirrorState
from offchain.mirror.store import SnapshotInfo


@dataclass(slots=True)
class MirrorStatus:
    """Everything an operator or a load balancer asks a mirror."""

    phase: str  # stopped, starting, backfill, live, resync, error
    block: int
    block_hash: str
    head: int
    finalized: int
    lag_blocks: int  # behind the head the node last told (-1 before any)
    lag_seconds: float  # since the mirror last knew it had the node's head applied (-1: never)
    finality: str
    rpc: str
    rpc_up: bool
    last_error: str
    events_applied: int
    reorgs: int
    retracted_blocks: int
    unfinalized_blocks: int
    resyncs: int
    snapshot: dict[str, Any] | None
    journal: dict[str, Any] | None
    audit: dict[str, Any] | None
    counts: dict[str, int]

    def as_dict(self) -> dict[str, Any]:
        """Plain data (JSON-serializable)."""
        return asdict(self)


def mirror_status(
    phase: str,
    opened: bool,
    fs: FollowerStatus | None,
    rpc: RpcStatus,
    state: MirrorState,
    snapshot: SnapshotInfo | None,
    error: str,
    resyncs: int,
    journal: JournalCheck | None,
    audit: AuditReport | None,
) -> MirrorStatus:
    """A mirror's status from its parts: its own phase and whether it opened (then the follower's
    phase is the one told), the follower's status (None before), the RPC's health, the state, the
    last snapshot, error and checks."""
    view = state.view()
    if phase != "stopped" and opened and fs is not None:
        phase = fs.phase
    if rpc.all_down and phase != "stopped":
        phase = "error"
    head = fs.head if fs is not None else -1
    return MirrorStatus(
        phase=phase,
        block=view.number,
        block_hash=view.block_hash,
        head=head,
        finalized=fs.finalized if fs is not None else -1,
        lag_blocks=max(0, head - view.number) if head >= 0 else -1,
        lag_seconds=_lag_seconds(fs),
        finality=fs.finality if fs is not None else "",
        rpc=rpc.describe(),
        rpc_up=not rpc.all_down,
        last_error=error or (fs.last_error if fs is not None else ""),
        events_applied=fs.events_applied if fs is not None else 0,
        reorgs=fs.reorgs if fs is not None else 0,
        retracted_blocks=fs.retracted_blocks if fs is not None else 0,
        unfinalized_blocks=fs.unfinalized_blocks if fs is not None else 0,
        resyncs=resyncs,
        snapshot=asdict(snapshot) if snapshot is not None else None,
        journal=asdict(journal) if journal is not None else None,
        audit=_audit_summary(audit),
        counts=state.counts(),
    )


def mirror_metrics(
    s: MirrorStatus,
    journal: JournalCheck | None,
    audit_checked_total: int,
    audit_divergences_total: int,
) -> dict[str, float]:
    """Numbers for a metrics endpoint (Prometheus-style names)."""
    metrics: dict[str, float] = {
        "mirror_block": s.block,
        "mirror_head_block": s.head,
        "mirror_finalized_block": s.finalized,
        "mirror_lag_blocks": s.lag_blocks,
        "mirror_lag_seconds": s.lag_seconds,
        "mirror_events_applied_total": s.events_applied,
        "mirror_reorgs_total": s.reorgs,
        "mirror_retracted_blocks_total": s.retracted_blocks,
        "mirror_resyncs_total": s.resyncs,
        "mirror_rpc_up": 1.0 if s.rpc_up else 0.0,
        "mirror_journal_ok": -1.0 if journal is None else float(journal.ok),
        "mirror_audit_checked_total": audit_checked_total,
        "mirror_audit_divergences_total": audit_divergences_total,
        "mirror_snapshot_block": s.snapshot["block_number"] if s.snapshot else -1,
    }
    for table, count in s.counts.items():
        metrics[f'mirror_entries{{table="{table}"}}'] = count
    return metrics


@dataclass(frozen=True, slots=True)
class Health:
    """Whether a replica should serve reads (``GET /health``): ``ok``, else ``reasons``."""

    ok: bool
    reasons: tuple[str, ...]


def health(s: MirrorStatus, max_lag_blocks: int, max_lag_seconds: float) -> Health:
    """A status judged for a load balancer: live, the RPC up, and the lag within both limits (in
    blocks behind the last head seen, in seconds since the mirror last saw itself at the head)."""
    reasons = []
    if s.phase != "live":
        reasons.append(f"phase {s.phase}")
    if not s.rpc_up:
        reasons.append("rpc down")
    if s.lag_blocks < 0 or s.lag_blocks > max_lag_blocks:
        reasons.append(f"lag {s.lag_blocks} blocks (limit {max_lag_blocks})")
    if s.lag_seconds < 0 or s.lag_seconds > max_lag_seconds:
        reasons.append(f"lag {s.lag_seconds:.1f}s (limit {max_lag_seconds:g}s)")
    return Health(not reasons, tuple(reasons))


def _lag_seconds(fs: FollowerStatus | None) -> float:
    if fs is None or not fs.synced_at:
        return -1.0
    return round(max(0.0, time.time() - fs.synced_at), 3)


def _audit_summary(report: AuditReport | None) -> dict[str, Any] | None:
    if report is None:
        return None
    return {
        "block_number": report.block_number,
        "block_hash": report.block_hash,
        "checked": report.checked,
        "divergences": len(report.divergences),
        "examples": [str(d) for d in report.divergences[:5]],
        "sampled": report.sampled,
        "ok": report.ok,
        "error": report.error,
        "checked_at": report.checked_at,
    }

"""``GET /metrics``: the Prometheus text format.

The API process counts what it serves (:class:`Metrics`, :class:`CountRequests`); the rest is read
from the mirror on each scrape.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from offchain.api.port import MirrorPort
    from offchain.api.sse import Broadcast


@dataclass(slots=True)
class Metrics:
    """Counters kept by the API process (the rest is read from the mirror on scrape)."""

    started: float = field(default_factory=time.time)
    requests: dict[tuple[str, int], int] = field(default_factory=dict)
    blocks_applied: int = 0
    retractions: int = 0
    resets: int = 0
    rate_window: deque[tuple[float, int]] = field(default_factory=lambda: deque(maxlen=120))

    def events_per_second(self, events_applied: int) -> float:
        """Events applied per second over the last minute of scrapes/samples."""
        now = time.monotonic()
        self.rate_window.append((now, events_applied))
        while len(self.rate_window) > 2 and now - self.rate_window[0][0] > 60:
            self.rate_window.popleft()
        first_t, first_n = self.rate_window[0]
        span = now - first_t
        return (events_applied - first_n) / span if span > 0 else 0.0


class CountRequests:
    """Counts responses by route and status for /metrics (plain ASGI: no per-request task)."""

    def __init__(self, app: Any, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        requests = self.metrics.requests

        async def counting_send(message: Any) -> None:
            if message["type"] == "http.response.start":
                route = scope.get("route")
                key = (getattr(route, "path", "other"), int(message["status"]))
                requests[key] = requests.get(key, 0) + 1
            await send(message)

        await self.app(scope, receive, counting_send)


def _metric(
    lines: list[str], name: str, kind: str, help_text: str, samples: Sequence[tuple[str, float]]
) -> None:
    lines.append(f"# HELP {name} {help_text}")
    lines.append(f"# TYPE {name} {kind}")
    for labels, value in samples:
        shown = repr(float(value)) if isinstance(value, float) else str(value)
        lines.append(f"{name}{labels} {shown}")


def metrics_text(port: MirrorPort, metrics: Metrics, broadcast: Broadcast) -> str:
    """The Prometheus text exposition of the mirror, its RPC endpoints, the event stream and the
    API's own counters (lag, events/s, RPC errors, audit divergences, requests)."""
    st = port.status()
    rpc = port.rpc_status()
    audit = port.audit_report()
    check = port.journal_check()
    divergences_total = port.mirror.audit_divergences_total
    lines: list[str] = []

    def one(name: str, kind: str, help_text: str, value: float) -> None:
        _metric(lines, name, kind, help_text, [("", value)])

    one(
        "leasehold_mirror_lag_blocks",
        "gauge",
        "Chain head minus the mirror's block.",
        max(0, st.lag_blocks),
    )
    one(
        "leasehold_mirror_lag_seconds",
        "gauge",
        "Seconds since the mirror last saw the chain's head applied (-1: never).",
        st.lag_seconds,
    )
    one("leasehold_mirror_head_block", "gauge", "The chain's head as last seen.", st.head)
    one("leasehold_mirror_block", "gauge", "The block the mirror's state is at.", st.block)
    one("leasehold_mirror_finalized_block", "gauge", "The chain's finalized block.", st.finalized)
    one(
        "leasehold_mirror_up",
        "gauge",
        "1 while the mirror follows the chain (phase live).",
        1 if st.phase == "live" else 0,
    )
    one("leasehold_mirror_events_total", "counter", "Contract events applied.", st.events_applied)
    one(
        "leasehold_mirror_events_per_second",
        "gauge",
        "Events applied per second over the last minute.",
        round(metrics.events_per_second(st.events_applied), 3),
    )
    one("leasehold_mirror_reorgs_total", "counter", "Reorgs handled.", st.reorgs)
    one(
        "leasehold_mirror_retracted_blocks_total",
        "counter",
        "Blocks undone by reorgs.",
        st.retracted_blocks,
    )
    one(
        "leasehold_mirror_resyncs_total",
        "counter",
        "Restarts from snapshot or deploy block.",
        st.resyncs,
    )
    _metric(
        lines,
        "leasehold_rpc_errors_total",
        "counter",
        "Failed JSON-RPC requests.",
        [(f'{{endpoint="{e.url}"}}', e.failures) for e in rpc.endpoints],
    )
    _metric(
        lines,
        "leasehold_rpc_requests_total",
        "counter",
        "JSON-RPC requests.",
        [(f'{{endpoint="{e.url}"}}', e.requests) for e in rpc.endpoints],
    )
    one("leasehold_rpc_up", "gauge", "1 while an RPC endpoint answers.", 1 if st.rpc_up else 0)
    one(
        "leasehold_audit_divergences_total",
        "counter",
        "Entries found different from the chain, over every audit.",
        divergences_total,
    )
    one(
        "leasehold_audit_divergences",
        "gauge",
        "Entries that differed in the last audit.",
        len(audit.divergences) if audit is not None else 0,
    )
    one(
        "leasehold_journal_ok",
        "gauge",
        "1 when the last journal check found equal heads (-1 before the first).",
        -1 if check is None else int(check.ok),
    )
    one(
        "leasehold_sse_clients",
        "gauge",
        "Connected event-stream clients.",
        len(broadcast.subscribers),
    )
    one(
        "leasehold_sse_resets_total",
        "counter",
        "Reset events sent: the mirror dropped state it had announced.",
        metrics.resets,
    )
    one(
        "leasehold_sse_dropped_total",
        "counter",
        "Event-stream clients dropped for reading too slowly.",
        broadcast.dropped,
    )
    _metric(
        lines,
        "leasehold_http_requests_total",
        "counter",
        "HTTP requests served.",
        [
            (f'{{route="{route}",status="{code}"}}', count)
            for (route, code), count in sorted(metrics.requests.items())
        ],
    )
    return "\n".join(lines) + "\n"

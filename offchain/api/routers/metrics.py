"""``GET /metrics``: Prometheus text (:mod:`offchain.api.metrics`)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import PlainTextResponse

from offchain.api._deps import ApiMetrics, EventBroadcast, Port
from offchain.api.metrics import metrics_text

router = APIRouter(tags=["status"])


@router.get("/metrics", response_class=PlainTextResponse)
async def prometheus(
    port: Port, metrics: ApiMetrics, broadcast: EventBroadcast
) -> PlainTextResponse:
    """Prometheus text format: lag, events/s, RPC errors, audit divergences, requests."""
    return PlainTextResponse(
        metrics_text(port, metrics, broadcast),
        media_type="text/plain; version=0.0.4; charset=utf-8",
    )

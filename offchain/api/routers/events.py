"""``GET /events``: the mirror's changes as Server-Sent Events (:mod:`offchain.api.sse`)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse

from offchain.api._deps import EventBroadcast
from offchain.api.sse import event_stream

router = APIRouter(tags=["stream"])

_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


@router.get(
    "/events",
    response_class=StreamingResponse,
    responses={
        200: {
            "content": {"text/event-stream": {}},
            "description": "change, retract and final events",
        }
    },
)
async def events(request: Request, broadcast: EventBroadcast) -> StreamingResponse:
    """Server-Sent Events: ``change``, ``retract`` and ``final`` events as blocks apply."""
    header = request.headers.get("last-event-id")
    last_id = int(header) if header and header.isdigit() else None
    return StreamingResponse(
        event_stream(broadcast, last_id), media_type="text/event-stream", headers=_HEADERS
    )

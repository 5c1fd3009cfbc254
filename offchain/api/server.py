"""Serving the app with uvicorn until SIGINT or SIGTERM, both stopping it the same prompt way.

uvicorn alone differs in two ways that matter to a mirror: after a graceful stop it raises the
signal again with the handler it found, which for SIGTERM kills the process before the caller can
write its final snapshot; and it waits for every open response to finish, which an event stream
never does. :func:`serve` keeps the signal to itself (the caller then stops the mirror) and ends
the event streams (each with a ``close`` event) as the shutdown begins.
"""

from __future__ import annotations

import signal
from collections.abc import Callable
from types import FrameType
from typing import Any

import uvicorn

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
GRACE_SECONDS = 5  # then responses still open are cancelled


class _Server(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, on_shutdown: Callable[[], None]) -> None:
        super().__init__(config)
        self.on_shutdown = on_shutdown

    async def shutdown(self, sockets: Any = None) -> None:
        self.on_shutdown()  # before uvicorn waits for open responses: end the event streams
        await super().shutdown(sockets)


def make_server(app: Any, host: str, port: int, *, grace: int = GRACE_SECONDS) -> uvicorn.Server:
    """A uvicorn server of ``app`` (from :func:`offchain.api.app.create_app`) that ends the app's
    event streams when it shuts down and cancels what is still open after ``grace`` seconds."""
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=grace,
    )
    return _Server(config, app.state.broadcast.close)


def serve(app: Any, host: str, port: int, *, grace: int = GRACE_SECONDS) -> str | None:
    """Serve ``app`` on ``host:port`` until SIGINT or SIGTERM; the name of the signal that stopped
    it (None when it stopped otherwise)."""
    server = make_server(app, host, port, grace=grace)
    received: list[int] = []

    def stop(sig: int, _frame: FrameType | None) -> None:
        # Before uvicorn takes over the signals (a stop asked early), and when it hands a caught
        # signal back after shutting down: remember it, raise nothing.
        received.append(sig)
        server.should_exit = True

    previous = {sig: signal.signal(sig, stop) for sig in STOP_SIGNALS}
    try:
        server.run()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return signal.Signals(received[0]).name if received else None

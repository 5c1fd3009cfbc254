"""When the follower looks at the chain again (silverback's runner shape).

:class:`PollingRunner` sleeps the poll interval; :class:`WebsocketRunner` also wakes on
``eth_subscribe("newHeads")``. :meth:`offchain.mirror.follower.Follower.run` and the mirror's
thread wait on one between rounds that found nothing to do.
"""

from __future__ import annotations

import threading
import time

from offchain.chain.rpc import NewHeads


class Runner:
    """Decides when the follower looks at the chain again."""

    def start(self) -> None:
        """Prepare (connect, subscribe)."""

    def stop(self) -> None:
        """Release what :meth:`start` took."""

    def wait(self, stop: threading.Event) -> None:
        """Block until it is worth looking again (or ``stop`` is set)."""
        raise NotImplementedError


class PollingRunner(Runner):
    """Look again every ``interval`` seconds."""

    def __init__(self, interval: float) -> None:
        self.interval = interval

    def wait(self, stop: threading.Event) -> None:
        """Sleep one interval (waking early on stop)."""
        stop.wait(self.interval)


class WebsocketRunner(Runner):
    """Look again as soon as the node pushes a new head, and at least every ``interval`` seconds."""

    def __init__(self, url: str, interval: float) -> None:
        self.interval = interval
        self._wake = threading.Event()
        self._heads = NewHeads(url, lambda _header: self._wake.set())

    @property
    def connected(self) -> bool:
        """Whether the subscription is up."""
        return self._heads.connected

    def start(self) -> None:
        """Subscribe in the background."""
        self._heads.start()

    def stop(self) -> None:
        """Unsubscribe."""
        self._heads.stop()

    def wait(self, stop: threading.Event) -> None:
        """Wait for a pushed head, the interval, or stop."""
        deadline = time.monotonic() + self.interval
        while not stop.is_set():
            remaining = deadline - time.monotonic()
            if remaining <= 0 or self._wake.wait(min(remaining, 0.05)):
                break
        self._wake.clear()

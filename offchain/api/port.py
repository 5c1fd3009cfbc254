"""What the API needs from the mirror, in one place: :class:`MirrorPort`."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from offchain.chain.rpc import RpcStatus
    from offchain.mirror.audit import AuditReport, JournalCheck
    from offchain.mirror.mirror import Mirror
    from offchain.mirror.notify import Notification
    from offchain.mirror.status import Health, MirrorStatus
    from offchain.mirror.view import View


class MirrorPort:
    """What the API needs from the mirror (:class:`offchain.mirror.mirror.Mirror`), in one place."""

    def __init__(self, mirror: Mirror) -> None:
        self.mirror = mirror
        self._recent: tuple[float, MirrorStatus] | None = None

    def view(self) -> View:
        """A pinned view of the current block."""
        return self.mirror.view()

    @property
    def chain_id(self) -> int:
        """The mirrored chain's id."""
        return int(self.mirror.manifest.chain_id)

    @property
    def addresses(self) -> dict[str, str]:
        """Contract name -> address."""
        return dict(self.mirror.manifest.addresses)

    def status(self) -> MirrorStatus:
        """The mirror's status (head, lag, phase, RPC health...)."""
        status = self.mirror.status()
        self._recent = (time.monotonic(), status)
        return status

    def recent_status(self, max_age: float = 0.05) -> MirrorStatus:
        """The status as of at most ``max_age`` seconds ago: what every response's headers say
        (a status costs some 100 µs, several times a read's own work)."""
        recent = self._recent
        if recent is None or time.monotonic() - recent[0] > max_age:
            return self.status()
        return recent[1]

    def health(self, status: MirrorStatus) -> Health:
        """``status`` judged against the mirror's lag limits (``MirrorConfig.max_lag_*``)."""
        from offchain.mirror.status import health

        config = self.mirror.config
        return health(status, config.max_lag_blocks, config.max_lag_seconds)

    def rpc_status(self) -> RpcStatus:
        """Health of each RPC endpoint."""
        return self.mirror.rpc.status()

    def journal_check(self) -> JournalCheck | None:
        """The last journal check, or None before the first."""
        return self.mirror.last_journal

    def audit_report(self) -> AuditReport | None:
        """The last audit, or None before the first."""
        return self.mirror.last_audit

    def subscribe(self, callback: Callable[[Notification], None]) -> Callable[[], None]:
        """Be told (on the follower's thread) of every applied or retracted block."""
        return self.mirror.subscribe(callback)

    def rpc_url(self) -> str:
        """The preferred RPC endpoint (for ``?onchain=true`` checks)."""
        return str(self.mirror.rpc.urls[0])

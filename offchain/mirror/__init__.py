"""The off-chain mirror: the contracts' state in memory, following their events.

- :mod:`offchain.mirror.state`: entities, the pure event handlers, :class:`MirrorState` with its
  indexes and undo log, and the pinned :class:`View` readers get.
- :mod:`offchain.mirror.journal`: the contracts' hash-chained event journal, replayed off chain.
- :mod:`offchain.mirror.follower`: cursor, finality and reorgs (polling and websocket runners).
- :mod:`offchain.mirror.store`: SQLite snapshots.
- :mod:`offchain.mirror.audit`: journal checks and audits against ``eth_call``.
- :mod:`offchain.mirror.mirror`: :class:`Mirror`, the facade that runs them together.

``python -m offchain.mirror`` runs a mirror process.
"""

from typing import TYPE_CHECKING

from offchain._lazy import lazy_exports

if TYPE_CHECKING:
    from offchain.mirror.mirror import Mirror as Mirror
    from offchain.mirror.mirror import MirrorConfig as MirrorConfig
    from offchain.mirror.mirror import MirrorStatus as MirrorStatus
    from offchain.mirror.mirror import Notification as Notification
    from offchain.mirror.state import Kind as Kind
    from offchain.mirror.state import LeaseStatus as LeaseStatus
    from offchain.mirror.state import MirrorState as MirrorState
    from offchain.mirror.state import View as View

_EXPORTS = {
    "Mirror": "mirror",
    "MirrorConfig": "mirror",
    "MirrorStatus": "mirror",
    "Notification": "mirror",
    "Kind": "state",
    "LeaseStatus": "state",
    "MirrorState": "state",
    "View": "state",
}
__all__ = sorted(_EXPORTS)
__getattr__ = lazy_exports(__name__, _EXPORTS)

"""The off-chain mirror: the contracts' state in memory, following their events.

- :mod:`offchain.mirror.entities`: the contracts' enums and entities, and :class:`Change`.
- :mod:`offchain.mirror.handlers`: the pure event handlers (event -> changes) and ``apply``.
- :mod:`offchain.mirror.state`: :class:`MirrorState`, its tables, indexes and undo log.
- :mod:`offchain.mirror.view`: the pinned :class:`View` readers get.
- :mod:`offchain.mirror.journal`: the contracts' hash-chained event journal, replayed off chain.
- :mod:`offchain.mirror.follower`: cursor, finality and reorgs (polling and websocket runners).
- :mod:`offchain.mirror.store`: SQLite snapshots (:mod:`offchain.mirror._tables`: their rows).
- :mod:`offchain.mirror.audit`: journal checks and audits against ``eth_call``.
- :mod:`offchain.mirror.mirror`: :class:`Mirror`, the facade that runs them together.

``python -m offchain.mirror`` runs a mirror process.
"""

from typing import TYPE_CHECKING

from offchain._lazy import lazy_exports

if TYPE_CHECKING:
    from offchain.mirror.entities import Account as Account
    from offchain.mirror.entities import Anchor as Anchor
    from offchain.mirror.entities import Change as Change
    from offchain.mirror.entities import CloseReason as CloseReason
    from offchain.mirror.entities import Kind as Kind
    from offchain.mirror.entities import Lease as Lease
    from offchain.mirror.entities import LeaseStatus as LeaseStatus
    from offchain.mirror.entities import OperatorLimits as OperatorLimits
    from offchain.mirror.entities import Pool as Pool
    from offchain.mirror.entities import PoolStatus as PoolStatus
    from offchain.mirror.entities import RegistrationPolicy as RegistrationPolicy
    from offchain.mirror.entities import Tenant as Tenant
    from offchain.mirror.entities import TenantStatus as TenantStatus
    from offchain.mirror.mirror import Mirror as Mirror
    from offchain.mirror.mirror import MirrorConfig as MirrorConfig
    from offchain.mirror.notify import Notification as Notification
    from offchain.mirror.state import MirrorState as MirrorState
    from offchain.mirror.status import MirrorStatus as MirrorStatus
    from offchain.mirror.view import View as View

_EXPORTS = {
    "Account": "entities",
    "Anchor": "entities",
    "Change": "entities",
    "CloseReason": "entities",
    "Kind": "entities",
    "Lease": "entities",
    "LeaseStatus": "entities",
    "OperatorLimits": "entities",
    "Pool": "entities",
    "PoolStatus": "entities",
    "RegistrationPolicy": "entities",
    "Tenant": "entities",
    "TenantStatus": "entities",
    "Mirror": "mirror",
    "MirrorConfig": "mirror",
    "MirrorStatus": "status",
    "Notification": "notify",
    "MirrorState": "state",
    "View": "view",
}
__all__ = sorted(_EXPORTS)
__getattr__ = lazy_exports(__name__, _EXPORTS)

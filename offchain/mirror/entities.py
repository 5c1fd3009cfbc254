"""The mirror's records: the contracts' enums and entities, and :class:`Change`.

Entities are slotted dataclasses (:class:`Tenant`, :class:`OperatorLimits`, :class:`Pool`,
:class:`Lease`, :class:`Account`, :class:`Anchor`) with the fields the contracts' views return:
the chain client (:mod:`offchain.chain.client`) returns the same classes, so a chain read and a
mirror read of the same thing compare equal. The mirror shares entity objects with readers and
never mutates them: a change builds a new object, so whatever a reader holds stays a consistent
value.

A :class:`Change` is one table entry changing (``kind, key, before, after``): what the event
handlers (:mod:`offchain.mirror.handlers`) produce and :class:`~offchain.mirror.state.MirrorState`
writes, undoes and hands to snapshots and subscribers.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import Any, Final, TypeAlias

ZERO_ADDRESS: Final = "0x0000000000000000000000000000000000000000"
END_BUCKET_SECONDS: Final = 3600  # granularity of the lease end-time index

# ---------------------------------------------------------------------------------------- enums


class TenantStatus(IntEnum):
    """Lifecycle of a tenant (``contracts/common/Types.sol``)."""

    NONE = 0
    PENDING = 1
    ACTIVE = 2
    SUSPENDED = 3
    CLOSED = 4


class RegistrationPolicy(IntEnum):
    """How new tenants enter the registry."""

    OPEN = 0
    APPROVAL = 1


class PoolStatus(IntEnum):
    """Lifecycle of a capacity pool."""

    NONE = 0
    OPEN = 1
    PAUSED = 2
    RETIRED = 3


class LeaseStatus(IntEnum):
    """Lifecycle of a lease."""

    NONE = 0
    ACTIVE = 1
    CLOSED = 2


class CloseReason(IntEnum):
    """Why a lease ended."""

    NONE = 0
    EXPIRED = 1
    RELEASED_BY_TENANT = 2
    TERMINATED_BY_PROVIDER = 3
    TERMINATED_BY_ADMIN = 4
    TENANT_CLOSED = 5


class Kind(IntEnum):
    """The tables of the mirror. Keys: see each table's comment in
    :class:`~offchain.mirror.state.MirrorState`."""

    JOURNAL = 0
    POLICY = 1
    ROLE = 2
    TENANT = 3
    OPERATOR = 4
    QUOTA = 5
    POOL = 6
    LEASE = 7
    ACCOUNT = 8
    CLAIMABLE = 9
    ACTIVE_UNITS = 10
    ANCHOR = 11
    BATCH_URI = 12
    OPERATOR_LIMITS = 13
    PAYOUT = 14
    PENDING_HANDOVER = 15
    LEASE_OPENER = 16


# ------------------------------------------------------------------------------------- entities
# Entities are never mutated once stored (readers share them): handlers build new ones.


@dataclass(slots=True)
class Tenant:
    """A tenant as ``TenantRegistry`` stores it, with its metadata and pending owner."""

    tenant_id: int
    owner: str
    status: TenantStatus
    created_at: int
    metadata_uri: str
    metadata_hash: bytes
    pending_owner: str = ZERO_ADDRESS


@dataclass(frozen=True, slots=True)
class OperatorLimits:
    """An operator's limits as ``LeaseMarket.operatorLimits`` returns them: the allowance it may
    still reserve and its longest lease, as the tenant's current owner set them (``UNLIMITED_*``
    sentinels: no limit, also when that owner set none)."""

    allowance: int
    max_duration: int


@dataclass(slots=True)
class Pool:
    """A capacity pool as ``LeaseMarket.pool`` returns it."""

    pool_id: int
    provider: str
    resource_class: bytes
    capacity: int
    allocated: int
    price_per_unit_second: int
    min_duration: int
    max_duration: int
    status: PoolStatus


@dataclass(slots=True)
class Lease:
    """A lease as ``LeaseMarket.lease`` returns it."""

    lease_id: int
    tenant_id: int
    pool_id: int
    units: int
    start: int
    end: int
    status: LeaseStatus
    close_reason: CloseReason
    price_per_unit_second: int
    paid_until: int


@dataclass(slots=True)
class Account:
    """A tenant's escrow in ``LeaseMarket``: free and reserved (held by running leases)."""

    free: int = 0
    reserved: int = 0


@dataclass(slots=True)
class Anchor:
    """An anchored digest or batch root as ``DataAnchor.anchorOf`` returns it (count 0: digest)."""

    digest: bytes  # the same bytes object as the table key: 8 bytes per record, not 65
    tenant_id: int
    timestamp: int
    block_number: int
    revoked_at: int = 0
    count: int = 0
    revoke_reason: int = 0


@dataclass(slots=True)
class Change:
    """One table entry changing: ``before``/``after`` are ``None`` when the entry is absent."""

    kind: Kind
    key: Any
    before: Any
    after: Any

    def inverse(self) -> Change:
        """The change that undoes this one."""
        return Change(self.kind, self.key, self.after, self.before)


Changes: TypeAlias = list[Change]

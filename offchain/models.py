"""The JSON shape of every entity, shared by ``leasehold ... --json`` and the HTTP API.

One model per entity (pydantic, so the API's OpenAPI schema is generated from the same classes the
CLI prints with). Both the web3.py client's records and the mirror's entities have the same field
names, so ``TenantOut.of(x)`` renders either, and equal chain and mirror state render to equal JSON.

Conventions: camelCase keys (as the deployment manifest and proof bundles), ids and timestamps as
integers, amounts in the asset's smallest unit as decimal strings (they exceed 2^53, the largest
integer a JavaScript client reads exactly), byte strings as ``0x`` hex, addresses checksummed, and
enum values by their Solidity names (``Active``, ``ReleasedByTenant``).
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import IntEnum
from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from offchain.chain.values import (
    UNLIMITED_ALLOWANCE,
    UNLIMITED_DURATION,
    hex32,
    resource_class_name,
)

TenantStatusName = Literal["None", "Pending", "Active", "Suspended", "Closed"]
PoolStatusName = Literal["None", "Open", "Paused", "Retired"]
LeaseStatusName = Literal["None", "Active", "Closed"]
CloseReasonName = Literal[
    "None",
    "Expired",
    "ReleasedByTenant",
    "TerminatedByProvider",
    "TerminatedByAdmin",
    "TenantClosed",
]


def plain(value: Any) -> Any:
    """A value as JSON-ready builtins: bytes as ``0x`` hex, dataclasses and mappings as dicts,
    tuples as lists, int-like values (enums) as ints; anything else by ``str``."""
    if isinstance(value, bytes):
        return hex32(value)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, tuple | list):
        return [plain(v) for v in value]
    if hasattr(value, "__dataclass_fields__"):
        return {k: plain(getattr(value, k)) for k in value.__dataclass_fields__}
    if isinstance(value, bool | str | float) or value is None:
        return value
    if isinstance(value, int):
        return int(value)
    return str(value)


def solidity_name(value: IntEnum | int, enum: type[IntEnum] | None = None) -> str:
    """``ReleasedByTenant`` for ``CloseReason.RELEASED_BY_TENANT``: the name the contracts use."""
    member = enum(value) if enum is not None else value
    name = getattr(member, "name", str(member))
    return "".join(part.capitalize() for part in str(name).split("_"))


class _Out(BaseModel):
    model_config = ConfigDict(
        frozen=True, extra="forbid", alias_generator=to_camel, populate_by_name=True
    )


class OperatorOut(_Out):
    """An operator's grant on a tenant: until when, and its limits."""

    operator: str
    expires_at: int = Field(
        description="Timestamp from which the grant no longer authorizes (may be past)"
    )
    allowance: str | None = Field(
        description="Escrow it may still reserve through opens and extends, decimal; "
        "null: unlimited"
    )
    max_duration: int | None = Field(
        description="Longest lease it may open or extend to, seconds; null: unlimited"
    )

    @classmethod
    def of(cls, operator: str, expires_at: int, limits: Any) -> OperatorOut:
        """Render a grant from its expiry and its ``OperatorLimits`` (client or mirror)."""
        return cls(
            operator=operator,
            expires_at=expires_at,
            allowance=None if limits.allowance == UNLIMITED_ALLOWANCE else str(limits.allowance),
            max_duration=None if limits.max_duration == UNLIMITED_DURATION else limits.max_duration,
        )


class TenantOut(_Out):
    """A tenant."""

    tenant_id: int
    owner: str
    status: TenantStatusName
    created_at: int = Field(description="Block timestamp of the registration")
    metadata_uri: str
    metadata_hash: str
    pending_owner: str = Field(description="Proposed new owner, or the zero address")
    operators: list[OperatorOut] | None = Field(
        None,
        description="The current owner's grants, expired ones included, by address; "
        "null in SSE change events (grants change in their own operator tables)",
    )

    @classmethod
    def of(cls, t: Any, operators: Sequence[OperatorOut] | None = None) -> TenantOut:
        """Render a client or mirror tenant, with its operators' grants when given."""
        return cls(
            tenant_id=t.tenant_id,
            owner=t.owner,
            status=solidity_name(t.status),  # type: ignore[arg-type]
            created_at=t.created_at,
            metadata_uri=t.metadata_uri,
            metadata_hash=hex32(t.metadata_hash),
            pending_owner=t.pending_owner,
            operators=None
            if operators is None
            else sorted(operators, key=lambda o: o.operator.lower()),
        )


class PoolOut(_Out):
    """A provider's capacity pool."""

    pool_id: int
    provider: str
    resource_class: str = Field(description="Class name, e.g. gpu.h100 (hex when not text)")
    capacity: int
    allocated: int
    available: int
    price_per_unit_second: str = Field(description="Smallest asset unit per unit-second, decimal")
    min_duration: int
    max_duration: int
    status: PoolStatusName

    @classmethod
    def of(cls, p: Any) -> PoolOut:
        """Render a client or mirror pool."""
        return cls(
            pool_id=p.pool_id,
            provider=p.provider,
            resource_class=resource_class_name(p.resource_class),
            capacity=p.capacity,
            allocated=p.allocated,
            available=p.capacity - p.allocated,
            price_per_unit_second=str(p.price_per_unit_second),
            min_duration=p.min_duration,
            max_duration=p.max_duration,
            status=solidity_name(p.status),  # type: ignore[arg-type]
        )


class LeaseOut(_Out):
    """A lease of units in a pool."""

    lease_id: int
    tenant_id: int
    pool_id: int
    units: int
    start: int
    end: int
    status: LeaseStatusName
    close_reason: CloseReasonName
    price_per_unit_second: str
    paid_until: int
    opened_by: str | None = Field(
        None,
        description="The account that opened it (the tenant's owner or an operator); "
        "null in SSE change events (the opener is its own lease_opener change)",
    )

    @classmethod
    def of(cls, x: Any, opened_by: str | None = None) -> LeaseOut:
        """Render a client or mirror lease, with who opened it when given."""
        return cls(
            lease_id=x.lease_id,
            tenant_id=x.tenant_id,
            pool_id=x.pool_id,
            units=x.units,
            start=x.start,
            end=x.end,
            status=solidity_name(x.status),  # type: ignore[arg-type]
            close_reason=solidity_name(x.close_reason),  # type: ignore[arg-type]
            price_per_unit_second=str(x.price_per_unit_second),
            paid_until=x.paid_until,
            opened_by=opened_by,
        )


class EscrowOut(_Out):
    """A tenant's escrow in the lease market."""

    tenant_id: int
    free: str
    reserved: str

    @classmethod
    def of(cls, tenant_id: int, account: Any) -> EscrowOut:
        """Render a client ``Escrow`` or a mirror ``Account``."""
        return cls(tenant_id=tenant_id, free=str(account.free), reserved=str(account.reserved))


class ProviderOut(_Out):
    """A provider in the lease market: its pools, earnings, payout address and pending handover."""

    provider: str
    pools: list[int] = Field(description="Ids of the pools it runs, ascending")
    claimable: str = Field(description="What it can claim now without settling more leases")
    payout_address: str = Field(description="Where claims pay (the provider itself when unset)")
    pending_handover: str = Field(
        description="The address it proposed to hand its pools to, or the zero address"
    )


class AnchorOut(_Out):
    """An anchored digest or Merkle batch root."""

    digest: str
    kind: Literal["digest", "batch"]
    tenant_id: int
    timestamp: int
    block_number: int
    count: int = Field(description="Leaves in the batch; 0 for a single digest")
    revoked_at: int = Field(description="Block timestamp of the revocation, 0 when not revoked")
    revoke_reason: int

    @classmethod
    def of(cls, a: Any) -> AnchorOut:
        """Render a client ``AnchorRecord`` or a mirror ``Anchor``."""
        return cls(
            digest=hex32(a.digest),
            kind="batch" if a.count else "digest",
            tenant_id=a.tenant_id,
            timestamp=a.timestamp,
            block_number=a.block_number,
            count=a.count,
            revoked_at=a.revoked_at,
            revoke_reason=a.revoke_reason,
        )


T = TypeVar("T", bound=BaseModel)


class Page(_Out, Generic[T]):
    """One page of a listing, in id order; pass ``next`` as ``after`` for the following page."""

    items: list[T]
    total: int = Field(description="Items matching the filters, over all pages")
    next: int | None = Field(description="Cursor of the next page, null on the last page")


def dump(model: BaseModel) -> dict[str, Any]:
    """The JSON-ready dict of a model."""
    return model.model_dump(mode="json", by_alias=True)

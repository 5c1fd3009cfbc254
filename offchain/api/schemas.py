"""The API's own JSON models: errors, status, proof verdicts and the summary.

The entities (tenants, pools, leases, anchors, escrow) and pages of them are the shared models of
:mod:`offchain.models`, the same the CLI prints with ``--json``.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel


class _Model(BaseModel):
    model_config = ConfigDict(
        frozen=True, extra="forbid", alias_generator=to_camel, populate_by_name=True
    )


class ErrorOut(_Model):
    """Every 4xx answer."""

    error: str = Field(description="Machine-readable code, e.g. not_found, bad_request")
    message: str = Field(description="One line saying what was wrong and what was expected")


class JournalOut(_Model):
    """One contract's journal: the mirror's against the chain's at the checked block."""

    mirror_seq: int
    mirror_head: str
    chain_seq: int | None
    chain_head: str | None


class JournalCheckOut(_Model):
    """The last journal check: equal heads prove the mirror applied exactly the chain's events."""

    ok: bool
    block_number: int
    block_hash: str
    checked_at: float
    description: str
    contracts: dict[str, JournalOut]


class AuditOut(_Model):
    """The last audit of mirrored entities against the contracts' views."""

    ok: bool
    block_number: int
    checked: int
    divergences: int
    sampled: bool
    checked_at: float
    description: str


class StatusOut(_Model):
    """Where the mirror is and whether it agrees with the chain."""

    version: str
    chain_id: int
    contracts: dict[str, str]
    phase: str = Field(description="starting, backfill, live, resync or error")
    head: int = Field(description="The chain's head block as last seen")
    finalized: int = Field(description="The chain's finalized block as last seen")
    block: int = Field(description="The block the mirror's state is at")
    block_hash: str
    lag: int = Field(description="head - block")
    lag_seconds: float = Field(description="Since the mirror last saw the head applied (-1: never)")
    events_applied: int
    reorgs: int
    rpc: str
    last_error: str
    journal: JournalCheckOut | None
    audit: AuditOut | None


class VerifyOut(_Model):
    """The answer to a posted proof bundle."""

    verified: bool
    message: str
    leaf: str
    root: str
    tenant_id: int | None = None
    timestamp: int | None = None
    block_number: int | None = None
    revoked_at: int | None = None
    on_chain: bool = Field(description="Whether the chain was asked too (?onchain=true)")


class SummaryOut(_Model):
    """Counts for dashboards: tenants by status, pool utilization, leases by status, anchors."""

    block: int
    tenants: dict[str, int]
    pools: list[dict[str, Any]]
    leases: dict[str, int]
    anchors: dict[str, int]
    escrow: dict[str, str]

"""The API's own JSON models: errors, status, proof verdicts and the summary.

The entities (tenants, pools, leases, anchors, escrow) and pages of them are the shared models of
:mod:`offchain.models`, the same the CLI prints with ``--json``.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Self

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    model_validator,
)
from pydantic.alias_generators import to_camel

from offchain.anchoring.merkle import MAX_PROOF_LENGTH


class _Model(BaseModel):
    model_config = ConfigDict(
        frozen=True, extra="forbid", alias_generator=to_camel, populate_by_name=True
    )


class ErrorOut(_Model):
    """Every error answer (4xx, and 503 ``busy``)."""

    error: str = Field(
        description="Machine-readable code: invalid_request (422), not_found (404), too_large "
        "(413), busy (503), method_not_allowed (405), http_error or bad_bundle (400)"
    )
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


# ------------------------------------------------------------------------ posted proof bundles
# The bundle POST /proofs/verify reads, declared field by field so that the OpenAPI document says
# exactly what offchain.anchoring.bundle.ProofBundle.from_dict accepts: a body valid by the schema
# is read (and verified or not: 200), one that is not is a 422 naming the field.

_HEX32 = "^0x[0-9a-fA-F]{64}$"
_Hex32 = Annotated[str, Field(pattern=_HEX32)]


def _integral(value: Any) -> Any:
    # JSON Schema's integer includes 3.0; the strict model takes no other float, no "3", no true.
    return int(value) if isinstance(value, float) and value.is_integer() else value


_Int = Annotated[int, BeforeValidator(_integral)]


class _BundleIn(BaseModel):
    model_config = ConfigDict(
        frozen=True,
        strict=True,  # JSON types as the schema says: no "1" for 1, no 1 for true
        alias_generator=to_camel,
        populate_by_name=True,
        # What ProofBundle.from_dict also checks: a digest anchored alone (count 0) has no proof.
        json_schema_extra={
            "anyOf": [
                {"properties": {"count": {"minimum": 1}}},
                {"properties": {"proof": {"maxItems": 0}}},
            ]
        },
    )

    algorithm: Literal["sha256", "keccak256"] = Field(description="How the file was digested")
    leaf_encoding: list[Literal["bytes32"]] = Field(min_length=1, max_length=1)
    leaf: _Hex32
    proof: list[_Hex32] = Field(max_length=MAX_PROOF_LENGTH, description="Siblings, leaf to root")
    root: _Hex32
    count: _Int = Field(ge=0, lt=2**32, description="Leaves in the batch; 0: a digest alone")
    chain_id: _Int = Field(ge=0)
    contract: str = Field(pattern="^0x[0-9a-fA-F]{40}$", description="The DataAnchor address")
    anchor_tx: _Hex32
    name: str | None = Field(None, description="The file's name in the batch (not verified)")

    @model_validator(mode="after")
    def _alone_has_no_proof(self) -> Self:
        if self.count == 0 and self.proof:
            raise ValueError("a digest anchored alone (count 0) has an empty proof")
        return self


class BundleV1In(_BundleIn):
    """A schema 1 bundle (plain; a batch of at least one leaf)."""

    schema_: Annotated[Literal[1], BeforeValidator(_integral)] = Field(alias="schema")
    count: _Int = Field(ge=1, lt=2**32, description="Leaves in the batch")


class PlainBundleIn(_BundleIn):
    """A schema 2 plain bundle: the leaf is the file's digest."""

    schema_: Annotated[Literal[2], BeforeValidator(_integral)] = Field(alias="schema")
    kind: Literal["plain"]


class HidingBundleIn(_BundleIn):
    """A schema 2 hiding bundle: the leaf is keccak256(tag ‖ salt ‖ digest)."""

    schema_: Annotated[Literal[2], BeforeValidator(_integral)] = Field(alias="schema")
    kind: Literal["hiding"]
    digest: _Hex32 = Field(description="The file's digest")
    salt: _Hex32 = Field(description="The salt that opens the leaf")


def _bundle_tag(data: Any) -> str | None:
    if not isinstance(data, dict):
        return None
    schema, kind = _integral(data.get("schema")), data.get("kind")
    if type(schema) is not int:  # not true either
        return None
    if schema == 1:
        return "v1"
    if schema == 2 and kind in ("plain", "hiding"):
        return str(kind)
    return None


BundleIn = Annotated[
    Annotated[BundleV1In, Tag("v1")]
    | Annotated[PlainBundleIn, Tag("plain")]
    | Annotated[HidingBundleIn, Tag("hiding")],
    Discriminator(
        _bundle_tag,
        custom_error_type="bundle_schema",
        custom_error_message="expected a proof bundle: schema 1, or schema 2 with kind plain "
        "or hiding",
    ),
]
"""A posted proof bundle: schema 1, or schema 2 plain or hiding."""


def bundle_dict(bundle: BundleV1In | PlainBundleIn | HidingBundleIn) -> dict[str, Any]:
    """The bundle as the JSON object ``ProofBundle.from_dict`` reads."""
    return bundle.model_dump(by_alias=True, exclude_none=True)

"""``DataAnchor`` from Python: single digests and Merkle batch roots, their records and
inclusion proofs.

:data:`AnchorRecord` is the mirror's :class:`~offchain.mirror.state.Anchor`, so a chain read and a
mirror read of the same anchor compare equal.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from offchain.chain._contract import TxResult, _Bound
from offchain.chain.decode import to_checksum as to_checksum_address
from offchain.chain.values import hex32
from offchain.exceptions import UnknownAnchorError
from offchain.mirror.entities import Anchor as AnchorRecord


@dataclass(frozen=True, slots=True)
class Inclusion:
    """The contract's answer to ``verifyInclusion``."""

    anchored: bool
    tenant_id: int
    timestamp: int
    revoked_at: int


class AnchorClient(_Bound):
    """``DataAnchor``: single digests and Merkle batch roots."""

    name = "DataAnchor"

    def record(self, digest: bytes) -> AnchorRecord:
        """The record under a digest or root.

        Raises:
            UnknownAnchorError: nothing is anchored under it.
        """
        tenant_id, timestamp, block_number, revoked_at, count, reason = self._call(
            "anchorOf", digest
        )
        if timestamp == 0:
            raise UnknownAnchorError(hex32(digest))
        return AnchorRecord(
            digest=digest,
            tenant_id=int(tenant_id),
            timestamp=int(timestamp),
            block_number=int(block_number),
            revoked_at=int(revoked_at),
            count=int(count),
            revoke_reason=int(reason),
        )

    def verify_inclusion(self, root: bytes, leaf: bytes, proof: Sequence[bytes]) -> Inclusion:
        """Whether ``leaf`` (a raw value, e.g. a file's SHA-256) is in the batch ``root``."""
        anchored, tenant_id, timestamp, revoked_at = self._call(
            "verifyInclusion", root, leaf, list(proof)
        )
        return Inclusion(
            anchored=bool(anchored),
            tenant_id=int(tenant_id),
            timestamp=int(timestamp),
            revoked_at=int(revoked_at),
        )

    def registry(self) -> str:
        """The registry this contract asks for authorization."""
        return str(to_checksum_address(self._call("registry")))

    def anchor(self, tenant_id: int, digest: bytes) -> TxResult:
        """Anchor one digest for a tenant (owner or operator)."""
        return self._send("anchor", tenant_id, digest)

    def anchor_batch(self, tenant_id: int, root: bytes, count: int, uri: str = "") -> TxResult:
        """Anchor a Merkle root of ``count`` leaves for a tenant (owner or operator)."""
        return self._send("anchorBatch", tenant_id, root, count, uri)

    def revoke(self, digest: bytes, reason_code: int = 0) -> TxResult:
        """Revoke an anchor (owner or operator of its tenant)."""
        return self._send("revoke", digest, reason_code)


__all__ = ["AnchorClient", "AnchorRecord", "Inclusion"]

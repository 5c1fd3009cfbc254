"""What ``leasehold verify`` does, apart from printing: a file against its bundle, or alone."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from offchain.anchoring.bundle import ProofBundle, verify_offline, verify_onchain
from offchain.anchoring.merkle import digest_file
from offchain.chain.values import hex32
from offchain.exceptions import (
    BundleVerificationError,
    InvalidValueError,
    UnknownAnchorError,
)


def verify_file(
    env: Any,
    path: Path,
    bundle_path: Path | None,
    *,
    offline: bool,
    allow_revoked: bool,
    algorithm: str,
) -> dict[str, Any]:
    """Check ``path`` against its bundle (offline, then on chain) or as a plain digest alone.

    A bundle of either kind works: a hiding bundle's salt opens its leaf with the file's digest.

    Returns a report with ``verified`` and a one-line ``message``; malformed bundles and missing
    chains raise (they are errors, not verdicts).
    """
    if bundle_path is not None:
        bundle = ProofBundle.read(bundle_path)
        base = {
            "file": str(path),
            "bundle": str(bundle_path),
            "kind": bundle.kind,
            "leaf": hex32(bundle.leaf),
            "root": hex32(bundle.root),
            "onChain": not offline,
        }
        try:
            verify_offline(bundle, path=path)
        except BundleVerificationError as exc:
            return {**base, "verified": False, "message": f"NOT verified: {exc}"}
        if offline:
            return {
                **base,
                "verified": True,
                "message": f"{path}: the proof leads to root {hex32(bundle.root)} "
                "(offline check only; run without --offline to ask the chain)",
            }
        env.chain_id()  # a clear error when nothing answers at --rpc
        try:
            seen = verify_onchain(bundle, env.w3(), path=path, allow_revoked=allow_revoked)
        except BundleVerificationError as exc:
            return {**base, "verified": False, "message": f"NOT verified: {exc}"}
        revoked = f", revoked at {seen.revoked_at}" if seen.revoked else ""
        where = (
            f"{bundle.kind} digest anchored alone"
            if bundle.count == 0
            else f"{bundle.kind} leaf in batch {hex32(bundle.root)}"
        )
        return {
            **base,
            "verified": True,
            "tenantId": seen.tenant_id,
            "timestamp": seen.timestamp,
            "blockNumber": seen.block_number,
            "revokedAt": seen.revoked_at,
            "message": f"{path} verified: {where} anchored by tenant "
            f"{seen.tenant_id} in block {seen.block_number}{revoked}",
        }
    if offline:
        raise InvalidValueError("--offline", "without --bundle", "a bundle to check offline")
    digest = digest_file(path, algorithm)
    base = {"file": str(path), "digest": hex32(digest), "onChain": True}
    try:
        record = env.client().anchor.record(digest)
    except UnknownAnchorError:
        return {
            **base,
            "verified": False,
            "message": f"NOT verified: {path} ({algorithm} {hex32(digest)}) is not anchored "
            "on its own as a plain digest; a file anchored with hiding (the default) or in a "
            "batch needs its --bundle",
        }
    if record.revoked_at and not allow_revoked:
        return {
            **base,
            "verified": False,
            "tenantId": record.tenant_id,
            "revokedAt": record.revoked_at,
            "message": f"NOT verified: tenant {record.tenant_id} revoked the anchor of {path} "
            f"at {record.revoked_at} (reason {record.revoke_reason})",
        }
    return {
        **base,
        "verified": True,
        "tenantId": record.tenant_id,
        "timestamp": record.timestamp,
        "blockNumber": record.block_number,
        "revokedAt": record.revoked_at,
        "message": f"{path} verified: anchored by tenant {record.tenant_id} in block "
        f"{record.block_number}",
    }


__all__ = ["verify_file"]

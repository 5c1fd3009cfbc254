"""``POST /proofs/verify``: check a posted proof bundle against the mirror (and maybe the chain)."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query
from fastapi.responses import Response

from offchain.api._deps import HEX32_PATTERN, TRUE_OR_FALSE, OnChainVerify, Port, digest_param
from offchain.api._responses import model_response, read_pinned
from offchain.api.errors import ApiError, error_responses
from offchain.api.port import MirrorPort
from offchain.api.schemas import BundleIn, VerifyOut, bundle_dict
from offchain.chain.values import hex32
from offchain.exceptions import BundleFormatError, BundleVerificationError

router = APIRouter(tags=["anchors"])

_BUNDLE_BODY = Body(
    description="A proof bundle, as 'leasehold anchor' writes them: schema 2 (hiding, with its "
    "'digest' and 'salt', or plain) or schema 1 (plain)"
)


@router.post("/proofs/verify", response_model=VerifyOut, responses=error_responses(400, 422, 503))
async def verify_proof(
    port: Port,
    on_chain_verify: OnChainVerify,
    bundle: Annotated[BundleIn, _BUNDLE_BODY],
    onchain: Annotated[
        bool, Query(description="Also ask the chain (verifyInclusion)"), TRUE_OR_FALSE
    ] = False,
    digest: str | None = Query(
        None,
        pattern=HEX32_PATTERN,
        description="The file's digest (the bundle's algorithm), to check the file is the one "
        "the bundle proves: the leaf of a plain bundle, or what the salt opens in a hiding one",
    ),
) -> Response:
    """Check a proof bundle: its salt and proof, its root's anchor in the mirror, maybe the chain.

    A hiding bundle carries the salt that opens its leaf; the leaf is
    ``keccak256("leasehold:salted-leaf:v1" ‖ salt ‖ digest)`` (see docs/privacy.md).
    """
    return await _verify(port, bundle_dict(bundle), onchain and on_chain_verify, digest)


async def _verify(
    port: MirrorPort, data: dict[str, Any], onchain: bool, digest: str | None
) -> Response:
    from offchain.anchoring.bundle import (
        ProofBundle,
        check_file_digest,
        verify_offline,
        verify_onchain,
    )

    try:
        bundle = ProofBundle.from_dict(data, "posted bundle")
    except BundleFormatError as exc:
        raise ApiError(400, "bad_bundle", " ".join(str(exc).split())) from None
    base = {"leaf": hex32(bundle.leaf), "root": hex32(bundle.root), "on_chain": onchain}
    alone = bundle.count == 0  # a digest anchored with DataAnchor.anchor, not a batch

    def verdict(ok: bool, message: str, **extra: Any) -> Response:
        out = VerifyOut.model_validate({"verified": ok, "message": message, **base, **extra})
        return model_response(out)

    try:
        if digest is not None:
            check_file_digest(bundle, digest_param(digest), "the file")
        verify_offline(bundle)
    except BundleVerificationError as exc:
        return verdict(False, str(exc))
    if bundle.chain_id != port.chain_id:
        return verdict(
            False,
            f"the bundle is for chain {bundle.chain_id}, the mirror follows chain {port.chain_id}",
        )
    if bundle.contract.lower() != port.addresses["DataAnchor"].lower():
        return verdict(
            False,
            f"the bundle names DataAnchor {bundle.contract}, the mirror follows "
            f"{port.addresses['DataAnchor']}",
        )
    record, _ = read_pinned(port, lambda v: v.anchor(bundle.root))
    if record is None or alone != (record.count == 0):
        what = "a digest anchored alone" if alone else "an anchored batch"
        return verdict(False, f"root {hex32(bundle.root)} is not {what} (yet)")
    facts = {
        "tenant_id": record.tenant_id,
        "timestamp": record.timestamp,
        "block_number": record.block_number,
        "revoked_at": record.revoked_at,
    }
    if record.count != bundle.count:
        return verdict(
            False,
            f"the root was anchored with {record.count} leaves, the bundle says {bundle.count}",
            **facts,
        )
    if onchain:
        from web3 import Web3

        w3 = Web3(Web3.HTTPProvider(port.rpc_url(), request_kwargs={"timeout": 10}))
        try:
            await asyncio.to_thread(verify_onchain, bundle, w3, allow_revoked=True)
        except BundleVerificationError as exc:
            return verdict(False, f"the chain disagrees: {exc}", **facts)
    if record.revoked_at:
        return verdict(
            False, f"tenant {record.tenant_id} revoked the anchor at {record.revoked_at}", **facts
        )
    where = "the mirror and the chain agree" if onchain else "per the mirror"
    what = "digest is" if alone else f"leaf is in batch {hex32(bundle.root)}"
    return verdict(
        True,
        f"{bundle.kind} {what} anchored by tenant "
        f"{record.tenant_id} in block {record.block_number} ({where})",
        **facts,
    )

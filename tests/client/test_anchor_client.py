"""The client's DataAnchor surface: records, inclusion proofs, revocation, decoded reverts."""

from __future__ import annotations

import pytest

from offchain.anchoring.merkle import MerkleTree, digest_bytes
from offchain.chain.anchor import AnchorRecord, Inclusion
from offchain.chain.registry import TenantStatus
from offchain.exceptions import ContractRevertError, UnknownAnchorError

DIGEST = digest_bytes(b"hello, leasehold")
FILES = [digest_bytes(f"file {n}".encode()) for n in range(5)]


def test_anchor_records_tenant_time_and_block(as_owner, client, tenant_id, w3):
    result = as_owner.anchor.anchor(tenant_id, DIGEST)
    block = w3.eth.get_block(result.block_number)
    assert client.anchor.record(DIGEST) == AnchorRecord(
        digest=DIGEST,
        tenant_id=tenant_id,
        timestamp=block["timestamp"],
        block_number=result.block_number,
        revoked_at=0,
        count=0,
        revoke_reason=0,
    )


def test_anchor_emits_anchored_with_the_journal_seq(as_owner, client, tenant_id, w3):
    seq = client.anchor.journal().seq
    result = as_owner.anchor.anchor(tenant_id, DIGEST)
    timestamp = w3.eth.get_block(result.block_number)["timestamp"]
    assert dict(result.event("Anchored").args) == {
        "digest": DIGEST,
        "tenantId": tenant_id,
        "timestamp": timestamp,
        "seq": seq + 1,
    }


def test_unanchored_digest_raises_unknown_anchor_error(client):
    with pytest.raises(UnknownAnchorError, match="nothing is anchored under 0x"):
        client.anchor.record(DIGEST)


def test_batch_root_verifies_every_leaf_on_chain(as_owner, client, tenant_id):
    tree = MerkleTree.of(FILES)
    as_owner.anchor.anchor_batch(tenant_id, tree.root, tree.count, "file:///batch")
    for leaf in FILES:
        inclusion = client.anchor.verify_inclusion(tree.root, leaf, tree.proof(leaf))
        assert (inclusion.anchored, inclusion.tenant_id) == (True, tenant_id)
    assert client.anchor.record(tree.root).count == len(FILES)


def test_a_leaf_outside_the_batch_is_not_included(as_owner, client, tenant_id):
    tree = MerkleTree.of(FILES)
    as_owner.anchor.anchor_batch(tenant_id, tree.root, tree.count)
    assert client.anchor.verify_inclusion(tree.root, DIGEST, tree.proof(FILES[0])) == Inclusion(
        anchored=False, tenant_id=0, timestamp=0, revoked_at=0
    )


def test_operator_revokes_and_the_record_keeps_its_history(
    as_owner, as_operator, client, tenant_id, operator, w3
):
    expiry = w3.eth.get_block("latest")["timestamp"] + 3600
    as_owner.registry.grant_operator(tenant_id, operator.address, expiry)
    as_owner.anchor.anchor(tenant_id, DIGEST)
    result = as_operator.anchor.revoke(DIGEST, 7)
    record = client.anchor.record(DIGEST)
    assert record.revoked_at > 0
    assert record.revoke_reason == 7
    assert result.event("AnchorRevoked").args["by"] == operator.address


def test_second_anchor_of_a_digest_reverts_with_the_first_attribution(as_owner, client, tenant_id):
    as_owner.anchor.anchor(tenant_id, DIGEST)
    first = client.anchor.record(DIGEST)
    with pytest.raises(ContractRevertError) as caught:
        as_owner.anchor.anchor(tenant_id, DIGEST)
    assert (caught.value.contract, caught.value.error, caught.value.arguments) == (
        "DataAnchor",
        "AnchorAlreadyAnchored",
        {"digest": DIGEST, "tenantId": tenant_id, "timestamp": first.timestamp},
    )


def test_stranger_cannot_anchor_for_a_tenant(as_stranger, tenant_id, stranger):
    with pytest.raises(ContractRevertError) as caught:
        as_stranger.anchor.anchor(tenant_id, DIGEST)
    assert (caught.value.error, caught.value.arguments) == (
        "AnchorUnauthorized",
        {"tenantId": tenant_id, "caller": stranger.address},
    )


def test_suspended_tenant_cannot_anchor_and_the_status_is_named(as_admin, as_owner, tenant_id):
    as_admin.registry.suspend(tenant_id, 1)
    with pytest.raises(ContractRevertError) as caught:
        as_owner.anchor.anchor(tenant_id, DIGEST)
    assert caught.value.arguments == {"tenantId": tenant_id, "status": TenantStatus.SUSPENDED}
    assert "AnchorTenantNotActive(tenantId=" in str(caught.value)
    assert str(caught.value).endswith("status=Suspended)")

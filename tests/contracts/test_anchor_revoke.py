"""DataAnchor.revoke: the anchoring tenant's authorized accounts mark an anchor revoked, with a
reason; the record keeps everything else and nothing can anchor the value again."""

from __future__ import annotations

import pytest

PENDING, ACTIVE, SUSPENDED, CLOSED = 1, 2, 3, 4
DIGEST = bytes.fromhex("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08")
ROOT = bytes.fromhex("b972b28e0e675677f543c3479e96930ba93785440e194db04bf5d09bd8a27b00")
ZERO = b"\x00" * 32
REASON = 42


@pytest.fixture
def anchored(data_anchor, tenant_owner, tenant_id):
    """DIGEST anchored by the tenant; returns the receipt."""
    return data_anchor.anchor(tenant_id, DIGEST, sender=tenant_owner)


@pytest.mark.parametrize("who", ["tenant_owner", "operator"])
def test_owner_or_operator_revokes_an_anchor_keeping_its_record(
    data_anchor, request, tenant_id, operator_expiry, anchored, block_time, who
):
    receipt = data_anchor.revoke(DIGEST, REASON, sender=request.getfixturevalue(who))

    record = data_anchor.anchorOf(DIGEST)
    assert (
        record.tenantId,
        record.timestamp,
        record.blockNumber,
        record.revokedAt,
        record.count,
        record.revokeReason,
    ) == (tenant_id, block_time(anchored), anchored.block_number, block_time(receipt), 0, REASON)


def test_revoking_a_batch_root_keeps_its_count(data_anchor, tenant_owner, tenant_id):
    data_anchor.anchorBatch(tenant_id, ROOT, 7, "ipfs://batch", sender=tenant_owner)

    data_anchor.revoke(ROOT, REASON, sender=tenant_owner)

    assert data_anchor.anchorOf(ROOT).count == 7


def test_revoke_emits_anchor_revoked_with_reason_time_and_caller(
    data_anchor, operator, tenant_id, operator_expiry, anchored, events, expect, block_time
):
    seq = data_anchor.journal()[0] + 1

    receipt = data_anchor.revoke(DIGEST, REASON, sender=operator)

    assert events(receipt, data_anchor) == [
        expect(
            "AnchorRevoked",
            digest=DIGEST,
            tenantId=tenant_id,
            reasonCode=REASON,
            revokedAt=block_time(receipt),
            by=operator,
            seq=seq,
        )
    ]


def test_revoking_twice_reverts_with_the_first_revocation_time(
    data_anchor, tenant_owner, anchored, block_time, reverts
):
    first = data_anchor.revoke(DIGEST, REASON, sender=tenant_owner)

    with reverts(data_anchor.AnchorAlreadyRevoked, digest=DIGEST, revokedAt=block_time(first)):
        data_anchor.revoke(DIGEST, REASON + 1, sender=tenant_owner)


def test_a_revoked_digest_cannot_be_anchored_again(
    data_anchor, tenant_owner, tenant_id, anchored, block_time, reverts
):
    data_anchor.revoke(DIGEST, REASON, sender=tenant_owner)

    with reverts(
        data_anchor.AnchorAlreadyAnchored,
        digest=DIGEST,
        tenantId=tenant_id,
        timestamp=block_time(anchored),
    ):
        data_anchor.anchor(tenant_id, DIGEST, sender=tenant_owner)


def test_revoking_an_unknown_digest_reverts(data_anchor, tenant_owner, reverts):
    with reverts(data_anchor.AnchorUnknownDigest, digest=DIGEST):
        data_anchor.revoke(DIGEST, REASON, sender=tenant_owner)


def test_revoking_the_zero_digest_reverts(data_anchor, tenant_owner, reverts):
    with reverts(data_anchor.AnchorZeroDigest):
        data_anchor.revoke(ZERO, REASON, sender=tenant_owner)


@pytest.mark.parametrize("who", ["stranger", "admin", "provider", "other_owner"])
def test_only_the_anchoring_tenants_authorized_accounts_revoke(
    data_anchor, request, tenant_id, other_tenant_id, anchored, reverts, who
):
    account = request.getfixturevalue(who)

    with reverts(data_anchor.AnchorUnauthorized, tenantId=tenant_id, caller=account.address):
        data_anchor.revoke(DIGEST, REASON, sender=account)


@pytest.mark.parametrize("status", [SUSPENDED, CLOSED])
def test_a_tenant_that_is_not_active_cannot_revoke(
    data_anchor, registry, admin, tenant_owner, tenant_id, anchored, reverts, status
):
    if status == SUSPENDED:
        registry.suspend(tenant_id, 1, sender=admin)
    else:
        registry.close(tenant_id, sender=tenant_owner)

    with reverts(data_anchor.AnchorTenantNotActive, tenantId=tenant_id, status=status):
        data_anchor.revoke(DIGEST, REASON, sender=tenant_owner)


def test_the_new_owner_revokes_anchors_made_before_the_transfer(
    data_anchor, registry, tenant_owner, stranger, tenant_id, anchored
):
    registry.proposeOwner(tenant_id, stranger, sender=tenant_owner)
    registry.acceptOwnership(tenant_id, sender=stranger)

    data_anchor.revoke(DIGEST, REASON, sender=stranger)

    assert data_anchor.anchorOf(DIGEST).revokeReason == REASON

"""DataAnchor.anchorBatch: the Merkle root of a batch of any size, attributed like a single digest,
with its leaf count and where the batch can be found (a URI of at most 256 bytes)."""

from __future__ import annotations

import pytest

PENDING, ACTIVE, SUSPENDED, CLOSED = 1, 2, 3, 4
ROOT = bytes.fromhex("b972b28e0e675677f543c3479e96930ba93785440e194db04bf5d09bd8a27b00")
OTHER = bytes.fromhex("cb18cb5843115351c1cf5f505b6c5929e5b4480a0f3666d63f5d885c49f4acad")
ZERO = b"\x00" * 32
URI = "ipfs://bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi"
MAX_URI_LENGTH = 256
MAX_COUNT = 2**32 - 1


@pytest.mark.parametrize("count", [1, 2, 1025, MAX_COUNT])
def test_owner_anchors_a_batch_root_of_any_count(
    data_anchor, tenant_owner, tenant_id, block_time, count
):
    receipt = data_anchor.anchorBatch(tenant_id, ROOT, count, URI, sender=tenant_owner)

    record = data_anchor.anchorOf(ROOT)
    assert (
        record.tenantId,
        record.timestamp,
        record.blockNumber,
        record.revokedAt,
        record.count,
        record.revokeReason,
    ) == (tenant_id, block_time(receipt), receipt.block_number, 0, count, 0)


def test_an_operator_anchors_a_batch_for_the_tenant(
    data_anchor, operator, tenant_id, operator_expiry
):
    data_anchor.anchorBatch(tenant_id, ROOT, 5, URI, sender=operator)

    assert data_anchor.anchorOf(ROOT).tenantId == tenant_id


def test_anchor_batch_emits_batch_anchored_with_count_uri_and_the_next_seq(
    data_anchor, tenant_owner, tenant_id, events, expect, block_time
):
    seq = data_anchor.journal()[0] + 1

    receipt = data_anchor.anchorBatch(tenant_id, ROOT, 5, URI, sender=tenant_owner)

    assert events(receipt, data_anchor) == [
        expect(
            "BatchAnchored",
            root=ROOT,
            tenantId=tenant_id,
            count=5,
            timestamp=block_time(receipt),
            uri=URI,
            seq=seq,
        )
    ]


@pytest.mark.parametrize(
    "uri",
    ["", "x", "u" * 31, "u" * 32, "u" * 33, "é" * 32, "u" * MAX_URI_LENGTH],
    ids=["empty", "1", "31", "32", "33", "utf8-64-bytes", "longest"],
)
def test_anchor_batch_emits_the_uri_exactly_whatever_its_length(
    data_anchor, tenant_owner, tenant_id, events, uri
):
    receipt = data_anchor.anchorBatch(tenant_id, ROOT, 5, uri, sender=tenant_owner)

    assert events(receipt, data_anchor)[0]["uri"] == uri


def test_anchor_batch_rejects_a_uri_longer_than_the_maximum(
    data_anchor, tenant_owner, tenant_id, reverts
):
    with reverts(data_anchor.AnchorUriTooLong, length=MAX_URI_LENGTH + 1, maxLength=MAX_URI_LENGTH):
        data_anchor.anchorBatch(tenant_id, ROOT, 5, "u" * (MAX_URI_LENGTH + 1), sender=tenant_owner)


def test_anchoring_the_zero_root_reverts(data_anchor, tenant_owner, tenant_id, reverts):
    with reverts(data_anchor.AnchorZeroDigest):
        data_anchor.anchorBatch(tenant_id, ZERO, 5, URI, sender=tenant_owner)


def test_anchoring_a_batch_of_no_leaves_reverts(data_anchor, tenant_owner, tenant_id, reverts):
    with reverts(data_anchor.AnchorZeroCount):
        data_anchor.anchorBatch(tenant_id, ROOT, 0, URI, sender=tenant_owner)


@pytest.mark.parametrize("first", ["batch", "digest"])
def test_a_value_anchored_before_cannot_be_anchored_as_a_batch_root(
    data_anchor, tenant_owner, other_owner, tenant_id, other_tenant_id, block_time, reverts, first
):
    receipt = (
        data_anchor.anchorBatch(tenant_id, ROOT, 5, URI, sender=tenant_owner)
        if first == "batch"
        else data_anchor.anchor(tenant_id, ROOT, sender=tenant_owner)
    )

    with reverts(
        data_anchor.AnchorAlreadyAnchored,
        digest=ROOT,
        tenantId=tenant_id,
        timestamp=block_time(receipt),
    ):
        data_anchor.anchorBatch(other_tenant_id, ROOT, 9, "", sender=other_owner)


def test_anchoring_a_batch_for_an_unknown_tenant_reverts(
    data_anchor, registry, tenant_owner, reverts
):
    unknown = registry.tenantCount() + 1

    with reverts(data_anchor.AnchorUnknownTenant, tenantId=unknown):
        data_anchor.anchorBatch(unknown, ROOT, 5, URI, sender=tenant_owner)


@pytest.mark.parametrize("status", [PENDING, SUSPENDED, CLOSED])
def test_a_tenant_that_is_not_active_cannot_anchor_a_batch(
    data_anchor, tenant_owner, tenant_in, reverts, status
):
    tenant = tenant_in(status, tenant_owner)

    with reverts(data_anchor.AnchorTenantNotActive, tenantId=tenant, status=status):
        data_anchor.anchorBatch(tenant, ROOT, 5, URI, sender=tenant_owner)


@pytest.mark.parametrize("who", ["stranger", "admin", "provider", "other_owner"])
def test_accounts_that_are_neither_owner_nor_operator_cannot_anchor_a_batch(
    data_anchor, request, tenant_id, other_tenant_id, reverts, who
):
    account = request.getfixturevalue(who)

    with reverts(data_anchor.AnchorUnauthorized, tenantId=tenant_id, caller=account.address):
        data_anchor.anchorBatch(tenant_id, ROOT, 5, URI, sender=account)


def test_an_expired_operator_cannot_anchor_a_batch(
    data_anchor, operator, tenant_id, operator_expiry, now, warp, reverts
):
    warp(operator_expiry - now())

    with reverts(data_anchor.AnchorUnauthorized, tenantId=tenant_id, caller=operator.address):
        data_anchor.anchorBatch(tenant_id, ROOT, 5, URI, sender=operator)

"""DataAnchor.anchor: a digest attributed to a tenant by its owner or an unexpired operator of an
Active tenant; first anchor wins; the record is one slot (tenant, time, block)."""

from __future__ import annotations

import pytest

PENDING, ACTIVE, SUSPENDED, CLOSED = 1, 2, 3, 4
DIGEST = bytes.fromhex("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08")
OTHER = bytes.fromhex("60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752")
ZERO = b"\x00" * 32


def test_a_new_anchor_contract_knows_its_registry_and_has_an_empty_journal(
    project, admin, registry
):
    deployed = project.DataAnchor.deploy(registry, sender=admin)

    assert deployed.registry() == registry.address
    assert deployed.journal() == (0, b"\x00" * 24)


@pytest.mark.parametrize("who", ["admin", "stranger"])
def test_deploying_with_a_registry_that_is_not_a_contract_reverts(
    project, admin, request, reverts, who
):
    account = request.getfixturevalue(who)

    with reverts(project.DataAnchor.AnchorInvalidRegistry, registry=account.address):
        project.DataAnchor.deploy(account, sender=admin)


# ------------------------------------------------------------------------------- happy path


@pytest.mark.parametrize("who", ["tenant_owner", "operator"])
def test_owner_or_operator_anchors_a_digest_for_the_tenant(
    data_anchor, request, tenant_id, operator_expiry, block_time, who
):
    receipt = data_anchor.anchor(tenant_id, DIGEST, sender=request.getfixturevalue(who))

    record = data_anchor.anchorOf(DIGEST)
    assert (
        record.tenantId,
        record.timestamp,
        record.blockNumber,
        record.revokedAt,
        record.count,
        record.revokeReason,
    ) == (tenant_id, block_time(receipt), receipt.block_number, 0, 0, 0)


def test_anchor_emits_anchored_with_the_next_seq(
    data_anchor, tenant_owner, tenant_id, events, expect, block_time
):
    seq = data_anchor.journal()[0] + 1

    receipt = data_anchor.anchor(tenant_id, DIGEST, sender=tenant_owner)

    assert events(receipt, data_anchor) == [
        expect(
            "Anchored", digest=DIGEST, tenantId=tenant_id, timestamp=block_time(receipt), seq=seq
        )
    ]


def test_an_unanchored_digest_reads_as_all_zero(data_anchor):
    record = data_anchor.anchorOf(DIGEST)

    assert tuple(record) == (0, 0, 0, 0, 0, 0)


def test_anchors_of_different_tenants_are_kept_apart(
    data_anchor, tenant_owner, other_owner, tenant_id, other_tenant_id
):
    data_anchor.anchor(tenant_id, DIGEST, sender=tenant_owner)
    data_anchor.anchor(other_tenant_id, OTHER, sender=other_owner)

    assert (data_anchor.anchorOf(DIGEST).tenantId, data_anchor.anchorOf(OTHER).tenantId) == (
        tenant_id,
        other_tenant_id,
    )


# ---------------------------------------------------------------------------- first anchor wins


@pytest.mark.parametrize("second", ["same tenant", "other tenant"])
def test_anchoring_an_anchored_digest_reverts_with_the_first_tenant_and_time(
    data_anchor, tenant_owner, other_owner, tenant_id, other_tenant_id, block_time, reverts, second
):
    first = data_anchor.anchor(tenant_id, DIGEST, sender=tenant_owner)
    tenant, owner = (
        (tenant_id, tenant_owner) if second == "same tenant" else (other_tenant_id, other_owner)
    )

    with reverts(
        data_anchor.AnchorAlreadyAnchored,
        digest=DIGEST,
        tenantId=tenant_id,
        timestamp=block_time(first),
    ):
        data_anchor.anchor(tenant, DIGEST, sender=owner)


def test_a_digest_anchored_as_a_batch_root_cannot_be_anchored_as_a_digest(
    data_anchor, tenant_owner, tenant_id, block_time, reverts
):
    first = data_anchor.anchorBatch(tenant_id, DIGEST, 3, "", sender=tenant_owner)

    with reverts(
        data_anchor.AnchorAlreadyAnchored,
        digest=DIGEST,
        tenantId=tenant_id,
        timestamp=block_time(first),
    ):
        data_anchor.anchor(tenant_id, DIGEST, sender=tenant_owner)


def test_anchoring_the_zero_digest_reverts(data_anchor, tenant_owner, tenant_id, reverts):
    with reverts(data_anchor.AnchorZeroDigest):
        data_anchor.anchor(tenant_id, ZERO, sender=tenant_owner)


# ----------------------------------------------------------------------------- who may not


def test_anchoring_for_an_unknown_tenant_reverts(data_anchor, tenant_owner, registry, reverts):
    unknown = registry.tenantCount() + 1

    with reverts(data_anchor.AnchorUnknownTenant, tenantId=unknown):
        data_anchor.anchor(unknown, DIGEST, sender=tenant_owner)


@pytest.mark.parametrize("status", [PENDING, SUSPENDED, CLOSED])
def test_a_tenant_that_is_not_active_cannot_anchor(
    data_anchor, tenant_owner, tenant_in, reverts, status
):
    tenant = tenant_in(status, tenant_owner)

    with reverts(data_anchor.AnchorTenantNotActive, tenantId=tenant, status=status):
        data_anchor.anchor(tenant, DIGEST, sender=tenant_owner)


def test_an_operator_of_a_suspended_tenant_cannot_anchor(
    data_anchor, registry, admin, operator, tenant_id, operator_expiry, reverts
):
    registry.suspend(tenant_id, 1, sender=admin)

    with reverts(data_anchor.AnchorTenantNotActive, tenantId=tenant_id, status=SUSPENDED):
        data_anchor.anchor(tenant_id, DIGEST, sender=operator)


@pytest.mark.parametrize("who", ["stranger", "admin", "provider", "other_owner"])
def test_accounts_that_are_neither_owner_nor_operator_cannot_anchor(
    data_anchor, request, tenant_id, other_tenant_id, reverts, who
):
    account = request.getfixturevalue(who)

    with reverts(data_anchor.AnchorUnauthorized, tenantId=tenant_id, caller=account.address):
        data_anchor.anchor(tenant_id, DIGEST, sender=account)


def test_an_expired_operator_cannot_anchor(
    data_anchor, operator, tenant_id, operator_expiry, now, warp, reverts
):
    warp(operator_expiry - now())  # the next block is past the expiry

    with reverts(data_anchor.AnchorUnauthorized, tenantId=tenant_id, caller=operator.address):
        data_anchor.anchor(tenant_id, DIGEST, sender=operator)


def test_a_revoked_operator_cannot_anchor(
    data_anchor, registry, tenant_owner, operator, tenant_id, operator_expiry, reverts
):
    registry.revokeOperator(tenant_id, operator, sender=tenant_owner)

    with reverts(data_anchor.AnchorUnauthorized, tenantId=tenant_id, caller=operator.address):
        data_anchor.anchor(tenant_id, DIGEST, sender=operator)


def test_the_previous_owner_cannot_anchor_after_an_ownership_transfer(
    data_anchor, registry, tenant_owner, stranger, tenant_id, reverts
):
    registry.proposeOwner(tenant_id, stranger, sender=tenant_owner)
    registry.acceptOwnership(tenant_id, sender=stranger)

    with reverts(data_anchor.AnchorUnauthorized, tenantId=tenant_id, caller=tenant_owner.address):
        data_anchor.anchor(tenant_id, DIGEST, sender=tenant_owner)


def test_a_failed_anchor_leaves_no_record_and_no_journal_entry(
    data_anchor, stranger, tenant_id, reverts
):
    before = data_anchor.journal()

    with reverts(data_anchor.AnchorUnauthorized, tenantId=tenant_id, caller=stranger.address):
        data_anchor.anchor(tenant_id, DIGEST, sender=stranger)

    assert data_anchor.anchorOf(DIGEST).tenantId == 0
    assert data_anchor.journal() == before

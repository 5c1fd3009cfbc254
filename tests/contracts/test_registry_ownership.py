"""Tenant ownership moves in two steps (propose, accept); the owner also replaces the metadata."""

from __future__ import annotations

import pytest

ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"

PENDING, ACTIVE, SUSPENDED, CLOSED = 1, 2, 3, 4
ZERO = "0x0000000000000000000000000000000000000000"
NEW_HASH = b"\x77" * 32


# ---------------------------------------------------------------------------- proposeOwner


def test_owner_proposes_a_new_owner(registry, tenant_owner, other_owner, tenant_id):
    registry.proposeOwner(tenant_id, other_owner, sender=tenant_owner)

    assert registry.pendingOwner(tenant_id) == other_owner.address
    assert registry.tenant(tenant_id).owner == tenant_owner.address


def test_propose_owner_emits_tenant_ownership_proposed(
    registry, tenant_owner, other_owner, tenant_id, events, expect
):
    seq = registry.journal()[0] + 1

    receipt = registry.proposeOwner(tenant_id, other_owner, sender=tenant_owner)

    assert events(receipt, registry) == [
        expect(
            "TenantOwnershipProposed",
            tenantId=tenant_id,
            currentOwner=tenant_owner,
            proposedOwner=other_owner,
            seq=seq,
        )
    ]


def test_proposing_the_zero_address_cancels_a_proposal(
    registry, tenant_owner, other_owner, tenant_id, reverts
):
    registry.proposeOwner(tenant_id, other_owner, sender=tenant_owner)

    registry.proposeOwner(tenant_id, ZERO, sender=tenant_owner)

    assert registry.pendingOwner(tenant_id) == ZERO
    with reverts(registry.RegistryNotPendingOwner, tenantId=tenant_id, caller=other_owner.address):
        registry.acceptOwnership(tenant_id, sender=other_owner)


def test_a_new_proposal_replaces_the_previous_one(
    registry, tenant_owner, other_owner, stranger, tenant_id
):
    registry.proposeOwner(tenant_id, other_owner, sender=tenant_owner)

    registry.proposeOwner(tenant_id, stranger, sender=tenant_owner)

    assert registry.pendingOwner(tenant_id) == stranger.address


@pytest.mark.parametrize("status", [PENDING, SUSPENDED])
def test_owner_proposes_while_pending_or_suspended(
    registry, tenant_owner, other_owner, tenant_in, status
):
    tenant = tenant_in(status, tenant_owner)

    registry.proposeOwner(tenant, other_owner, sender=tenant_owner)

    assert registry.pendingOwner(tenant) == other_owner.address


def test_proposing_for_a_closed_tenant_reverts(
    registry, tenant_owner, other_owner, tenant_in, reverts
):
    tenant = tenant_in(CLOSED, tenant_owner)

    with reverts(registry.RegistryInvalidStatus, tenantId=tenant, status=CLOSED):
        registry.proposeOwner(tenant, other_owner, sender=tenant_owner)


def test_proposing_for_an_unknown_tenant_reverts(registry, tenant_owner, other_owner, reverts):
    with reverts(registry.RegistryUnknownTenant, tenantId=99):
        registry.proposeOwner(99, other_owner, sender=tenant_owner)


@pytest.mark.parametrize("who", ["admin", "operator", "stranger", "other_owner"])
def test_only_the_owner_proposes_a_new_owner(
    registry, request, tenant_id, operator_expiry, stranger, reverts, who
):
    account = request.getfixturevalue(who)

    with reverts(registry.RegistryNotTenantOwner, tenantId=tenant_id, caller=account.address):
        registry.proposeOwner(tenant_id, stranger, sender=account)


# --------------------------------------------------------------------------- acceptOwnership


def test_proposed_owner_accepts_and_becomes_the_owner(
    registry, tenant_owner, other_owner, tenant_id
):
    registry.proposeOwner(tenant_id, other_owner, sender=tenant_owner)

    registry.acceptOwnership(tenant_id, sender=other_owner)

    assert registry.tenant(tenant_id).owner == other_owner.address
    assert registry.pendingOwner(tenant_id) == ZERO


def test_accept_ownership_emits_tenant_ownership_transferred(
    registry, tenant_owner, other_owner, tenant_id, events, expect
):
    registry.proposeOwner(tenant_id, other_owner, sender=tenant_owner)
    seq = registry.journal()[0] + 1

    receipt = registry.acceptOwnership(tenant_id, sender=other_owner)

    assert events(receipt, registry) == [
        expect(
            "TenantOwnershipTransferred",
            tenantId=tenant_id,
            previousOwner=tenant_owner,
            newOwner=other_owner,
            seq=seq,
        )
    ]


def test_ownership_transfer_moves_owner_rights(
    registry, tenant_owner, other_owner, tenant_id, reverts
):
    registry.proposeOwner(tenant_id, other_owner, sender=tenant_owner)
    registry.acceptOwnership(tenant_id, sender=other_owner)

    assert registry.isAuthorized(tenant_id, other_owner)
    assert not registry.isAuthorized(tenant_id, tenant_owner)
    with reverts(registry.RegistryNotTenantOwner, tenantId=tenant_id, caller=tenant_owner.address):
        registry.close(tenant_id, sender=tenant_owner)


def test_ownership_transfer_keeps_the_status(registry, admin, tenant_owner, other_owner, tenant_id):
    registry.suspend(tenant_id, 1, sender=admin)
    registry.proposeOwner(tenant_id, other_owner, sender=tenant_owner)

    registry.acceptOwnership(tenant_id, sender=other_owner)

    assert registry.tenant(tenant_id).status == SUSPENDED


@pytest.mark.parametrize("who", ["tenant_owner", "admin", "stranger"])
def test_only_the_proposed_owner_accepts(
    registry, request, tenant_owner, other_owner, tenant_id, reverts, who
):
    registry.proposeOwner(tenant_id, other_owner, sender=tenant_owner)
    account = request.getfixturevalue(who)

    with reverts(registry.RegistryNotPendingOwner, tenantId=tenant_id, caller=account.address):
        registry.acceptOwnership(tenant_id, sender=account)


def test_accepting_without_a_proposal_reverts(registry, other_owner, tenant_id, reverts):
    with reverts(registry.RegistryNotPendingOwner, tenantId=tenant_id, caller=other_owner.address):
        registry.acceptOwnership(tenant_id, sender=other_owner)


def test_accepting_for_an_unknown_tenant_reverts(registry, stranger, reverts):
    with reverts(registry.RegistryNotPendingOwner, tenantId=99, caller=stranger.address):
        registry.acceptOwnership(99, sender=stranger)


def test_closing_cancels_a_pending_proposal(
    registry, tenant_owner, other_owner, tenant_id, reverts, events, expect
):
    registry.proposeOwner(tenant_id, other_owner, sender=tenant_owner)
    seq = registry.journal()[0] + 1

    receipt = registry.close(tenant_id, sender=tenant_owner)

    assert events(receipt, registry)[0] == expect(
        "TenantOwnershipProposed",
        tenantId=tenant_id,
        currentOwner=tenant_owner,
        proposedOwner=ZERO_ADDRESS,
        seq=seq,
    )
    assert registry.pendingOwner(tenant_id) == ZERO_ADDRESS
    with reverts(registry.RegistryNotPendingOwner, tenantId=tenant_id, caller=other_owner.address):
        registry.acceptOwnership(tenant_id, sender=other_owner)


def test_closing_without_a_proposal_emits_only_the_status_change(
    registry, tenant_owner, tenant_id, events
):
    receipt = registry.close(tenant_id, sender=tenant_owner)

    assert [e["event"] for e in events(receipt, registry)] == ["TenantStatusChanged"]


def test_a_proposal_is_accepted_once(registry, tenant_owner, other_owner, tenant_id, reverts):
    registry.proposeOwner(tenant_id, other_owner, sender=tenant_owner)
    registry.acceptOwnership(tenant_id, sender=other_owner)

    with reverts(registry.RegistryNotPendingOwner, tenantId=tenant_id, caller=other_owner.address):
        registry.acceptOwnership(tenant_id, sender=other_owner)


# ---------------------------------------------------------------------------- updateMetadata


def test_owner_updates_the_metadata(registry, tenant_owner, tenant_id):
    registry.updateMetadata(tenant_id, "ipfs://new", NEW_HASH, sender=tenant_owner)

    assert registry.metadata(tenant_id) == ("ipfs://new", NEW_HASH)


def test_update_metadata_emits_tenant_metadata_updated(
    registry, tenant_owner, tenant_id, events, expect
):
    seq = registry.journal()[0] + 1

    receipt = registry.updateMetadata(tenant_id, "ipfs://new", NEW_HASH, sender=tenant_owner)

    assert events(receipt, registry) == [
        expect(
            "TenantMetadataUpdated",
            tenantId=tenant_id,
            metadataURI="ipfs://new",
            metadataHash=NEW_HASH,
            seq=seq,
        )
    ]


def test_update_metadata_rejects_a_uri_longer_than_the_maximum(
    registry, tenant_owner, tenant_id, reverts
):
    with reverts(registry.RegistryUriTooLong, length=257, maxLength=256):
        registry.updateMetadata(tenant_id, "u" * 257, NEW_HASH, sender=tenant_owner)


def test_updating_metadata_of_a_closed_tenant_reverts(registry, tenant_owner, tenant_in, reverts):
    tenant = tenant_in(CLOSED, tenant_owner)

    with reverts(registry.RegistryInvalidStatus, tenantId=tenant, status=CLOSED):
        registry.updateMetadata(tenant, "ipfs://new", NEW_HASH, sender=tenant_owner)


def test_updating_metadata_of_an_unknown_tenant_reverts(registry, tenant_owner, reverts):
    with reverts(registry.RegistryUnknownTenant, tenantId=99):
        registry.updateMetadata(99, "ipfs://new", NEW_HASH, sender=tenant_owner)


@pytest.mark.parametrize("who", ["admin", "operator", "stranger"])
def test_only_the_owner_updates_the_metadata(
    registry, request, tenant_id, operator_expiry, reverts, who
):
    account = request.getfixturevalue(who)

    with reverts(registry.RegistryNotTenantOwner, tenantId=tenant_id, caller=account.address):
        registry.updateMetadata(tenant_id, "ipfs://new", NEW_HASH, sender=account)


# ------------------------------------------------------------- operators across a transfer


def _transfer(registry, tenant_id, owner, new_owner):
    registry.proposeOwner(tenant_id, new_owner, sender=owner)
    return registry.acceptOwnership(tenant_id, sender=new_owner)


def test_a_transfer_lapses_the_previous_owners_operators(
    registry, tenant_owner, operator, other_owner, tenant_id, operator_expiry
):
    assert registry.isAuthorized(tenant_id, operator)

    _transfer(registry, tenant_id, tenant_owner, other_owner)

    assert not registry.isAuthorized(tenant_id, operator)
    assert registry.operatorExpiry(tenant_id, operator) == 0


def test_an_operator_the_old_owner_granted_itself_loses_its_rights_at_the_transfer(
    registry, tenant_owner, other_owner, tenant_id, now
):
    registry.grantOperator(
        tenant_id,
        tenant_owner,
        now() + 10**8,
        sender=tenant_owner,
    )

    _transfer(registry, tenant_id, tenant_owner, other_owner)

    assert not registry.isAuthorized(tenant_id, tenant_owner)


def test_a_lapsed_operator_cannot_be_revoked_again(
    registry, tenant_owner, operator, other_owner, tenant_id, operator_expiry, reverts
):
    _transfer(registry, tenant_id, tenant_owner, other_owner)

    with reverts(registry.RegistryNotOperator, tenantId=tenant_id, operator=operator):
        registry.revokeOperator(tenant_id, operator, sender=other_owner)


def test_the_new_owner_grants_operators_of_its_own(
    registry, tenant_owner, operator, other_owner, tenant_id, operator_expiry, now
):
    _transfer(registry, tenant_id, tenant_owner, other_owner)
    expiry = now() + 3600

    registry.grantOperator(tenant_id, operator, expiry, sender=other_owner)

    assert registry.isAuthorized(tenant_id, operator)
    assert registry.operatorExpiry(tenant_id, operator) == expiry


def test_operators_of_a_tenant_transferred_twice_stay_lapsed(
    registry, tenant_owner, operator, other_owner, tenant_id, operator_expiry
):
    _transfer(registry, tenant_id, tenant_owner, other_owner)
    _transfer(registry, tenant_id, other_owner, tenant_owner)  # back to the first owner

    assert not registry.isAuthorized(tenant_id, operator)

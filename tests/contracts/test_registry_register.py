"""TenantRegistry.register and setRegistrationPolicy: who enters, in which status, what is kept."""

from __future__ import annotations

import pytest
from eth_hash.auto import keccak

NONE, PENDING, ACTIVE = 0, 1, 2  # TenantStatus
OPEN, APPROVAL = 0, 1  # RegistrationPolicy
ADMIN_ROLE = keccak(b"leasehold.role.admin")
ADMIN_DELAY = 3 * 24 * 3600
MAX_URI_LENGTH = 256
METADATA_HASH = b"\x42" * 32


def _registered_id(registry, receipt) -> int:
    return int(receipt.events.filter(registry.TenantRegistered)[0].tenantId)


def test_a_new_registry_is_empty_with_the_open_policy(project, admin):
    fresh = project.TenantRegistry.deploy(admin, ADMIN_DELAY, sender=admin)

    assert fresh.tenantCount() == 0
    assert fresh.registrationPolicy() == OPEN
    # Only the constructor's two role grants (DEFAULT_ADMIN_ROLE, ADMIN_ROLE) are journaled.
    seq, head = fresh.journal()
    assert seq == 2
    assert head != b"\x00" * 24


def test_register_under_open_policy_creates_an_active_tenant_owned_by_the_caller(
    registry, tenant_owner, block_time
):
    receipt = registry.register("ipfs://meta", METADATA_HASH, sender=tenant_owner)

    tenant = registry.tenant(_registered_id(registry, receipt))
    assert (tenant.owner, tenant.status, tenant.createdAt) == (
        tenant_owner.address,
        ACTIVE,
        block_time(receipt),
    )


def test_register_under_approval_policy_creates_a_pending_tenant(
    registry, admin, tenant_owner, register
):
    registry.setRegistrationPolicy(APPROVAL, sender=admin)

    tenant = register(tenant_owner)

    assert registry.tenant(tenant).status == PENDING


def test_register_stores_the_metadata_uri_and_hash(registry, tenant_owner):
    receipt = registry.register("ipfs://meta", METADATA_HASH, sender=tenant_owner)

    assert registry.metadata(_registered_id(registry, receipt)) == ("ipfs://meta", METADATA_HASH)


def test_register_assigns_sequential_ids_and_counts_them(
    registry, tenant_owner, other_owner, register
):
    first = registry.tenantCount() + 1

    ids = [register(tenant_owner), register(other_owner), register(tenant_owner)]

    assert ids == [first, first + 1, first + 2]
    assert registry.tenantCount() == first + 2


def test_register_emits_tenant_registered_with_the_next_seq(
    registry, tenant_owner, events, expect, block_time
):
    tenant = registry.tenantCount() + 1
    seq = registry.journal()[0] + 1

    receipt = registry.register("ipfs://meta", METADATA_HASH, sender=tenant_owner)

    assert events(receipt, registry) == [
        expect(
            "TenantRegistered",
            tenantId=tenant,
            owner=tenant_owner,
            status=ACTIVE,
            createdAt=block_time(receipt),
            metadataURI="ipfs://meta",
            metadataHash=METADATA_HASH,
            seq=seq,
        )
    ]


@pytest.mark.parametrize("uri", ["", "u" * MAX_URI_LENGTH], ids=["empty", "longest"])
def test_register_accepts_uris_from_empty_to_the_maximum_length(
    registry, tenant_owner, register, uri
):
    tenant = register(tenant_owner, uri, METADATA_HASH)

    assert registry.metadata(tenant) == (uri, METADATA_HASH)


def test_register_rejects_a_uri_longer_than_the_maximum(registry, tenant_owner, reverts):
    with reverts(registry.RegistryUriTooLong, length=MAX_URI_LENGTH + 1, maxLength=MAX_URI_LENGTH):
        registry.register("u" * (MAX_URI_LENGTH + 1), METADATA_HASH, sender=tenant_owner)


@pytest.mark.parametrize("who", ["admin", "provider", "stranger"])
def test_anyone_may_register_a_tenant(registry, request, register, who):
    account = request.getfixturevalue(who)

    assert registry.tenant(register(account)).owner == account.address


def test_unknown_tenant_reads_as_status_none_and_empty_metadata(registry):
    unknown = registry.tenantCount() + 1
    tenant = registry.tenant(unknown)

    assert (tenant.owner, tenant.status, tenant.createdAt) == (
        "0x0000000000000000000000000000000000000000",
        NONE,
        0,
    )
    assert registry.metadata(unknown) == ("", b"\x00" * 32)


# ---------------------------------------------------------------------------- policy


@pytest.mark.parametrize("policy", [APPROVAL, OPEN])
def test_admin_sets_the_registration_policy(registry, admin, policy):
    registry.setRegistrationPolicy(policy, sender=admin)

    assert registry.registrationPolicy() == policy


def test_set_registration_policy_emits_registration_policy_changed(registry, admin, events, expect):
    seq = registry.journal()[0] + 1

    receipt = registry.setRegistrationPolicy(APPROVAL, sender=admin)

    assert events(receipt, registry) == [
        expect("RegistrationPolicyChanged", policy=APPROVAL, seq=seq)
    ]


@pytest.mark.parametrize("who", ["tenant_owner", "operator", "provider", "stranger"])
def test_only_admins_set_the_registration_policy(registry, request, who, reverts):
    account = request.getfixturevalue(who)

    with reverts(
        registry.AccessControlUnauthorizedAccount, account=account.address, neededRole=ADMIN_ROLE
    ):
        registry.setRegistrationPolicy(APPROVAL, sender=account)


def test_switching_back_to_open_leaves_pending_tenants_pending(
    registry, admin, tenant_owner, register
):
    registry.setRegistrationPolicy(APPROVAL, sender=admin)
    tenant = register(tenant_owner)

    registry.setRegistrationPolicy(OPEN, sender=admin)

    assert registry.tenant(tenant).status == PENDING

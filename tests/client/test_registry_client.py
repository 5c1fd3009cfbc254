"""The client's TenantRegistry surface: dataclass reads, TxResult writes, decoded errors."""

from __future__ import annotations

from dataclasses import replace

import pytest

from offchain.chain.registry import (
    Authorization,
    Membership,
    PendingDelay,
    RegistrationPolicy,
    Tenant,
    TenantStatus,
)
from offchain.chain.values import (
    ADMIN_ROLE,
    PROVIDER_ROLE,
    resource_class,
)
from offchain.exceptions import ContractRevertError, UnknownTenantError

GPU = resource_class("gpu.h100")


def test_register_returns_the_new_tenant_id_read_from_its_event(as_owner, client):
    expected = client.registry.tenant_count() + 1
    result = as_owner.registry.register("ipfs://a", b"\x22" * 32)
    assert result.created == expected
    assert result.event("TenantRegistered").args["tenantId"] == expected


def test_tenant_reads_as_a_dataclass_with_its_metadata(client, tenant_id, tenant_owner):
    assert replace(client.registry.tenant(tenant_id), created_at=0) == Tenant(
        tenant_id=tenant_id,
        owner=tenant_owner.address,
        status=TenantStatus.ACTIVE,
        created_at=0,
        metadata_uri="ipfs://tenant-1",
        metadata_hash=b"\x11" * 32,
    )


def test_tenant_created_at_is_the_block_timestamp_of_registration(as_owner, client, w3):
    result = as_owner.registry.register("ipfs://b", b"\x00" * 32)
    block = w3.eth.get_block(result.block_number)
    assert client.registry.tenant(result.created).created_at == block["timestamp"]


def test_unknown_tenant_raises_unknown_tenant_error(client):
    with pytest.raises(UnknownTenantError, match="unknown tenant 99"):
        client.registry.tenant(99)


def test_unknown_tenant_error_is_a_key_error_with_a_plain_message(client):
    with pytest.raises(KeyError) as caught:
        client.registry.tenant(7)
    assert str(caught.value) == "unknown tenant 7"


def test_tenants_lists_every_tenant_by_id(as_owner, client):
    for n in range(3):
        as_owner.registry.register(f"ipfs://{n}", b"\x00" * 32)
    count = client.registry.tenant_count()
    assert [t.tenant_id for t in client.registry.tenants()] == list(range(1, count + 1))


def test_register_emits_tenant_registered_with_the_journal_seq(as_owner, client, tenant_owner, w3):
    seq = client.registry.journal().seq
    tenant_id = client.registry.tenant_count() + 1
    result = as_owner.registry.register("ipfs://c", b"\x33" * 32)
    event = result.event("TenantRegistered")
    block = w3.eth.get_block(result.block_number)
    assert dict(event.args) == {
        "tenantId": tenant_id,
        "owner": tenant_owner.address,
        "status": TenantStatus.ACTIVE,
        "createdAt": block["timestamp"],
        "metadataURI": "ipfs://c",
        "metadataHash": b"\x33" * 32,
        "seq": seq + 1,
    }


def test_tx_result_carries_hash_block_and_gas(as_owner, w3):
    result = as_owner.registry.register("ipfs://d", b"\x00" * 32)
    receipt = w3.eth.get_transaction_receipt(result.tx_hash)
    assert (result.block_number, result.gas_used) == (receipt["blockNumber"], receipt["gasUsed"])


@pytest.mark.parametrize(
    ("action", "expected"),
    [
        ("suspend", TenantStatus.SUSPENDED),
        ("close", TenantStatus.CLOSED),
    ],
)
def test_status_changes_are_visible_in_the_next_read(
    action, expected, as_admin, as_owner, client, tenant_id
):
    actor = as_owner if action == "close" else as_admin
    getattr(actor.registry, action)(tenant_id)
    assert client.registry.tenant(tenant_id).status == expected


def test_approval_policy_makes_new_tenants_pending_until_approved(as_admin, as_owner, client):
    as_admin.registry.set_registration_policy(RegistrationPolicy.APPROVAL)
    tenant = as_owner.registry.register("ipfs://p", b"\x00" * 32).created
    assert client.registry.tenant(tenant).status == TenantStatus.PENDING
    as_admin.registry.approve(tenant)
    assert client.registry.tenant(tenant).status == TenantStatus.ACTIVE
    assert client.registry.registration_policy() == RegistrationPolicy.APPROVAL


def test_operator_grant_authorizes_until_revoked(as_owner, client, tenant_id, operator, w3):
    expiry = w3.eth.get_block("latest")["timestamp"] + 3600
    as_owner.registry.grant_operator(tenant_id, operator.address, expiry)
    assert client.registry.operator_expiry(tenant_id, operator.address) == expiry
    assert client.registry.is_authorized(tenant_id, operator.address)
    as_owner.registry.revoke_operator(tenant_id, operator.address)
    assert not client.registry.is_authorized(tenant_id, operator.address)


def test_authorization_returns_the_quota_with_the_answer(client, tenant_id, tenant_owner, provider):
    answer = client.registry.authorization(tenant_id, tenant_owner.address, GPU, provider.address)
    assert answer == Authorization(
        authorized=True, owner=True, operator_epoch=0, max_units=8, provider_active=True
    )


def test_authorization_says_whether_the_pools_provider_is_active(
    client, tenant_id, tenant_owner, stranger
):
    answer = client.registry.authorization(tenant_id, tenant_owner.address, GPU, stranger.address)
    assert (answer.authorized, answer.provider_active) == (True, False)


def test_an_operator_is_a_member_but_not_the_owner(as_owner, client, tenant_id, operator, w3):
    expiry = w3.eth.get_block("latest")["timestamp"] + 3600
    as_owner.registry.grant_operator(tenant_id, operator.address, expiry)
    answer = client.registry.authorization(tenant_id, operator.address, GPU, operator.address)
    assert (answer.authorized, answer.owner, answer.operator_epoch) == (True, False, 0)
    assert client.registry.membership(tenant_id, operator.address) == Membership(
        status=TenantStatus.ACTIVE, member=True, owner=False, operator_epoch=0
    )


def test_membership_of_a_suspended_tenant_keeps_its_members(
    as_admin, client, tenant_id, tenant_owner, stranger
):
    as_admin.registry.suspend(tenant_id, 3)
    assert client.registry.membership(tenant_id, tenant_owner.address) == Membership(
        TenantStatus.SUSPENDED, True, True, 0
    )
    assert client.registry.membership(tenant_id, stranger.address) == Membership(
        TenantStatus.SUSPENDED, False, False, 0
    )


def test_ownership_moves_when_the_proposed_owner_accepts(
    as_owner, as_stranger, client, tenant_id, stranger
):
    as_owner.registry.propose_owner(tenant_id, stranger.address)
    assert client.registry.pending_owner(tenant_id) == stranger.address
    as_stranger.registry.accept_ownership(tenant_id)
    assert client.registry.tenant(tenant_id).owner == stranger.address


def test_update_metadata_replaces_uri_and_hash(as_owner, client, tenant_id):
    as_owner.registry.update_metadata(tenant_id, "ipfs://new", b"\x44" * 32)
    tenant = client.registry.tenant(tenant_id)
    assert (tenant.metadata_uri, tenant.metadata_hash) == ("ipfs://new", b"\x44" * 32)


def test_admin_grants_and_revokes_the_provider_role(as_admin, client, stranger):
    as_admin.registry.grant_role(PROVIDER_ROLE, stranger.address)
    assert client.registry.has_role(PROVIDER_ROLE, stranger.address)
    as_admin.registry.revoke_role(PROVIDER_ROLE, stranger.address)
    assert not client.registry.has_role(PROVIDER_ROLE, stranger.address)


def test_journal_counts_every_journaled_event(as_owner, client):
    before = client.registry.journal()
    as_owner.registry.register("ipfs://j", b"\x00" * 32)
    as_owner.registry.register("ipfs://k", b"\x00" * 32)
    after = client.registry.journal()
    assert after.seq == before.seq + 2
    assert len(after.head) == 24
    assert after.head != before.head


# ---------------------------------------------------------------------------- decoded reverts


def test_stranger_cannot_approve_and_the_error_names_account_and_role(
    as_stranger, tenant_id, stranger
):
    with pytest.raises(ContractRevertError) as caught:
        as_stranger.registry.approve(tenant_id)
    assert caught.value.error == "AccessControlUnauthorizedAccount"
    assert caught.value.arguments == {"account": stranger.address, "neededRole": ADMIN_ROLE}


def test_invalid_status_revert_carries_the_status_as_an_enum(as_admin, tenant_id):
    with pytest.raises(ContractRevertError) as caught:
        as_admin.registry.approve(tenant_id)
    assert (caught.value.error, caught.value.arguments) == (
        "RegistryInvalidStatus",
        {"tenantId": tenant_id, "status": TenantStatus.ACTIVE},
    )
    assert str(caught.value) == (
        f"TenantRegistry.approve reverted: RegistryInvalidStatus(tenantId={tenant_id}, "
        "status=Active)"
    )


def test_stranger_cannot_close_a_tenant(as_stranger, tenant_id, stranger):
    with pytest.raises(ContractRevertError) as caught:
        as_stranger.registry.close(tenant_id)
    assert (caught.value.error, caught.value.arguments) == (
        "RegistryNotTenantOwner",
        {"tenantId": tenant_id, "caller": stranger.address},
    )


def test_reverted_write_changes_nothing(as_stranger, client, tenant_id):
    before = client.registry.journal()
    with pytest.raises(ContractRevertError):
        as_stranger.registry.suspend(tenant_id)
    assert client.registry.journal() == before
    assert client.registry.tenant(tenant_id).status == TenantStatus.ACTIVE


def test_default_admin_moves_after_the_delay(as_admin, client, stranger, chain):
    from eth_account import Account

    as_admin.registry.begin_default_admin_transfer(stranger.address)
    pending = client.registry.pending_default_admin()
    assert pending.new_admin == stranger.address
    assert pending.accept_after > 0
    chain.pending_timestamp = pending.accept_after + 1
    client.using(Account.from_key(stranger.private_key)).registry.accept_default_admin_transfer()
    assert client.registry.default_admin() == stranger.address


def test_a_stranger_cannot_start_a_default_admin_transfer(as_stranger, stranger):
    with pytest.raises(ContractRevertError) as caught:
        as_stranger.registry.begin_default_admin_transfer(stranger.address)
    assert caught.value.error == "AccessControlUnauthorizedAccount"


def test_cancelled_transfer_leaves_no_pending_admin(as_admin, client, stranger):
    as_admin.registry.begin_default_admin_transfer(stranger.address)
    as_admin.registry.cancel_default_admin_transfer()
    assert client.registry.pending_default_admin().new_admin == "0x" + "00" * 20


def test_renounced_role_is_gone(as_admin, client, admin):
    as_admin.registry.renounce_role(ADMIN_ROLE)
    assert not client.registry.has_role(ADMIN_ROLE, admin.address)


def test_a_scheduled_delay_change_reads_back_and_can_be_rolled_back(as_admin, client, chain):
    current = client.registry.default_admin_delay()
    result = as_admin.registry.change_default_admin_delay(current // 2)
    changed_at = chain.blocks[result.block_number].timestamp

    assert client.registry.pending_default_admin_delay() == PendingDelay(
        new_delay=current // 2, effective_at=changed_at + (current - current // 2)
    )
    as_admin.registry.rollback_default_admin_delay()
    assert client.registry.pending_default_admin_delay() == PendingDelay(0, 0)
    assert client.registry.default_admin_delay() == current


def test_a_stranger_cannot_change_the_admin_delay(as_stranger):
    with pytest.raises(ContractRevertError) as caught:
        as_stranger.registry.change_default_admin_delay(60)
    assert caught.value.error == "AccessControlUnauthorizedAccount"


def test_registry_roles_limits_and_interfaces_read_as_the_contract_defines_them(client):
    registry = client.registry
    assert registry.role_admin(ADMIN_ROLE) == bytes(32)  # granted by the default admin
    assert registry.role_admin(PROVIDER_ROLE) == ADMIN_ROLE  # granted by platform admins
    assert registry.default_admin_delay_increase_wait() == 5 * 24 * 3600
    assert registry.max_uri_length() == 256
    assert registry.supports_interface(bytes.fromhex("01ffc9a7"))  # ERC-165 itself
    assert not registry.supports_interface(bytes.fromhex("ffffffff"))

"""Quotas: admins set, per tenant and resource class, the most units the tenant may hold at once.

The lease market reads them with ``authorization(tenant, account, class, provider)`` (authorized,
quota, whether the provider holds PROVIDER_ROLE, the account's limits).
"""

from __future__ import annotations

import pytest
from eth_hash.auto import keccak

PENDING, ACTIVE, SUSPENDED, CLOSED = 1, 2, 3, 4
ADMIN_ROLE = keccak(b"leasehold.role.admin")
GPU = b"gpu.h100".ljust(32, b"\x00")
CPU = b"cpu.x86".ljust(32, b"\x00")
MAX_UINT64 = 2**64 - 1


@pytest.mark.parametrize("units", [0, 1, 8, MAX_UINT64])
def test_admin_sets_a_quota(registry, admin, tenant_id, units):
    registry.setQuota(tenant_id, GPU, units, sender=admin)

    assert registry.quota(tenant_id, GPU) == units


def test_set_quota_emits_quota_set(registry, admin, tenant_id, events, expect):
    seq = registry.journal()[0] + 1

    receipt = registry.setQuota(tenant_id, GPU, 8, sender=admin)

    assert events(receipt, registry) == [
        expect("QuotaSet", tenantId=tenant_id, resourceClass=GPU, maxUnits=8, seq=seq)
    ]


def test_quotas_are_per_tenant_and_per_class(registry, admin, tenant_id, other_tenant_id):
    registry.setQuota(tenant_id, GPU, 8, sender=admin)

    assert registry.quota(tenant_id, CPU) == 0
    assert registry.quota(other_tenant_id, GPU) == 0


def test_setting_a_quota_again_replaces_it(registry, admin, tenant_id):
    registry.setQuota(tenant_id, GPU, 8, sender=admin)

    registry.setQuota(tenant_id, GPU, 2, sender=admin)

    assert registry.quota(tenant_id, GPU) == 2


@pytest.mark.parametrize("status", [PENDING, SUSPENDED, CLOSED])
def test_admin_sets_quotas_of_tenants_in_any_status(
    registry, admin, tenant_owner, tenant_in, status
):
    tenant = tenant_in(status, tenant_owner)

    registry.setQuota(tenant, GPU, 4, sender=admin)

    assert registry.quota(tenant, GPU) == 4


def test_setting_a_quota_for_the_zero_class_reverts(registry, admin, tenant_id, reverts):
    with reverts(registry.RegistryZeroResourceClass):
        registry.setQuota(tenant_id, b"\x00" * 32, 8, sender=admin)


def test_setting_a_quota_for_an_unknown_tenant_reverts(registry, admin, reverts):
    with reverts(registry.RegistryUnknownTenant, tenantId=99):
        registry.setQuota(99, GPU, 8, sender=admin)


@pytest.mark.parametrize("who", ["tenant_owner", "operator", "provider", "stranger"])
def test_only_admins_set_quotas(registry, request, tenant_id, reverts, who):
    account = request.getfixturevalue(who)

    with reverts(
        registry.AccessControlUnauthorizedAccount, account=account.address, neededRole=ADMIN_ROLE
    ):
        registry.setQuota(tenant_id, GPU, 8, sender=account)


# ----------------------------------------------------------------------------- authorization


@pytest.mark.parametrize(
    ("who", "expected"),
    [("tenant_owner", True), ("operator", True), ("stranger", False), ("admin", False)],
)
def test_authorization_answers_is_authorized_and_the_quota_together(
    registry, admin, provider, request, tenant_id, operator_expiry, who, expected
):
    registry.setQuota(tenant_id, GPU, 8, sender=admin)
    account = request.getfixturevalue(who)

    owner = who == "tenant_owner"  # the owner is never limited; operators' limits key on the epoch
    assert registry.authorization(tenant_id, account, GPU, provider) == (
        expected,
        owner,
        0,
        8,
        True,
    )


def test_authorization_of_a_suspended_tenant_reports_the_quota_but_no_authority(
    registry, admin, tenant_owner, tenant_id
):
    registry.setQuota(tenant_id, GPU, 8, sender=admin)
    registry.suspend(tenant_id, 1, sender=admin)

    assert registry.authorization(tenant_id, tenant_owner, GPU, tenant_owner) == (
        False,
        True,
        0,
        8,
        False,
    )

"""Tenant lifecycle: admins approve, reject, suspend and resume; only the owner closes, for good.

Allowed edges (contracts/common/Types.sol): Pending→Active (approve), Pending→Closed (reject or
close), Active→Suspended (suspend), Suspended→Active (resume), Active|Suspended→Closed (close).
"""

from __future__ import annotations

import pytest
from eth_hash.auto import keccak

PENDING, ACTIVE, SUSPENDED, CLOSED = 1, 2, 3, 4
STATUSES = (PENDING, ACTIVE, SUSPENDED, CLOSED)
ADMIN_ROLE = keccak(b"leasehold.role.admin")
REASON = 17

# (function, status it applies to, status it leads to, whether it takes a reason code)
ADMIN_TRANSITIONS = [
    ("approve", PENDING, ACTIVE, False),
    ("reject", PENDING, CLOSED, True),
    ("suspend", ACTIVE, SUSPENDED, True),
    ("resume", SUSPENDED, ACTIVE, True),
]
IDS = [t[0] for t in ADMIN_TRANSITIONS]


def _call(registry, function, tenant, takes_reason, sender):
    args = (tenant, REASON) if takes_reason else (tenant,)
    return getattr(registry, function)(*args, sender=sender)


@pytest.mark.parametrize(
    ("function", "source", "target", "takes_reason"), ADMIN_TRANSITIONS, ids=IDS
)
def test_admin_moves_a_tenant_along_its_edge(
    registry, admin, tenant_owner, tenant_in, function, source, target, takes_reason
):
    tenant = tenant_in(source, tenant_owner)

    _call(registry, function, tenant, takes_reason, admin)

    assert registry.tenant(tenant).status == target


@pytest.mark.parametrize(
    ("function", "source", "target", "takes_reason"), ADMIN_TRANSITIONS, ids=IDS
)
def test_admin_transition_emits_tenant_status_changed_with_reason_and_admin(
    registry, admin, tenant_owner, tenant_in, events, expect, function, source, target, takes_reason
):
    tenant = tenant_in(source, tenant_owner)
    seq = registry.journal()[0] + 1

    receipt = _call(registry, function, tenant, takes_reason, admin)

    assert events(receipt, registry) == [
        expect(
            "TenantStatusChanged",
            tenantId=tenant,
            **{"from": source},
            to=target,
            reasonCode=REASON if takes_reason else 0,
            by=admin,
            seq=seq,
        )
    ]


@pytest.mark.parametrize(
    ("function", "source", "takes_reason", "status"),
    [
        (function, source, takes_reason, status)
        for function, source, _, takes_reason in ADMIN_TRANSITIONS
        for status in STATUSES
        if status != source
    ],
)
def test_admin_transition_from_any_other_status_reverts_with_that_status(
    registry, admin, tenant_owner, tenant_in, reverts, function, source, takes_reason, status
):
    tenant = tenant_in(status, tenant_owner)

    with reverts(registry.RegistryInvalidStatus, tenantId=tenant, status=status):
        _call(registry, function, tenant, takes_reason, admin)


@pytest.mark.parametrize(
    ("function", "source", "target", "takes_reason"), ADMIN_TRANSITIONS, ids=IDS
)
def test_admin_transition_of_an_unknown_tenant_reverts(
    registry, admin, reverts, function, source, target, takes_reason
):
    with reverts(registry.RegistryUnknownTenant, tenantId=99):
        _call(registry, function, 99, takes_reason, admin)


@pytest.mark.parametrize("who", ["tenant_owner", "operator", "provider", "stranger"])
@pytest.mark.parametrize(
    ("function", "source", "target", "takes_reason"), ADMIN_TRANSITIONS, ids=IDS
)
def test_only_admins_make_admin_transitions(
    registry, request, tenant_owner, tenant_in, reverts, who, function, source, target, takes_reason
):
    tenant = tenant_in(source, tenant_owner)
    account = request.getfixturevalue(who)

    with reverts(
        registry.AccessControlUnauthorizedAccount, account=account.address, neededRole=ADMIN_ROLE
    ):
        _call(registry, function, tenant, takes_reason, account)


def test_an_account_granted_admin_role_makes_admin_transitions(
    registry, admin, second_admin, tenant_owner, tenant_id
):
    registry.grantRole(ADMIN_ROLE, second_admin, sender=admin)

    registry.suspend(tenant_id, REASON, sender=second_admin)

    assert registry.tenant(tenant_id).status == SUSPENDED


def test_a_revoked_admin_can_no_longer_suspend(registry, admin, second_admin, tenant_id, reverts):
    registry.grantRole(ADMIN_ROLE, second_admin, sender=admin)
    registry.revokeRole(ADMIN_ROLE, second_admin, sender=admin)

    with reverts(
        registry.AccessControlUnauthorizedAccount,
        account=second_admin.address,
        neededRole=ADMIN_ROLE,
    ):
        registry.suspend(tenant_id, REASON, sender=second_admin)


# ------------------------------------------------------------------------------------ close


@pytest.mark.parametrize("status", [PENDING, ACTIVE, SUSPENDED])
def test_owner_closes_a_tenant_from_any_open_status(registry, tenant_owner, tenant_in, status):
    tenant = tenant_in(status, tenant_owner)

    registry.close(tenant, sender=tenant_owner)

    assert registry.tenant(tenant).status == CLOSED


@pytest.mark.parametrize("status", [PENDING, ACTIVE, SUSPENDED])
def test_close_emits_tenant_status_changed_by_the_owner_without_reason(
    registry, tenant_owner, tenant_in, events, expect, status
):
    tenant = tenant_in(status, tenant_owner)
    seq = registry.journal()[0] + 1

    receipt = registry.close(tenant, sender=tenant_owner)

    assert events(receipt, registry) == [
        expect(
            "TenantStatusChanged",
            tenantId=tenant,
            **{"from": status},
            to=CLOSED,
            reasonCode=0,
            by=tenant_owner,
            seq=seq,
        )
    ]


def test_closing_a_closed_tenant_reverts(registry, tenant_owner, tenant_in, reverts):
    tenant = tenant_in(CLOSED, tenant_owner)

    with reverts(registry.RegistryInvalidStatus, tenantId=tenant, status=CLOSED):
        registry.close(tenant, sender=tenant_owner)


def test_closing_an_unknown_tenant_reverts(registry, tenant_owner, reverts):
    with reverts(registry.RegistryUnknownTenant, tenantId=99):
        registry.close(99, sender=tenant_owner)


@pytest.mark.parametrize("who", ["admin", "operator", "provider", "stranger", "other_owner"])
def test_only_the_owner_closes_a_tenant(
    registry, request, tenant_id, operator_expiry, other_tenant_id, reverts, who
):
    account = request.getfixturevalue(who)

    with reverts(registry.RegistryNotTenantOwner, tenantId=tenant_id, caller=account.address):
        registry.close(tenant_id, sender=account)


def test_a_closed_tenant_keeps_its_owner_and_creation_time(registry, tenant_owner, tenant_id):
    before = registry.tenant(tenant_id)

    registry.close(tenant_id, sender=tenant_owner)

    after = registry.tenant(tenant_id)
    assert (after.owner, after.createdAt) == (before.owner, before.createdAt)

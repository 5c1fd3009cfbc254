"""Platform administration: OpenZeppelin AccessControlDefaultAdminRules with a delayed two-step
transfer of the default admin; the default admin grants and revokes ADMIN_ROLE, platform admins
(ADMIN_ROLE) grant and revoke PROVIDER_ROLE.

OpenZeppelin's role events are not journaled; the RoleChanged beside each of them is
(``test_registry_role_journal.py``).
"""

from __future__ import annotations

import pytest
from eth_hash.auto import keccak

ADMIN_ROLE = keccak(b"leasehold.role.admin")
PROVIDER_ROLE = keccak(b"leasehold.role.provider")
DEFAULT_ADMIN_ROLE = b"\x00" * 32
ADMIN_DELAY = 3 * 24 * 3600
ZERO = "0x0000000000000000000000000000000000000000"


def test_deployer_chosen_admin_holds_the_default_admin_and_admin_roles(registry, admin):
    assert registry.defaultAdmin() == admin.address
    assert registry.hasRole(DEFAULT_ADMIN_ROLE, admin)
    assert registry.hasRole(ADMIN_ROLE, admin)


def test_admin_transfer_delay_is_the_one_given_at_deployment(registry):
    assert registry.defaultAdminDelay() == ADMIN_DELAY


def test_initial_admin_may_differ_from_the_deployer(project, admin, second_admin):
    deployed = project.TenantRegistry.deploy(second_admin, 60, sender=admin)

    assert deployed.defaultAdmin() == second_admin.address
    assert deployed.hasRole(ADMIN_ROLE, second_admin)
    assert not deployed.hasRole(ADMIN_ROLE, admin)


def test_deploying_with_the_zero_admin_reverts(project, admin, reverts):
    with reverts(project.TenantRegistry.AccessControlInvalidDefaultAdmin, defaultAdmin=ZERO):
        project.TenantRegistry.deploy(ZERO, 60, sender=admin)


# ------------------------------------------------------------------ two-step admin transfer


def test_default_admin_transfer_takes_effect_when_accepted_after_the_delay(
    registry, admin, second_admin, warp
):
    registry.beginDefaultAdminTransfer(second_admin, sender=admin)
    warp(ADMIN_DELAY + 1)

    registry.acceptDefaultAdminTransfer(sender=second_admin)

    assert registry.defaultAdmin() == second_admin.address
    assert not registry.hasRole(DEFAULT_ADMIN_ROLE, admin)


def test_begin_default_admin_transfer_schedules_it_after_the_delay(
    registry, admin, second_admin, block_time, events, expect
):
    receipt = registry.beginDefaultAdminTransfer(second_admin, sender=admin)

    schedule = block_time(receipt) + ADMIN_DELAY
    assert registry.pendingDefaultAdmin() == (second_admin.address, schedule)
    assert events(receipt, registry) == [
        expect("DefaultAdminTransferScheduled", newAdmin=second_admin, acceptSchedule=schedule)
    ]


def test_accepting_before_the_delay_reverts(registry, admin, second_admin, block_time, reverts):
    receipt = registry.beginDefaultAdminTransfer(second_admin, sender=admin)

    with reverts(
        registry.AccessControlEnforcedDefaultAdminDelay,
        schedule=block_time(receipt) + ADMIN_DELAY,
    ):
        registry.acceptDefaultAdminTransfer(sender=second_admin)


@pytest.mark.parametrize("who", ["admin", "stranger"])
def test_only_the_pending_admin_accepts(registry, admin, second_admin, request, warp, reverts, who):
    registry.beginDefaultAdminTransfer(second_admin, sender=admin)
    warp(ADMIN_DELAY + 1)
    account = request.getfixturevalue(who)

    with reverts(registry.AccessControlInvalidDefaultAdmin, defaultAdmin=account.address):
        registry.acceptDefaultAdminTransfer(sender=account)


def test_a_cancelled_transfer_cannot_be_accepted(registry, admin, second_admin, warp, reverts):
    registry.beginDefaultAdminTransfer(second_admin, sender=admin)
    registry.cancelDefaultAdminTransfer(sender=admin)
    warp(ADMIN_DELAY + 1)

    with reverts(registry.AccessControlInvalidDefaultAdmin, defaultAdmin=second_admin.address):
        registry.acceptDefaultAdminTransfer(sender=second_admin)


@pytest.mark.parametrize("who", ["second_admin", "tenant_owner", "stranger"])
def test_only_the_default_admin_begins_a_transfer(registry, request, second_admin, reverts, who):
    account = request.getfixturevalue(who)

    with reverts(
        registry.AccessControlUnauthorizedAccount,
        account=account.address,
        neededRole=DEFAULT_ADMIN_ROLE,
    ):
        registry.beginDefaultAdminTransfer(second_admin, sender=account)


def test_an_admin_role_holder_cannot_begin_a_default_admin_transfer(
    registry, admin, second_admin, stranger, reverts
):
    registry.grantRole(ADMIN_ROLE, second_admin, sender=admin)

    with reverts(
        registry.AccessControlUnauthorizedAccount,
        account=second_admin.address,
        neededRole=DEFAULT_ADMIN_ROLE,
    ):
        registry.beginDefaultAdminTransfer(stranger, sender=second_admin)


def test_the_new_default_admin_grants_admin_role_to_itself(registry, admin, second_admin, warp):
    registry.beginDefaultAdminTransfer(second_admin, sender=admin)
    warp(ADMIN_DELAY + 1)
    registry.acceptDefaultAdminTransfer(sender=second_admin)

    registry.grantRole(ADMIN_ROLE, second_admin, sender=second_admin)

    assert registry.hasRole(ADMIN_ROLE, second_admin)


# -------------------------------------------------------------------------------- roles


@pytest.mark.parametrize("role", [ADMIN_ROLE, PROVIDER_ROLE], ids=["admin", "provider"])
def test_default_admin_grants_and_revokes_platform_roles(registry, admin, stranger, role):
    registry.grantRole(role, stranger, sender=admin)
    assert registry.hasRole(role, stranger)

    registry.revokeRole(role, stranger, sender=admin)
    assert not registry.hasRole(role, stranger)


@pytest.mark.parametrize("who", ["second_admin", "tenant_owner", "provider", "stranger"])
def test_only_the_default_admin_grants_the_admin_role(
    registry, admin, request, stranger, reverts, who
):
    account = request.getfixturevalue(who)
    if who == "second_admin":
        registry.grantRole(ADMIN_ROLE, account, sender=admin)  # an admin, not the default admin

    with reverts(
        registry.AccessControlUnauthorizedAccount,
        account=account.address,
        neededRole=DEFAULT_ADMIN_ROLE,
    ):
        registry.grantRole(ADMIN_ROLE, stranger, sender=account)


def test_provider_role_is_administered_by_the_admin_role(registry):
    assert registry.getRoleAdmin(PROVIDER_ROLE) == ADMIN_ROLE
    assert registry.getRoleAdmin(ADMIN_ROLE) == DEFAULT_ADMIN_ROLE


def test_a_platform_admin_grants_and_revokes_the_provider_role(
    registry, admin, second_admin, stranger
):
    registry.grantRole(ADMIN_ROLE, second_admin, sender=admin)

    registry.grantRole(PROVIDER_ROLE, stranger, sender=second_admin)
    assert registry.hasRole(PROVIDER_ROLE, stranger)
    registry.revokeRole(PROVIDER_ROLE, stranger, sender=second_admin)
    assert not registry.hasRole(PROVIDER_ROLE, stranger)


@pytest.mark.parametrize("who", ["tenant_owner", "provider", "stranger"])
def test_only_platform_admins_grant_the_provider_role(registry, request, stranger, reverts, who):
    account = request.getfixturevalue(who)

    with reverts(
        registry.AccessControlUnauthorizedAccount,
        account=account.address,
        neededRole=ADMIN_ROLE,
    ):
        registry.grantRole(PROVIDER_ROLE, stranger, sender=account)


def test_the_default_admin_role_cannot_be_granted_directly(registry, admin, stranger, reverts):
    with reverts(registry.AccessControlEnforcedDefaultAdminRules):
        registry.grantRole(DEFAULT_ADMIN_ROLE, stranger, sender=admin)


def test_role_changes_are_journaled_and_a_pending_transfer_is_not(registry, admin, stranger):
    seq, _ = registry.journal()

    registry.grantRole(PROVIDER_ROLE, stranger, sender=admin)
    assert registry.journal()[0] == seq + 1  # a role change: RoleChanged, journaled
    registry.beginDefaultAdminTransfer(stranger, sender=admin)

    assert registry.journal()[0] == seq + 1  # no role changed hands yet

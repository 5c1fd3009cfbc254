"""The role and admin-delay functions TenantRegistry inherits from OpenZeppelin's
AccessControlDefaultAdminRules: their events, who may call them, and their errors.

(Granting, the two-step default-admin transfer and its delay at deployment are in
``test_registry_admin.py``.)
"""

from __future__ import annotations

import pytest
from eth_hash.auto import keccak

ADMIN_ROLE = keccak(b"leasehold.role.admin")
PROVIDER_ROLE = keccak(b"leasehold.role.provider")
DEFAULT_ADMIN_ROLE = b"\x00" * 32
ADMIN_DELAY = 3 * 24 * 3600
DAY = 24 * 3600
NOT_ADMINS = ["second_admin", "tenant_owner", "provider", "stranger"]


def _unauthorized(registry, reverts, account):
    return reverts(
        registry.AccessControlUnauthorizedAccount,
        account=account.address,
        neededRole=DEFAULT_ADMIN_ROLE,
    )


# ----------------------------------------------------------------------------- grant / revoke


def test_granting_a_role_emits_role_granted(registry, admin, stranger, events, expect):
    receipt = registry.grantRole(PROVIDER_ROLE, stranger, sender=admin)

    assert events(receipt, registry) == [
        expect("RoleGranted", role=PROVIDER_ROLE, account=stranger, sender=admin),
        expect("RoleChanged", role=PROVIDER_ROLE, account=stranger, granted=True, sender=admin,
               seq=registry.journal()[0]),
    ]  # fmt: skip


def test_revoking_a_role_emits_role_revoked(registry, admin, provider, events, expect):
    receipt = registry.revokeRole(PROVIDER_ROLE, provider, sender=admin)

    assert events(receipt, registry) == [
        expect("RoleRevoked", role=PROVIDER_ROLE, account=provider, sender=admin),
        expect("RoleChanged", role=PROVIDER_ROLE, account=provider, granted=False, sender=admin,
               seq=registry.journal()[0]),
    ]  # fmt: skip
    assert not registry.hasRole(PROVIDER_ROLE, provider)


@pytest.mark.parametrize("who", NOT_ADMINS)
def test_only_the_default_admin_revokes_the_admin_role(
    registry, admin, second_admin, request, reverts, who
):
    registry.grantRole(ADMIN_ROLE, second_admin, sender=admin)  # the admin to revoke, and a caller
    account = request.getfixturevalue(who)

    with _unauthorized(registry, reverts, account):
        registry.revokeRole(ADMIN_ROLE, second_admin, sender=account)


@pytest.mark.parametrize("who", ["tenant_owner", "provider", "stranger"])
def test_only_platform_admins_revoke_the_provider_role(registry, provider, request, reverts, who):
    account = request.getfixturevalue(who)

    with reverts(
        registry.AccessControlUnauthorizedAccount, account=account.address, neededRole=ADMIN_ROLE
    ):
        registry.revokeRole(PROVIDER_ROLE, provider, sender=account)


def test_a_role_holder_renounces_its_own_role(registry, provider, events, expect):
    receipt = registry.renounceRole(PROVIDER_ROLE, provider, sender=provider)

    assert not registry.hasRole(PROVIDER_ROLE, provider)
    assert events(receipt, registry) == [
        expect("RoleRevoked", role=PROVIDER_ROLE, account=provider, sender=provider),
        expect("RoleChanged", role=PROVIDER_ROLE, account=provider, granted=False,
               sender=provider, seq=registry.journal()[0]),
    ]  # fmt: skip


@pytest.mark.parametrize("who", ["admin", "stranger"])
def test_nobody_renounces_a_role_for_another_account(registry, provider, request, reverts, who):
    with reverts(registry.AccessControlBadConfirmation):
        registry.renounceRole(PROVIDER_ROLE, provider, sender=request.getfixturevalue(who))

    assert registry.hasRole(PROVIDER_ROLE, provider)


# -------------------------------------------------------------------------- transfer cancel


def test_cancelling_a_transfer_emits_default_admin_transfer_canceled(
    registry, admin, second_admin, events, expect
):
    registry.beginDefaultAdminTransfer(second_admin, sender=admin)

    receipt = registry.cancelDefaultAdminTransfer(sender=admin)

    assert events(receipt, registry) == [expect("DefaultAdminTransferCanceled")]
    assert registry.pendingDefaultAdmin() == ("0x" + "00" * 20, 0)


@pytest.mark.parametrize("who", NOT_ADMINS)
def test_only_the_default_admin_cancels_a_transfer(
    registry, admin, second_admin, request, reverts, who
):
    registry.beginDefaultAdminTransfer(second_admin, sender=admin)
    account = request.getfixturevalue(who)

    with _unauthorized(registry, reverts, account):
        registry.cancelDefaultAdminTransfer(sender=account)

    assert registry.pendingDefaultAdmin()[0] == second_admin.address


# ---------------------------------------------------------------------------- admin delay


def test_shortening_the_delay_takes_effect_after_the_difference(
    registry, admin, warp, block_time, events, expect
):
    receipt = registry.changeDefaultAdminDelay(DAY, sender=admin)
    effect = block_time(receipt) + (ADMIN_DELAY - DAY)

    assert events(receipt, registry) == [
        expect("DefaultAdminDelayChangeScheduled", newDelay=DAY, effectSchedule=effect)
    ]
    assert registry.pendingDefaultAdminDelay() == (DAY, effect)
    assert registry.defaultAdminDelay() == ADMIN_DELAY
    warp(ADMIN_DELAY - DAY + 1)
    assert registry.defaultAdminDelay() == DAY


def test_lengthening_the_delay_waits_at_most_the_increase_wait(registry, admin, block_time):
    wait = registry.defaultAdminDelayIncreaseWait()
    receipt = registry.changeDefaultAdminDelay(30 * DAY, sender=admin)

    assert registry.pendingDefaultAdminDelay() == (
        30 * DAY,
        block_time(receipt) + min(30 * DAY, wait),
    )


def test_a_scheduled_delay_change_can_be_rolled_back(registry, admin, warp, events, expect):
    registry.changeDefaultAdminDelay(DAY, sender=admin)

    receipt = registry.rollbackDefaultAdminDelay(sender=admin)

    assert events(receipt, registry) == [expect("DefaultAdminDelayChangeCanceled")]
    assert registry.pendingDefaultAdminDelay() == (0, 0)
    warp(ADMIN_DELAY)
    assert registry.defaultAdminDelay() == ADMIN_DELAY


@pytest.mark.parametrize("who", NOT_ADMINS)
def test_only_the_default_admin_changes_the_delay(registry, request, reverts, who):
    account = request.getfixturevalue(who)

    with _unauthorized(registry, reverts, account):
        registry.changeDefaultAdminDelay(DAY, sender=account)


@pytest.mark.parametrize("who", NOT_ADMINS)
def test_only_the_default_admin_rolls_back_a_delay_change(registry, admin, request, reverts, who):
    registry.changeDefaultAdminDelay(DAY, sender=admin)
    account = request.getfixturevalue(who)

    with _unauthorized(registry, reverts, account):
        registry.rollbackDefaultAdminDelay(sender=account)

    assert registry.pendingDefaultAdminDelay()[0] == DAY


def test_delay_changes_are_not_journaled(registry, admin):
    before = registry.journal()

    registry.changeDefaultAdminDelay(DAY, sender=admin)
    registry.rollbackDefaultAdminDelay(sender=admin)

    assert registry.journal() == before

"""Role changes are journaled: every grant, revocation and renunciation emits ``RoleChanged`` with
the next ``seq`` beside OpenZeppelin's event, and the journal head follows (issue 13, case 3: the
journal then covers every state change of the registry, so a mirror that missed a role fails its
journal check). The gas a role change costs with its journal entry is measured here too.
"""

from __future__ import annotations

from eth_hash.auto import keccak

PROVIDER_ROLE = keccak(b"leasehold.role.provider")
MARKET_ROLE = keccak(b"leasehold.role.market")
ADMIN_ROLE = keccak(b"leasehold.role.admin")
DEFAULT_ADMIN_ROLE = b"\x00" * 32
ADMIN_DELAY = 3 * 24 * 3600


def test_deployment_journals_both_admin_roles(project, admin):
    registry = project.TenantRegistry.deploy(admin, ADMIN_DELAY, sender=admin)
    seq, _ = registry.journal()
    assert seq == 2  # DEFAULT_ADMIN_ROLE and ADMIN_ROLE, both to the admin


def test_grant_and_revoke_emit_role_changed_with_the_next_seq(
    registry, admin, stranger, events, expect, journal
):
    tracker = journal(registry)
    start = tracker.state.seq
    granted = registry.grantRole(PROVIDER_ROLE, stranger, sender=admin)
    assert events(granted, registry) == [
        expect("RoleGranted", role=PROVIDER_ROLE, account=stranger, sender=admin),
        expect("RoleChanged", role=PROVIDER_ROLE, account=stranger, granted=True, sender=admin,
               seq=start + 1),
    ]  # fmt: skip
    revoked = registry.revokeRole(PROVIDER_ROLE, stranger, sender=admin)
    assert events(revoked, registry) == [
        expect("RoleRevoked", role=PROVIDER_ROLE, account=stranger, sender=admin),
        expect("RoleChanged", role=PROVIDER_ROLE, account=stranger, granted=False, sender=admin,
               seq=start + 2),
    ]  # fmt: skip
    assert tracker.apply(granted) + tracker.apply(revoked) == [start + 1, start + 2]
    assert tracker.matches()


def test_renouncing_is_journaled_and_a_change_that_changes_nothing_is_not(
    registry, admin, provider, stranger, events, journal
):
    tracker = journal(registry)
    start = tracker.state.seq
    again = registry.grantRole(PROVIDER_ROLE, provider, sender=admin)  # held already
    nothing = registry.revokeRole(PROVIDER_ROLE, stranger, sender=admin)  # never held
    assert events(again, registry) == events(nothing, registry) == []
    renounced = registry.renounceRole(PROVIDER_ROLE, provider, sender=provider)
    assert tracker.apply(renounced) == [start + 1]
    assert tracker.matches()
    assert not registry.hasRole(PROVIDER_ROLE, provider)


def test_the_journal_head_follows_a_mix_of_role_and_tenant_changes(
    registry, admin, stranger, tenant_owner, journal
):
    tracker = journal(registry)
    receipts = [
        registry.grantRole(MARKET_ROLE, stranger, sender=admin),
        registry.register("ipfs://r", b"\x07" * 32, sender=tenant_owner),
        registry.grantRole(PROVIDER_ROLE, tenant_owner, sender=admin),
        registry.revokeRole(MARKET_ROLE, stranger, sender=admin),
    ]
    seqs = [seq for receipt in receipts for seq in tracker.apply(receipt)]
    assert seqs == list(range(seqs[0], seqs[0] + 4))
    assert tracker.matches()


def test_role_change_gas_with_its_journal_entry(registry, admin, stranger):
    granted = registry.grantRole(PROVIDER_ROLE, stranger, sender=admin)
    revoked = registry.revokeRole(PROVIDER_ROLE, stranger, sender=admin)
    print(f"\ngrantRole {granted.gas_used} gas, revokeRole {revoked.gas_used} gas")
    # A role slot, the journal word and two events: bounded so a regression shows.
    assert granted.gas_used < 70_000
    assert revoked.gas_used < 50_000

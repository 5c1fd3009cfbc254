"""Operators: the owner grants and revokes them with an expiry; isAuthorized answers who may act.

``isAuthorized(tenant, account)`` is true when the tenant is Active and the account is its owner or
an operator whose expiry lies after the latest block's timestamp (a grant authorizes while
``block.timestamp < expiresAt``).
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

PENDING, ACTIVE, SUSPENDED, CLOSED = 1, 2, 3, 4
ZERO = "0x0000000000000000000000000000000000000000"
HOUR = 3600


# ---------------------------------------------------------------------------- grantOperator


def test_owner_grants_an_operator_until_an_expiry(registry, tenant_owner, operator, tenant_id, now):
    expiry = now() + HOUR

    registry.grantOperator(tenant_id, operator, expiry, sender=tenant_owner)

    assert registry.operatorExpiry(tenant_id, operator) == expiry
    assert registry.isAuthorized(tenant_id, operator)


def test_grant_operator_emits_operator_granted(
    registry, tenant_owner, operator, tenant_id, now, events, expect
):
    expiry = now() + HOUR
    seq = registry.journal()[0] + 1

    receipt = registry.grantOperator(tenant_id, operator, expiry, sender=tenant_owner)

    assert events(receipt, registry) == [
        expect(
            "OperatorGranted",
            tenantId=tenant_id,
            operator=operator,
            expiresAt=expiry,
            seq=seq,
        )
    ]


@pytest.mark.parametrize("delta", [HOUR, -HOUR // 2])
def test_a_regrant_replaces_the_expiry(
    registry, tenant_owner, operator, tenant_id, operator_expiry, delta
):
    registry.grantOperator(
        tenant_id,
        operator,
        operator_expiry + delta,
        sender=tenant_owner,
    )

    assert registry.operatorExpiry(tenant_id, operator) == operator_expiry + delta


@pytest.mark.parametrize("status", [PENDING, SUSPENDED])
def test_owner_grants_operators_while_pending_or_suspended(
    registry, tenant_owner, operator, tenant_in, now, status
):
    tenant = tenant_in(status, tenant_owner)

    registry.grantOperator(tenant, operator, now() + HOUR, sender=tenant_owner)

    assert registry.operatorExpiry(tenant, operator) > 0


@pytest.mark.parametrize("offset", [0, -1, -HOUR])
def test_granting_with_an_expiry_not_in_the_future_reverts(
    registry, tenant_owner, operator, tenant_id, chain, reverts, offset
):
    block_time = int(chain.pending_timestamp)  # the time the transaction's block will carry

    with reverts(
        registry.RegistryExpiryInPast, expiresAt=block_time + offset, nowTimestamp=block_time
    ):
        registry.grantOperator(
            tenant_id,
            operator,
            block_time + offset,
            sender=tenant_owner,
        )


def test_granting_the_zero_address_reverts(registry, tenant_owner, tenant_id, now, reverts):
    with reverts(registry.RegistryZeroAddress):
        registry.grantOperator(
            tenant_id,
            ZERO,
            now() + HOUR,
            sender=tenant_owner,
        )


def test_granting_for_a_closed_tenant_reverts(
    registry, tenant_owner, operator, tenant_in, now, reverts
):
    tenant = tenant_in(CLOSED, tenant_owner)

    with reverts(registry.RegistryInvalidStatus, tenantId=tenant, status=CLOSED):
        registry.grantOperator(
            tenant,
            operator,
            now() + HOUR,
            sender=tenant_owner,
        )


def test_granting_for_an_unknown_tenant_reverts(registry, tenant_owner, operator, now, reverts):
    with reverts(registry.RegistryUnknownTenant, tenantId=99):
        registry.grantOperator(99, operator, now() + HOUR, sender=tenant_owner)


@pytest.mark.parametrize("who", ["admin", "operator", "stranger", "other_owner"])
def test_only_the_owner_grants_operators(
    registry, request, tenant_id, operator_expiry, other_tenant_id, stranger, now, reverts, who
):
    account = request.getfixturevalue(who)

    with reverts(registry.RegistryNotTenantOwner, tenantId=tenant_id, caller=account.address):
        registry.grantOperator(
            tenant_id,
            stranger,
            now() + HOUR,
            sender=account,
        )


# --------------------------------------------------------------------------- revokeOperator


def test_owner_revokes_an_operator(registry, tenant_owner, operator, tenant_id, operator_expiry):
    registry.revokeOperator(tenant_id, operator, sender=tenant_owner)

    assert registry.operatorExpiry(tenant_id, operator) == 0
    assert not registry.isAuthorized(tenant_id, operator)


def test_revoke_operator_emits_operator_revoked(
    registry, tenant_owner, operator, tenant_id, operator_expiry, events, expect
):
    seq = registry.journal()[0] + 1

    receipt = registry.revokeOperator(tenant_id, operator, sender=tenant_owner)

    assert events(receipt, registry) == [
        expect("OperatorRevoked", tenantId=tenant_id, operator=operator, seq=seq)
    ]


def test_owner_revokes_an_expired_operator(
    registry, tenant_owner, operator, tenant_id, operator_expiry, warp
):
    warp(2 * 365 * 24 * HOUR)

    registry.revokeOperator(tenant_id, operator, sender=tenant_owner)

    assert registry.operatorExpiry(tenant_id, operator) == 0


def test_owner_revokes_operators_of_a_closed_tenant(
    registry, tenant_owner, operator, tenant_id, operator_expiry
):
    registry.close(tenant_id, sender=tenant_owner)

    registry.revokeOperator(tenant_id, operator, sender=tenant_owner)

    assert registry.operatorExpiry(tenant_id, operator) == 0


def test_revoking_an_account_that_is_not_an_operator_reverts(
    registry, tenant_owner, stranger, tenant_id, reverts
):
    with reverts(registry.RegistryNotOperator, tenantId=tenant_id, operator=stranger.address):
        registry.revokeOperator(tenant_id, stranger, sender=tenant_owner)


def test_revoking_twice_reverts(
    registry, tenant_owner, operator, tenant_id, operator_expiry, reverts
):
    registry.revokeOperator(tenant_id, operator, sender=tenant_owner)

    with reverts(registry.RegistryNotOperator, tenantId=tenant_id, operator=operator.address):
        registry.revokeOperator(tenant_id, operator, sender=tenant_owner)


def test_revoking_for_an_unknown_tenant_reverts(registry, tenant_owner, operator, reverts):
    with reverts(registry.RegistryUnknownTenant, tenantId=99):
        registry.revokeOperator(99, operator, sender=tenant_owner)


@pytest.mark.parametrize("who", ["admin", "operator", "stranger", "other_owner"])
def test_only_the_owner_revokes_operators(
    registry, request, tenant_id, operator, operator_expiry, other_tenant_id, reverts, who
):
    account = request.getfixturevalue(who)

    with reverts(registry.RegistryNotTenantOwner, tenantId=tenant_id, caller=account.address):
        registry.revokeOperator(tenant_id, operator, sender=account)


# ------------------------------------------------------------------------------ isAuthorized


@pytest.mark.parametrize(
    ("status", "expected"), [(PENDING, False), (ACTIVE, True), (SUSPENDED, False), (CLOSED, False)]
)
def test_owner_is_authorized_only_while_the_tenant_is_active(
    registry, tenant_owner, tenant_in, status, expected
):
    tenant = tenant_in(status, tenant_owner)

    assert registry.isAuthorized(tenant, tenant_owner) is expected


@pytest.mark.parametrize(
    ("status", "expected"), [(ACTIVE, True), (SUSPENDED, False), (CLOSED, False)]
)
def test_operator_is_authorized_only_while_the_tenant_is_active(
    registry, admin, tenant_owner, operator, tenant_id, operator_expiry, status, expected
):
    if status == SUSPENDED:
        registry.suspend(tenant_id, 1, sender=admin)
    elif status == CLOSED:
        registry.close(tenant_id, sender=tenant_owner)

    assert registry.isAuthorized(tenant_id, operator) is expected


def test_an_operator_of_one_tenant_is_not_authorized_for_another(
    registry, operator, operator_expiry, other_tenant_id
):
    assert not registry.isAuthorized(other_tenant_id, operator)


@pytest.mark.parametrize("who", ["stranger", "admin", "other_owner"])
def test_accounts_that_are_neither_owner_nor_operator_are_not_authorized(
    registry, request, tenant_id, other_tenant_id, who
):
    assert not registry.isAuthorized(tenant_id, request.getfixturevalue(who))


def test_nobody_is_authorized_for_an_unknown_tenant(registry, tenant_owner):
    assert not registry.isAuthorized(99, tenant_owner)
    assert not registry.isAuthorized(99, ZERO)


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(lifetime=st.integers(1, 10**6), elapsed=st.integers(0, 2 * 10**6))
@example(lifetime=1, elapsed=0)
@example(lifetime=100, elapsed=99)
@example(lifetime=100, elapsed=100)
@example(lifetime=100, elapsed=101)
def test_an_operator_is_authorized_exactly_until_its_expiry(
    chain, registry, tenant_owner, operator, tenant_id, lifetime, elapsed
):
    snapshot = chain.snapshot()
    try:
        start = int(chain.pending_timestamp)  # the grant's block time
        registry.grantOperator(
            tenant_id,
            operator,
            start + lifetime,
            sender=tenant_owner,
        )
        if elapsed:
            chain.mine(timestamp=start + elapsed)  # only views follow: no transaction after it

        assert registry.isAuthorized(tenant_id, operator) is (elapsed < lifetime)
    finally:
        chain.restore(snapshot)

"""Native ETH deployments: payouts to contracts that refuse ether or call back into the market."""

from __future__ import annotations

import ape
import pytest
from _market import ANY_PRICE, HOUR, MIN_DURATION, PRICE, PROVIDER_ROLE, ZERO_ADDRESS
from eth_hash.auto import keccak

GUARD_ERROR = keccak(b"ReentrancyGuardReentrantCall()")[:4]
GPU = b"gpu.h100".ljust(32, b"\x00")


@pytest.fixture
def eth_market(project, registry, admin):
    return project.LeaseMarket.deploy(registry, ZERO_ADDRESS, sender=admin)


@pytest.fixture
def receiver(mocks, admin):
    return mocks["MaliciousReceiver"].deploy(sender=admin)


@pytest.fixture
def receiver_tenant(registry, receiver, eth_market, stranger) -> int:
    """A tenant owned by the receiver contract, with 1,000 wei of free escrow."""
    receipt = receiver.execute(
        registry, registry.register.encode_input("ipfs://contract", b"\x44" * 32), sender=stranger
    )
    tenant = int(receipt.events.filter(registry.TenantRegistered)[0].tenantId)
    eth_market.deposit(tenant, 1_000, sender=stranger, value=1_000)
    return tenant


def _call(receiver, target, data, sender):
    return receiver.execute(target, data, sender=sender)


def test_withdraw_to_a_contract_that_refuses_ether_reverts(
    eth_market, tenant_id, tenant_owner, receiver, reverts
):
    eth_market.deposit(tenant_id, 1_000, sender=tenant_owner, value=1_000)
    receiver.refuse(sender=tenant_owner)
    with reverts(eth_market.MarketTransferFailed, to=receiver, amount=400):
        eth_market.withdraw(tenant_id, 400, receiver, sender=tenant_owner)
    assert eth_market.account(tenant_id) == (1_000, 0)


def test_an_owner_reentering_withdraw_from_its_payout_is_paid_once(
    eth_market, receiver, receiver_tenant, stranger
):
    withdraw = eth_market.withdraw.encode_input(receiver_tenant, 400, receiver)
    receiver.arm(eth_market, withdraw, False, sender=stranger)
    _call(receiver, eth_market, withdraw, stranger)
    assert (receiver.attempted(), receiver.succeeded()) == (True, False)
    assert bytes(receiver.returned()) == GUARD_ERROR
    assert eth_market.account(receiver_tenant) == (600, 0)
    assert receiver.balance == 400
    assert eth_market.balance == 600


def test_a_recipient_that_fails_on_the_refused_reentry_fails_the_whole_withdrawal(
    eth_market, receiver, receiver_tenant, stranger, reverts_via
):
    withdraw = eth_market.withdraw.encode_input(receiver_tenant, 400, receiver)
    receiver.arm(eth_market, withdraw, True, sender=stranger)
    with reverts_via(eth_market, eth_market.MarketTransferFailed, to=receiver, amount=400):
        _call(receiver, eth_market, withdraw, stranger)
    assert eth_market.account(receiver_tenant) == (1_000, 0)


@pytest.mark.parametrize("reentry", ["openLease", "releaseLease", "extendLease", "reclaim"])
def test_lease_functions_cannot_run_inside_a_payout(
    eth_market, registry, admin, receiver, receiver_tenant, stranger, reentry
):
    registry.setQuota(receiver_tenant, GPU, 4, sender=admin)
    registry.grantRole(PROVIDER_ROLE, stranger, sender=admin)
    eth_market.createPool(GPU, 4, 1, MIN_DURATION, HOUR, sender=stranger)
    opened = _call(
        receiver,
        eth_market,
        eth_market.openLease.encode_input(receiver_tenant, 1, 1, MIN_DURATION, ANY_PRICE),
        stranger,
    )
    lease = int(opened.events.filter(eth_market.LeaseOpened)[0].leaseId)
    data = {
        "openLease": eth_market.openLease.encode_input(
            receiver_tenant, 1, 1, MIN_DURATION, ANY_PRICE
        ),
        "releaseLease": eth_market.releaseLease.encode_input(lease),
        "extendLease": eth_market.extendLease.encode_input(lease, 60, ANY_PRICE),
        "reclaim": eth_market.reclaim.encode_input([lease]),
    }[reentry]
    receiver.arm(eth_market, data, False, sender=stranger)
    _call(
        receiver,
        eth_market,
        eth_market.withdraw.encode_input(receiver_tenant, 10, receiver),
        stranger,
    )
    assert (receiver.attempted(), receiver.succeeded()) == (True, False)
    assert bytes(receiver.returned()) == GUARD_ERROR


def test_a_provider_reentering_claim_from_its_payout_is_paid_once(
    eth_market, registry, admin, receiver, tenant_id, tenant_owner, stranger, chain
):
    registry.grantRole(PROVIDER_ROLE, receiver, sender=admin)
    registry.setQuota(tenant_id, GPU, 4, sender=admin)
    _call(
        receiver,
        eth_market,
        eth_market.createPool.encode_input(GPU, 4, PRICE, MIN_DURATION, HOUR),
        stranger,
    )
    eth_market.deposit(tenant_id, PRICE * HOUR, sender=tenant_owner, value=PRICE * HOUR)
    opened = eth_market.openLease(tenant_id, 1, 1, HOUR, ANY_PRICE, sender=tenant_owner)
    lease = int(opened.events.filter(eth_market.LeaseOpened)[0].leaseId)
    chain.mine(timestamp=eth_market.lease(lease).end)
    claim = eth_market.claim.encode_input(receiver, [lease])
    receiver.arm(eth_market, eth_market.claim.encode_input(receiver, []), False, sender=stranger)
    _call(receiver, eth_market, claim, stranger)
    assert (receiver.attempted(), receiver.succeeded()) == (True, False)
    assert bytes(receiver.returned()) == GUARD_ERROR
    assert receiver.balance == PRICE * HOUR
    assert eth_market.balance == 0


def test_a_provider_that_refuses_ether_keeps_its_claimable_balance(
    eth_market, registry, admin, receiver, tenant_id, tenant_owner, stranger, chain, reverts_via
):
    registry.grantRole(PROVIDER_ROLE, receiver, sender=admin)
    registry.setQuota(tenant_id, GPU, 4, sender=admin)
    _call(
        receiver,
        eth_market,
        eth_market.createPool.encode_input(GPU, 4, PRICE, MIN_DURATION, HOUR),
        stranger,
    )
    eth_market.deposit(tenant_id, PRICE * HOUR, sender=tenant_owner, value=PRICE * HOUR)
    opened = eth_market.openLease(tenant_id, 1, 1, HOUR, ANY_PRICE, sender=tenant_owner)
    lease = int(opened.events.filter(eth_market.LeaseOpened)[0].leaseId)
    chain.mine(timestamp=eth_market.lease(lease).end)
    eth_market.reclaim([lease], sender=stranger)
    receiver.refuse(sender=stranger)
    with reverts_via(eth_market, eth_market.MarketTransferFailed, to=receiver, amount=PRICE * HOUR):
        _call(receiver, eth_market, eth_market.claim.encode_input(receiver, []), stranger)
    assert eth_market.claimable(receiver) == PRICE * HOUR


def test_ether_sent_without_a_deposit_is_refused(eth_market, stranger):
    with ape.reverts():  # no receive or fallback function: a revert without data
        stranger.transfer(eth_market, 1)
    assert eth_market.balance == 0

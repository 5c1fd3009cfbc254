"""The client's LeaseMarket surface: escrow, pools, leases, earnings, decoded reverts."""

from __future__ import annotations

import pytest

from offchain.chain.market import CloseReason, Escrow, LeaseStatus, Pool, PoolStatus
from offchain.chain.values import (
    PROVIDER_ROLE,
    UNLIMITED_ALLOWANCE,
    UNLIMITED_DURATION,
    ZERO_ADDRESS,
    resource_class,
)
from offchain.exceptions import ContractRevertError, UnknownLeaseError, UnknownPoolError
from offchain.mirror.entities import OperatorLimits

GPU = resource_class("gpu.h100")
PRICE = 10**9
HOUR = 3600


def test_create_pool_returns_its_id_and_reads_back(as_provider, client, provider):
    pool_id = as_provider.market.create_pool(GPU, 4, PRICE, HOUR, 10 * HOUR).created
    assert client.market.pool(pool_id) == Pool(
        pool_id=pool_id,
        provider=provider.address,
        resource_class=GPU,
        capacity=4,
        allocated=0,
        price_per_unit_second=PRICE,
        min_duration=HOUR,
        max_duration=10 * HOUR,
        status=PoolStatus.OPEN,
    )
    assert client.market.pool_count() == pool_id


def test_unknown_pool_raises_unknown_pool_error(client):
    with pytest.raises(UnknownPoolError, match="unknown pool 77"):
        client.market.pool(77)


def test_unknown_lease_raises_unknown_lease_error(client):
    with pytest.raises(UnknownLeaseError, match="unknown lease 77"):
        client.market.lease(77)


def test_deposit_in_eth_credits_free_escrow(as_owner, client, tenant_id):
    as_owner.market.deposit(tenant_id, 5 * 10**17)
    assert client.market.escrow(tenant_id) == Escrow(free=5 * 10**17, reserved=0)


def test_open_lease_reserves_its_cost_and_allocates_units(as_owner, client, funded, pool_id):
    result = as_owner.market.open_lease(funded, pool_id, 2, HOUR)
    lease = client.market.lease(result.created)
    assert (lease.tenant_id, lease.pool_id, lease.units, lease.status) == (
        funded,
        pool_id,
        2,
        LeaseStatus.ACTIVE,
    )
    assert lease.end - lease.start == HOUR
    assert client.market.pool(pool_id).allocated == 2
    assert client.market.escrow(funded).reserved == 2 * PRICE * HOUR
    assert client.market.active_units(funded, GPU) == 2


def test_lease_id_is_the_seq_of_its_lease_opened_event(as_owner, funded, pool_id):
    result = as_owner.market.open_lease(funded, pool_id, 1, HOUR)
    event = result.event("LeaseOpened")
    assert result.created == event.args["leaseId"] == event.args["seq"]


def test_extend_moves_the_end_at_the_locked_price(as_owner, as_provider, client, funded, pool_id):
    lease_id = as_owner.market.open_lease(funded, pool_id, 1, HOUR).created
    as_provider.market.set_pool_price(pool_id, PRICE * 3)
    before = client.market.lease(lease_id)
    result = as_owner.market.extend_lease(lease_id, HOUR)
    assert client.market.lease(lease_id).end == before.end + HOUR
    assert result.event("LeaseExtended").args["cost"] == PRICE * HOUR


def test_release_closes_the_lease_as_released_by_tenant(as_owner, client, funded, pool_id):
    lease_id = as_owner.market.open_lease(funded, pool_id, 1, HOUR).created
    as_owner.market.release_lease(lease_id)
    lease = client.market.lease(lease_id)
    assert (lease.status, lease.close_reason) == (
        LeaseStatus.CLOSED,
        CloseReason.RELEASED_BY_TENANT,
    )
    assert client.market.pool(pool_id).allocated == 0


def test_provider_terminates_and_claims(as_owner, as_provider, client, funded, pool_id, provider):
    lease_id = as_owner.market.open_lease(funded, pool_id, 1, HOUR).created
    as_provider.market.terminate_lease(lease_id, 9)
    assert client.market.lease(lease_id).close_reason == CloseReason.TERMINATED_BY_PROVIDER
    owed = client.market.claimable(provider.address)
    result = as_provider.market.claim()
    assert result.event("EarningsClaimed").args["amount"] == owed


def test_expired_lease_is_reclaimed_by_anyone(
    as_owner, as_stranger, client, funded, pool_id, chain
):
    lease_id = as_owner.market.open_lease(funded, pool_id, 1, HOUR).created
    chain.pending_timestamp += HOUR + 1
    as_stranger.market.reclaim([lease_id])
    assert client.market.lease(lease_id).close_reason == CloseReason.EXPIRED
    assert client.market.remaining(lease_id).seconds_left == 0


def test_pool_pause_unpause_and_retire(as_provider, client, pool_id):
    as_provider.market.pause_pool(pool_id)
    assert client.market.pool(pool_id).status == PoolStatus.PAUSED
    as_provider.market.unpause_pool(pool_id)
    as_provider.market.set_pool_capacity(pool_id, 20)
    as_provider.market.retire_pool(pool_id)
    pool = client.market.pool(pool_id)
    assert (pool.status, pool.capacity) == (PoolStatus.RETIRED, 20)


def test_owner_withdraws_free_escrow(as_owner, client, funded, tenant_owner):
    as_owner.market.withdraw(funded, 10**17, tenant_owner.address)
    assert client.market.escrow(funded).free == 9 * 10**17


# ---------------------------------------------------------------------------- decoded reverts


def test_opening_beyond_escrow_names_needed_and_available(as_admin, as_owner, client, pool_id):
    tenant_id = as_owner.registry.register("ipfs://poor", b"\x00" * 32).created
    as_admin.registry.set_quota(tenant_id, GPU, 1)
    assert client.market.escrow(tenant_id).free == 0
    with pytest.raises(ContractRevertError) as caught:
        as_owner.market.open_lease(tenant_id, pool_id, 1, HOUR)
    assert (caught.value.contract, caught.value.error, caught.value.arguments) == (
        "LeaseMarket",
        "MarketInsufficientEscrow",
        {"tenantId": tenant_id, "needed": PRICE * HOUR, "available": 0},
    )


def test_stranger_cannot_create_a_pool(as_stranger, stranger):
    with pytest.raises(ContractRevertError) as caught:
        as_stranger.market.create_pool(GPU, 1, PRICE, HOUR, HOUR)
    assert (caught.value.error, caught.value.arguments) == (
        "MarketNotProvider",
        {"caller": stranger.address},
    )


def test_quota_overflow_names_the_class_and_the_quota(as_owner, funded, pool_id):
    with pytest.raises(ContractRevertError) as caught:
        as_owner.market.open_lease(funded, pool_id, 9, HOUR)
    assert (caught.value.error, caught.value.arguments) == (
        "LeaseQuotaExceeded",
        {"tenantId": funded, "resourceClass": GPU, "requested": 9, "quota": 8},
    )


def test_stranger_cannot_release_a_lease(as_owner, as_stranger, funded, pool_id, stranger):
    lease_id = as_owner.market.open_lease(funded, pool_id, 1, HOUR).created
    with pytest.raises(ContractRevertError) as caught:
        as_stranger.market.release_lease(lease_id)
    assert caught.value.arguments == {"tenantId": funded, "caller": stranger.address}


def test_paused_pool_status_is_named_in_the_revert(as_owner, as_provider, funded, pool_id):
    as_provider.market.pause_pool(pool_id)
    with pytest.raises(ContractRevertError) as caught:
        as_owner.market.open_lease(funded, pool_id, 1, HOUR)
    assert caught.value.arguments == {"poolId": pool_id, "status": PoolStatus.PAUSED}
    assert str(caught.value).endswith(f"PoolInvalidStatus(poolId={pool_id}, status=Paused)")


def test_market_limits_and_asset_read_as_deployed(client):
    assert client.market.max_batch() == 100
    assert client.market.max_price_changes() == 2**16 - 1
    assert client.market.asset() == "0x" + "00" * 20
    assert client.market.asset_symbol() == "ETH"


# -------------------------------------------------------------- price protection and operators


def test_open_lease_accepts_the_quoted_price_by_default(
    as_owner, as_provider, client, funded, pool_id
):
    as_provider.market.set_pool_price(pool_id, PRICE * 2)
    lease_id = as_owner.market.open_lease(funded, pool_id, 1, HOUR).created
    assert client.market.lease(lease_id).price_per_unit_second == PRICE * 2


def test_a_price_above_the_accepted_maximum_is_refused(as_owner, as_provider, funded, pool_id):
    as_provider.market.set_pool_price(pool_id, PRICE * 2)
    with pytest.raises(ContractRevertError) as caught:
        as_owner.market.open_lease(funded, pool_id, 1, HOUR, max_price=PRICE)
    assert (caught.value.error, caught.value.arguments) == (
        "LeasePriceAboveMax",
        {"poolId": pool_id, "pricePerUnitSecond": PRICE * 2, "maxPricePerUnitSecond": PRICE},
    )


def test_extend_refuses_a_maximum_below_the_locked_price(as_owner, funded, pool_id):
    lease_id = as_owner.market.open_lease(funded, pool_id, 1, HOUR).created
    with pytest.raises(ContractRevertError) as caught:
        as_owner.market.extend_lease(lease_id, HOUR, max_price=PRICE - 1)
    assert caught.value.error == "LeasePriceAboveMax"


def test_an_operator_spends_its_allowance_and_is_named_the_opener(
    as_owner, as_operator, client, funded, pool_id, operator, tenant_owner, w3
):
    expiry = w3.eth.get_block("latest")["timestamp"] + 10 * HOUR
    as_owner.market.set_operator_limits(funded, operator.address, 3 * PRICE * HOUR, 2 * HOUR)
    as_owner.registry.grant_operator(funded, operator.address, expiry)
    by_operator = as_operator.market.open_lease(funded, pool_id, 1, HOUR).created
    by_owner = as_owner.market.open_lease(funded, pool_id, 1, HOUR).created
    assert client.market.operator_limits(funded, operator.address) == OperatorLimits(
        2 * PRICE * HOUR, 2 * HOUR
    )
    assert client.market.lease_opener(by_operator) == operator.address
    assert client.market.lease_opener(by_owner) == tenant_owner.address


def test_an_operator_beyond_its_longest_lease_is_refused(
    as_owner, as_operator, funded, pool_id, operator, w3
):
    expiry = w3.eth.get_block("latest")["timestamp"] + 10 * HOUR
    as_owner.market.set_operator_limits(funded, operator.address, max_duration=HOUR)
    as_owner.registry.grant_operator(funded, operator.address, expiry)
    with pytest.raises(ContractRevertError) as caught:
        as_operator.market.open_lease(funded, pool_id, 1, 2 * HOUR)
    assert caught.value.error == "MarketOperatorDurationExceeded"


def test_an_operator_without_limits_set_is_unlimited(client, funded, stranger):
    assert client.market.operator_limits(funded, stranger.address) == OperatorLimits(
        UNLIMITED_ALLOWANCE, UNLIMITED_DURATION
    )


def test_the_opener_of_an_unknown_lease_is_an_unknown_lease_error(client):
    with pytest.raises(UnknownLeaseError):
        client.market.lease_opener(77)


# ------------------------------------------------------------------- payout and provider handover


def test_earnings_are_paid_to_the_payout_address_which_may_claim(
    as_owner, as_provider, as_stranger, client, funded, pool_id, provider, stranger, w3
):
    as_provider.market.set_payout_address(stranger.address)
    assert client.market.payout_address(provider.address) == stranger.address
    lease_id = as_owner.market.open_lease(funded, pool_id, 1, HOUR).created
    as_provider.market.terminate_lease(lease_id, 1)
    owed = client.market.claimable(provider.address)
    before = w3.eth.get_balance(stranger.address)
    result = as_stranger.market.claim(provider=provider.address)
    assert result.event("EarningsClaimed").args == {
        "provider": provider.address,
        "to": stranger.address,
        "amount": owed,
        "seq": result.event("EarningsClaimed").args["seq"],
    }
    paid_gas = result.gas_used * w3.eth.get_transaction(result.tx_hash)["gasPrice"]
    assert w3.eth.get_balance(stranger.address) == before + owed - paid_gas
    assert client.market.claimable(provider.address) == 0


def test_the_payout_address_defaults_to_the_provider(client, pool_id, provider):
    assert client.market.payout_address(provider.address) == provider.address


def test_a_handover_moves_the_pools_and_earnings_to_the_new_provider(
    as_admin, as_owner, as_provider, as_stranger, client, funded, pool_id, provider, stranger
):
    lease_id = as_owner.market.open_lease(funded, pool_id, 1, HOUR).created
    as_provider.market.terminate_lease(lease_id, 1)
    owed = client.market.claimable(provider.address)
    as_admin.registry.grant_role(PROVIDER_ROLE, stranger.address)
    as_provider.market.propose_provider_handover(stranger.address)
    assert client.market.pending_provider_handover(provider.address) == stranger.address
    as_stranger.market.accept_provider_handover(provider.address)
    assert client.market.pool(pool_id).provider == stranger.address
    assert (
        client.market.claimable(provider.address),
        client.market.claimable(stranger.address),
    ) == (
        0,
        owed,
    )
    assert client.market.pending_provider_handover(provider.address) == ZERO_ADDRESS
    assert client.market.payout_address(stranger.address) == stranger.address

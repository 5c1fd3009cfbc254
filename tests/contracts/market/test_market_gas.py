"""Gas budgets of the lease market's hot paths, as receipt gas on Anvil (the issue's table).

Each test builds the scenario the budget names and asserts the receipt's gas; run with
``ape test tests/contracts/market/test_market_gas.py -m anvil --network ethereum:local:foundry -s``
to see the figures. Time is set explicitly before each measured transaction so accrual is non-zero
whatever Anvil's clock does. The payment asset is native ETH: the lease paths do not touch it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from _market import ANY_PRICE, GPU, HOUR, MAX_DURATION, MIN_DURATION, PRICE, ZERO_ADDRESS

pytestmark = pytest.mark.anvil

AMOUNT = 10**18 - 1  # deposits without a zero byte (calldata at its most), as bench/gas.py sends

BUDGETS = {
    "openLease": 120_000,
    "extendLease": 50_000,
    "releaseLease": 70_000,
    "claim per lease": 15_000,
    "deposit": 50_000,
}


@pytest.fixture
def gas_market(project, registry, admin):
    return project.LeaseMarket.deploy(registry, ZERO_ADDRESS, sender=admin)


@pytest.fixture
def scene(gas_market, registry, admin, provider, tenant_id, tenant_owner, chain) -> dict[str, Any]:
    """A funded tenant with a GPU quota of 1,000 and a GPU pool of 1,000 units."""
    registry.setQuota(tenant_id, GPU, 1_000, sender=admin)
    gas_market.createPool(GPU, 1_000, PRICE, MIN_DURATION, MAX_DURATION, sender=provider)
    gas_market.deposit(tenant_id, 10**18, sender=tenant_owner, value=10**18)
    return {"market": gas_market, "tenant": int(tenant_id), "pool": 1}


@pytest.fixture
def advance(chain) -> Callable[[int], None]:
    def go(seconds: int) -> None:
        chain.mine(timestamp=int(chain.blocks.head.timestamp) + seconds)

    return go


def _open(market: Any, tenant: int, pool: int, owner: Any) -> tuple[int, int]:
    receipt = market.openLease(tenant, pool, 1, HOUR, ANY_PRICE, sender=owner)
    return int(receipt.events.filter(market.LeaseOpened)[0].leaseId), int(receipt.gas_used)


def _report(name: str, gas: float) -> None:
    print(f"\nGAS {name}: {gas:,.0f}")


def test_deposit_of_ether_topping_up_an_account_is_within_budget(
    gas_market, tenant_id, other_tenant_id, other_owner, tenant_owner, stranger
):
    gas_market.deposit(other_tenant_id, 1, sender=other_owner, value=1)  # the journal's first write
    first = gas_market.deposit(tenant_id, AMOUNT, sender=tenant_owner, value=AMOUNT).gas_used
    top_up = gas_market.deposit(tenant_id, AMOUNT, sender=stranger, value=AMOUNT).gas_used
    _report("deposit (first credit to the tenant: a new storage slot)", first)
    _report("deposit (top-up)", top_up)
    assert top_up <= BUDGETS["deposit"]


def test_open_lease_is_within_budget_for_a_first_and_a_repeated_class(scene, tenant_owner):
    market, tenant, pool = scene["market"], scene["tenant"], scene["pool"]
    _, first = _open(market, tenant, pool, tenant_owner)
    _, repeated = _open(market, tenant, pool, tenant_owner)
    _report("openLease (tenant's first lease in the class)", first)
    _report("openLease (class already held)", repeated)
    assert max(first, repeated) <= BUDGETS["openLease"]


def test_open_lease_by_a_limited_operator_is_within_budget(
    scene, registry, tenant_owner, operator, chain, advance
):
    """The worst case of openLease: an operator with a limited allowance and longest lease (its
    limits set in the market, then the grant), opening the tenant's first lease in the class."""
    market, tenant, pool = scene["market"], scene["tenant"], scene["pool"]
    market.setOperatorLimits(tenant, operator, AMOUNT, MAX_DURATION, sender=tenant_owner)
    expiry = int(chain.blocks.head.timestamp) + 365 * 24 * HOUR
    registry.grantOperator(tenant, operator, expiry, sender=tenant_owner)
    lease, first = _open(market, tenant, pool, operator)
    advance(10)
    extend = market.extendLease(lease, 600, ANY_PRICE, sender=operator).gas_used
    _report("openLease by a limited operator (tenant's first lease in the class)", first)
    _report("extendLease by a limited operator (no budget of its own)", extend)
    assert first <= BUDGETS["openLease"]


def test_extend_lease_is_within_budget(scene, tenant_owner, advance):
    market, tenant, pool = scene["market"], scene["tenant"], scene["pool"]
    lease, _ = _open(market, tenant, pool, tenant_owner)
    advance(10)
    gas = market.extendLease(lease, 600, ANY_PRICE, sender=tenant_owner).gas_used
    _report("extendLease", gas)
    assert gas <= BUDGETS["extendLease"]


def test_release_lease_with_a_provider_already_owed_is_within_budget(scene, tenant_owner, advance):
    market, tenant, pool = scene["market"], scene["tenant"], scene["pool"]
    first, _ = _open(market, tenant, pool, tenant_owner)
    second, _ = _open(market, tenant, pool, tenant_owner)
    _open(market, tenant, pool, tenant_owner)  # the tenant keeps units in the class: no refund
    advance(100)
    market.releaseLease(first, sender=tenant_owner)  # the provider's claimable becomes non-zero
    advance(10)
    gas = market.releaseLease(second, sender=tenant_owner).gas_used
    _report("releaseLease (provider already has a claimable balance)", gas)
    assert gas <= BUDGETS["releaseLease"]


@pytest.mark.parametrize("tenants", ["one tenant", "a tenant per lease"])
def test_claim_costs_at_most_the_budget_per_extra_lease(
    scene, registry, admin, provider, tenant_owner, accounts, advance, chain, tenants
):
    market, tenant, pool = scene["market"], scene["tenant"], scene["pool"]
    leases = []
    for i in range(6):
        if tenants == "one tenant":
            leases.append(_open(market, tenant, pool, tenant_owner)[0])
            continue
        owner = accounts[8 if i % 2 else 9] if i else tenant_owner
        other = int(
            registry.register(f"ipfs://t{i}", b"\x55" * 32, sender=owner)
            .events.filter(registry.TenantRegistered)[0]
            .tenantId
        )
        registry.setQuota(other, GPU, 10, sender=admin)
        market.deposit(other, 10**16, sender=owner, value=10**16)
        leases.append(_open(market, other, pool, owner)[0])
    advance(100)
    snapshot = chain.snapshot()
    one = market.claim(provider, leases[:1], sender=provider).gas_used
    chain.restore(snapshot)
    six = market.claim(provider, leases, sender=provider).gas_used
    marginal = (six - one) / 5
    _report(f"claim marginal per lease ({tenants})", marginal)
    assert marginal <= BUDGETS["claim per lease"]

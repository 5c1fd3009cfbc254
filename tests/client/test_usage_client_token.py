"""UsageClient on an ERC-20 deployment: opening and topping up a budget approve the ledger first,
and the ledger holds the tokens (its balance is the oracle)."""

from __future__ import annotations

from pathlib import Path

import pytest
from _client_setup import GPU, PRICE, signer
from ape import compilers
from ape.contracts import ContractContainer

from offchain.chain.client import Addresses, LeaseholdClient
from offchain.chain.usage import Meter

MOCK = Path(__file__).resolve().parents[2] / "contracts" / "test" / "MockERC20.sol"
DAY = 24 * 3600
BUDGET = 10**15


@pytest.fixture(scope="session")
def token_stack(project, contracts, admin):
    """A second market paid in MockERC20 with its UsageLedger, on the same registry."""
    (compiled,) = [c for c in compilers.compile([MOCK], project=project) if c.name == "MockERC20"]
    token = ContractContainer(compiled).deploy(sender=admin)
    registry = contracts["TenantRegistry"]
    market = project.LeaseMarket.deploy(registry, token, sender=admin)
    ledger = project.UsageLedger.deploy(market, sender=admin)
    addresses = Addresses(
        registry.address, contracts["DataAnchor"].address, market.address, ledger.address
    )
    return token, ledger, addresses


def test_open_and_top_up_approve_the_ledger(w3, token_stack, tenant_id, tenant_owner, provider):
    token, ledger, addresses = token_stack
    owner = LeaseholdClient(w3, addresses, signer(tenant_owner))
    seller = LeaseholdClient(w3, addresses, signer(provider))
    token.mint(tenant_owner, 10**18, sender=tenant_owner)
    owner.market.deposit(tenant_id, 10**17)
    pool = seller.market.create_pool(GPU, 4, PRICE, 3600, 2 * DAY).created
    seller.usage.publish_schedule(pool, 3600, [Meter("gpu.seconds", 10**9, 1)])
    lease = owner.market.open_lease(tenant_id, pool, 1, DAY).created
    owner.usage.open_budget(lease, BUDGET)
    assert int(token.balanceOf(ledger)) == BUDGET
    owner.usage.fund_budget(lease, 5)
    assert int(token.balanceOf(ledger)) == BUDGET + 5
    assert int(ledger.budget(lease).remaining) == BUDGET + 5

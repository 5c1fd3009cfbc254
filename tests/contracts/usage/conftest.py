"""UsageLedger fixtures: an ETH market with the standard GPU pool, a funded tenant, a metered
schedule (GPU-seconds capped at one per leased unit-second, and inference tokens), a running lease
with a usage budget, and an arbiter.

Function-scoped like the market suite's state (``tests/contracts/market/conftest.py``): each test
starts from the chain snapshot ``tests/conftest.py`` takes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from _usage import (
    ANY_PRICE,
    ARBITER_ROLE,
    BUDGET,
    DAY,
    GPU,
    GPU_PRICE,
    GPU_SECONDS,
    HOUR,
    LEASE_PRICE,
    TOKEN_PRICE,
    TOKENS,
    UNITS,
    WINDOW,
    ZERO_ADDRESS,
)
from eth_hash.auto import keccak


@pytest.fixture(scope="session")
def arbiter(accounts):
    return accounts[8]


@pytest.fixture(scope="session")
def market(project, registry, admin):
    return project.LeaseMarket.deploy(registry, ZERO_ADDRESS, sender=admin)


@pytest.fixture(scope="session")
def ledger(project, market, registry, admin, arbiter):
    contract = project.UsageLedger.deploy(market, sender=admin)
    registry.grantRole(ARBITER_ROLE, arbiter, sender=admin)
    return contract


@pytest.fixture
def pool_id(market, registry, admin, tenant_id, tenant_owner, provider) -> int:
    """The GPU pool, with the tenant funded and allowed 8 GPUs."""
    registry.setQuota(tenant_id, GPU, 8, sender=admin)
    market.deposit(tenant_id, 10**20, sender=tenant_owner, value=10**20)
    receipt = market.createPool(GPU, 10, LEASE_PRICE, 60, 30 * DAY, sender=provider)
    return int(receipt.events.filter(market.PoolCreated)[0].poolId)


@pytest.fixture
def schedule_id(ledger, pool_id, provider) -> int:
    receipt = ledger.publishSchedule(
        pool_id, WINDOW, [GPU_SECONDS, TOKENS], [GPU_PRICE, TOKEN_PRICE], [1, 0], sender=provider
    )
    return int(receipt.events.filter(ledger.SchedulePublished)[0].scheduleId)


@pytest.fixture
def lease_id(market, ledger, tenant_id, pool_id, schedule_id, tenant_owner) -> int:
    """A running lease of UNITS GPUs for a day with a budget of BUDGET."""
    receipt = market.openLease(tenant_id, pool_id, UNITS, DAY, ANY_PRICE, sender=tenant_owner)
    lease = int(receipt.events.filter(market.LeaseOpened)[0].leaseId)
    ledger.openBudget(lease, BUDGET, [GPU_PRICE, TOKEN_PRICE], sender=tenant_owner, value=BUDGET)
    return lease


@pytest.fixture
def post(ledger, provider, warp) -> Callable[..., Any]:
    """Post the next hour of usage for a lease (from its billed end); return the receipt."""

    def go(lease: int, gpu_seconds: int, tokens: int, sender: Any = provider) -> Any:
        start = int(ledger.budget(lease).billedUntil)
        warp(HOUR)
        root = keccak(f"records {lease} {start}".encode())
        statement = (lease, start, start + HOUR, [gpu_seconds, tokens], root, 3)
        return ledger.postStatement(statement, sender=sender)

    return go


@pytest.fixture(scope="session")
def statement_of(ledger) -> Callable[[Any], int]:
    """The statement id a posting receipt created."""
    return lambda receipt: int(receipt.events.filter(ledger.StatementPosted)[0].statementId)

"""Deployments and role-named accounts shared by the on-chain tests.

ape isolates every test in a chain snapshot, so session-scoped deployments start each test fresh.
"""

from __future__ import annotations

import pytest
from eth_hash.auto import keccak

ADMIN_ROLE = keccak(b"leasehold.role.admin")
PROVIDER_ROLE = keccak(b"leasehold.role.provider")
ADMIN_DELAY = 3 * 24 * 3600


@pytest.fixture(scope="session")
def admin(accounts):
    return accounts[0]


@pytest.fixture(scope="session")
def tenant_owner(accounts):
    return accounts[1]


@pytest.fixture(scope="session")
def operator(accounts):
    return accounts[2]


@pytest.fixture(scope="session")
def provider(accounts):
    return accounts[3]


@pytest.fixture(scope="session")
def stranger(accounts):
    return accounts[4]


@pytest.fixture(scope="session")
def other_owner(accounts):
    return accounts[5]


@pytest.fixture(scope="session")
def registry(project, admin, provider):
    contract = project.TenantRegistry.deploy(admin, ADMIN_DELAY, sender=admin)
    contract.grantRole(PROVIDER_ROLE, provider, sender=admin)
    return contract


@pytest.fixture(scope="session")
def tenant_id(registry, tenant_owner):
    """An Active tenant (the registry starts with the Open policy)."""
    receipt = registry.register("ipfs://tenant-1", b"\x11" * 32, sender=tenant_owner)
    # Read the id from the event: eth-tester's return_value replays the call on the new state.
    return receipt.events.filter(registry.TenantRegistered)[0].tenantId

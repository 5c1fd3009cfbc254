"""A full deployment driven through the web3.py client on the in-process chain.

ape deploys (it is the test harness); everything after goes through :mod:`offchain.chain.client`,
signing locally with the test accounts' keys exactly as a user's script would."""

from __future__ import annotations

import pytest
from _client_setup import ADMIN_DELAY, DAY, GPU, PRICE, signer

from offchain.chain.client import Addresses, LeaseholdClient
from offchain.chain.manifest import packaged_abi_sha256
from offchain.chain.values import ARBITER_ROLE, PROVIDER_ROLE


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
def contracts(project, admin, provider):
    registry = project.TenantRegistry.deploy(admin, ADMIN_DELAY, sender=admin)
    anchor = project.DataAnchor.deploy(registry, sender=admin)
    market = project.LeaseMarket.deploy(registry, "0x" + "00" * 20, sender=admin)
    registry.grantRole(PROVIDER_ROLE, provider, sender=admin)
    return {"TenantRegistry": registry, "DataAnchor": anchor, "LeaseMarket": market}


@pytest.fixture(scope="session")
def deployment(contracts):
    return Addresses(
        registry=contracts["TenantRegistry"].address,
        anchor=contracts["DataAnchor"].address,
        market=contracts["LeaseMarket"].address,
    )


@pytest.fixture(scope="session")
def manifest_document(contracts, chain):
    """What scripts/deploy.py records for this deployment."""
    entries = {}
    for name, contract in contracts.items():
        receipt = chain.get_receipt(contract.txn_hash)
        entries[name] = {
            "address": contract.address,
            "deployBlock": receipt.block_number,
            "deployBlockHash": chain.provider.web3.eth.get_block(receipt.block_number)[
                "hash"
            ].to_0x_hex(),
            "deployTx": receipt.txn_hash,
            "abiSha256": packaged_abi_sha256(name),
        }
    return {"schema": 1, "chainId": chain.chain_id, "contracts": entries}


@pytest.fixture(scope="session")
def w3(chain):
    return chain.provider.web3


@pytest.fixture(scope="session")
def client(w3, deployment):
    """A read-only client."""
    return LeaseholdClient(w3, deployment)


@pytest.fixture(scope="session")
def as_admin(client, admin):
    return client.using(signer(admin))


@pytest.fixture(scope="session")
def as_owner(client, tenant_owner):
    return client.using(signer(tenant_owner))


@pytest.fixture(scope="session")
def as_operator(client, operator):
    return client.using(signer(operator))


@pytest.fixture(scope="session")
def as_provider(client, provider):
    return client.using(signer(provider))


@pytest.fixture(scope="session")
def as_stranger(client, stranger):
    return client.using(signer(stranger))


@pytest.fixture(scope="session")
def tenant_id(as_owner, as_admin):
    """An Active tenant with a GPU quota of 8 units."""
    tenant = as_owner.registry.register("ipfs://tenant-1", b"\x11" * 32).created
    as_admin.registry.set_quota(tenant, GPU, 8)
    return tenant


@pytest.fixture(scope="session")
def pool_id(as_provider):
    """An Open pool of 10 GPU units, leases from 1 hour to 30 days."""
    return as_provider.market.create_pool(GPU, 10, PRICE, 3600, 30 * DAY).created


@pytest.fixture(scope="session")
def funded(as_owner, tenant_id):
    """The tenant with 1 ETH of free escrow."""
    as_owner.market.deposit(tenant_id, 10**18)
    return tenant_id


# ----------------------------------------------------------------------- the usage ledger


@pytest.fixture(scope="session")
def arbiter(accounts):
    return accounts[5]


@pytest.fixture(scope="session")
def ledger(project, contracts, admin, arbiter):
    """``UsageLedger(market)``, as scripts/deploy.py deploys it, with ARBITER_ROLE granted."""
    contract = project.UsageLedger.deploy(contracts["LeaseMarket"], sender=admin)
    contracts["TenantRegistry"].grantRole(ARBITER_ROLE, arbiter, sender=admin)
    return contract


@pytest.fixture(scope="session")
def usage_deployment(deployment, ledger):
    """The deployment with its ledger (the plain ``deployment`` has none)."""
    return Addresses(
        registry=deployment.registry,
        anchor=deployment.anchor,
        market=deployment.market,
        usage_ledger=ledger.address,
    )


@pytest.fixture(scope="session")
def usage_client(w3, usage_deployment):
    """A read-only client of the deployment with its ledger."""
    return LeaseholdClient(w3, usage_deployment)

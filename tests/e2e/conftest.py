"""Anvil, the three contracts and a manifest for mirror end-to-end tests.

The mirror's tests here need Anvil (``ape test tests/e2e -m anvil --network
ethereum:local:foundry``) and are marked ``anvil`` module by module. ape isolates
each test in an Anvil snapshot (evm_snapshot / evm_revert), so a mirror started in one test sees a
chain that starts at the session's deployment.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from _mirror_chain import ADMIN_DELAY, PROVIDER_ROLE, ZERO, fast_config
from _oracle import assert_mirror_equals_chain

from offchain.chain.abi import CONTRACTS
from offchain.chain.manifest import Manifest, load_manifest, packaged_abi_sha256
from offchain.mirror.mirror import Mirror


@pytest.fixture(scope="session")
def admin(accounts: Any) -> Any:
    return accounts[0]


@pytest.fixture(scope="session")
def tenant_owner(accounts: Any) -> Any:
    return accounts[1]


@pytest.fixture(scope="session")
def operator(accounts: Any) -> Any:
    return accounts[2]


@pytest.fixture(scope="session")
def provider(accounts: Any) -> Any:
    return accounts[3]


@pytest.fixture(scope="session")
def stranger(accounts: Any) -> Any:
    return accounts[4]


@pytest.fixture(scope="session")
def rpc_url(chain: Any) -> str:
    return str(chain.provider.http_uri)


@pytest.fixture(scope="session")
def ws_url(chain: Any) -> str:
    return str(chain.provider.ws_uri)


@pytest.fixture(scope="session")
def contracts(project: Any, admin: Any, provider: Any) -> dict[str, Any]:
    registry = project.TenantRegistry.deploy(admin, ADMIN_DELAY, sender=admin)
    anchor = project.DataAnchor.deploy(registry, sender=admin)
    market = project.LeaseMarket.deploy(registry, ZERO, sender=admin)
    registry.grantRole(PROVIDER_ROLE, provider, sender=admin)
    return {"TenantRegistry": registry, "DataAnchor": anchor, "LeaseMarket": market}


@pytest.fixture(scope="session")
def manifest_path(
    contracts: dict[str, Any], chain: Any, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """The manifest scripts/deploy.py would write for this deployment."""
    entries = {}
    for name in CONTRACTS:
        contract = contracts[name]
        receipt = chain.provider.get_receipt(contract.txn_hash)
        block = chain.provider.web3.eth.get_block(receipt.block_number)
        entries[name] = {
            "address": contract.address,
            "deployBlock": receipt.block_number,
            "deployBlockHash": block["hash"].to_0x_hex(),
            "deployTx": receipt.txn_hash,
            "abiSha256": packaged_abi_sha256(name),
        }
    entries["LeaseMarket"]["asset"] = ZERO
    document = {
        "schema": 1,
        "chainId": chain.chain_id,
        "network": "ethereum:local:foundry",
        "deployer": chain.provider.get_receipt(contracts["TenantRegistry"].txn_hash).sender,
        "createdAt": "2026-11-23T19:40:00Z",
        "compiler": {"name": "solc", "version": "0.8.28", "evmVersion": "cancun"},
        "contracts": entries,
    }
    path = tmp_path_factory.mktemp("deployments") / f"{chain.chain_id}.json"
    path.write_text(json.dumps(document, indent=1))
    return path


@pytest.fixture(scope="session")
def manifest(manifest_path: Path) -> Manifest:
    return load_manifest(manifest_path)


@pytest.fixture
def make_mirror(manifest: Manifest, rpc_url: str) -> Iterator[Any]:
    """Build mirrors that are stopped at the end of the test."""
    made: list[Mirror] = []

    def make(urls: list[str] | str | None = None, **overrides: Any) -> Mirror:
        mirror = Mirror(manifest, urls or rpc_url, config=fast_config(**overrides))
        made.append(mirror)
        return mirror

    yield make
    for mirror in made:
        mirror.stop(snapshot=False)


@pytest.fixture
def oracle(chain: Any, contracts: dict[str, Any], accounts: Any) -> Any:
    """``oracle(mirror, digests=())``: the whole state equals the chain's at the mirror's block."""

    def check(mirror: Mirror, digests: Any = ()) -> None:
        assert_mirror_equals_chain(mirror, chain, contracts, accounts, digests)

    return check

"""scripts/deploy.py: deploys the four contracts (the usage ledger beside the market), writes
deployments/<chain id>.json atomically, refuses to replace a manifest without --force. Functions on
the in-process chain; the ape command end to end on Anvil."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from offchain.chain.manifest import load_manifest
from offchain.chain.values import ARBITER_ROLE, MARKET_ROLE

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from scripts import deploy  # noqa: E402

ZERO = "0x0000000000000000000000000000000000000000"
DELAY = 3600


@pytest.fixture(scope="module")
def token(project, accounts):
    """An ERC-20 to pay leases with (contracts/test/MockERC20.sol, compiled by path)."""
    from ape import compilers
    from ape.contracts import ContractContainer

    [mock] = compilers.compile([ROOT / "contracts" / "test" / "MockERC20.sol"], project=project)
    return ContractContainer(mock).deploy(sender=accounts[0])


@pytest.fixture(scope="module")
def document(project, chain, accounts, token):
    """One deployment by accounts[0] with accounts[6] as admin, and its manifest document."""
    return deploy.deploy_all(
        project,
        chain,
        accounts[0],
        admin=accounts[6].address,
        admin_delay=DELAY,
        asset=token.address,
        network="ethereum:local:test",
    )


def test_the_manifest_records_every_contract_with_its_deployment(document, chain):
    entries = document["contracts"]

    assert sorted(entries) == ["DataAnchor", "LeaseMarket", "TenantRegistry", "UsageLedger"]
    for entry in entries.values():
        receipt = chain.get_receipt(entry["deployTx"])
        assert (entry["deployBlock"], receipt.contract_address) == (
            receipt.block_number,
            entry["address"],
        )
        assert (
            entry["deployBlockHash"] == "0x" + bytes(chain.blocks[entry["deployBlock"]].hash).hex()
        )


def test_the_manifest_states_chain_deployer_compiler_and_time(document, chain, accounts):
    assert (document["schema"], document["chainId"], document["network"], document["deployer"]) == (
        1,
        chain.chain_id,
        "ethereum:local:test",
        accounts[0].address,
    )
    assert document["compiler"] == {
        "name": "solc",
        "version": "0.8.28",
        "evmVersion": "cancun",
        "optimizer": {"enabled": True, "runs": 10000},
    }
    assert document["createdAt"].endswith("Z")


def test_contracts_are_wired_to_the_registry_with_the_given_admin_delay_and_asset(
    document, project, accounts, token
):
    entries = document["contracts"]
    registry = project.TenantRegistry.at(entries["TenantRegistry"]["address"])
    anchor = project.DataAnchor.at(entries["DataAnchor"]["address"])
    market = project.LeaseMarket.at(entries["LeaseMarket"]["address"])

    assert (registry.defaultAdmin(), registry.defaultAdminDelay()) == (accounts[6].address, DELAY)
    assert anchor.registry() == market.registry() == registry.address
    assert market.asset() == entries["LeaseMarket"]["asset"] == token.address


def test_the_deployment_grants_no_market_role(document, project):
    """Operators' limits live in the market: the registry gives it no role."""
    entries = document["contracts"]
    registry = project.TenantRegistry.at(entries["TenantRegistry"]["address"])
    assert not registry.hasRole(MARKET_ROLE, entries["LeaseMarket"]["address"])


def test_the_written_manifest_is_accepted_by_the_mirrors_reader(document, tmp_path):
    path = deploy.write_manifest(document, tmp_path)

    manifest = load_manifest(path)  # also checks abiSha256 against the packaged ABIs

    assert path.name == f"{document['chainId']}.json"
    core = {n: e["address"] for n, e in document["contracts"].items() if n != "UsageLedger"}
    assert manifest.addresses == core  # what the mirror follows
    assert manifest.usage_ledger == document["contracts"]["UsageLedger"]["address"]


def test_a_manifest_without_the_usage_ledger_still_loads(document, tmp_path):
    older = {**document, "contracts": dict(document["contracts"])}
    del older["contracts"]["UsageLedger"]
    path = deploy.write_manifest(older, tmp_path)

    manifest = load_manifest(path)

    assert manifest.usage_ledger is None
    assert sorted(manifest.contracts) == ["DataAnchor", "LeaseMarket", "TenantRegistry"]


def test_the_usage_ledger_meters_the_deployed_market(document, project):
    entries = document["contracts"]
    ledger = project.UsageLedger.at(entries["UsageLedger"]["address"])

    assert ledger.market() == entries["LeaseMarket"]["address"]
    assert ledger.registry() == entries["TenantRegistry"]["address"]
    assert ledger.asset() == entries["LeaseMarket"]["asset"]


def test_an_arbiter_is_granted_its_role_only_when_named(document, project, chain, accounts):
    registry = project.TenantRegistry.at(document["contracts"]["TenantRegistry"]["address"])
    assert not registry.hasRole(ARBITER_ROLE, accounts[7].address)

    named = deploy.deploy_all(project, chain, accounts[0], arbiter=accounts[7].address)

    registry = project.TenantRegistry.at(named["contracts"]["TenantRegistry"]["address"])
    assert registry.hasRole(ARBITER_ROLE, accounts[7].address)


def test_an_existing_manifest_is_not_replaced_without_force(document, tmp_path):
    path = deploy.write_manifest(document, tmp_path)
    path.write_text("{}")

    with pytest.raises(deploy.ManifestExistsError, match="pass --force"):
        deploy.write_manifest(document, tmp_path)
    assert path.read_text() == "{}"


def test_force_replaces_an_existing_manifest(document, tmp_path):
    path = deploy.write_manifest(document, tmp_path)
    path.write_text("{}")

    deploy.write_manifest(document, tmp_path, force=True)

    assert json.loads(path.read_text()) == document


def test_writing_leaves_no_temporary_file(document, tmp_path):
    deploy.write_manifest(document, tmp_path)
    deploy.write_manifest(document, tmp_path, force=True)

    assert [p.name for p in tmp_path.iterdir()] == [f"{document['chainId']}.json"]


def test_the_existing_manifest_is_refused_before_anything_is_deployed(tmp_path, chain):
    (tmp_path / f"{chain.chain_id}.json").write_text("{}")

    with pytest.raises(deploy.ManifestExistsError):
        deploy.check_can_write(deploy.manifest_path(tmp_path, chain.chain_id), force=False)


def test_a_stale_packaged_abi_stops_the_deployment(project, chain, accounts, monkeypatch, tmp_path):
    abi_dir = tmp_path / "offchain" / "chain" / "abi"
    abi_dir.mkdir(parents=True)
    for name in ("TenantRegistry", "DataAnchor", "LeaseMarket"):
        (abi_dir / f"{name}.json").write_bytes(
            (ROOT / "offchain" / "chain" / "abi" / f"{name}.json").read_bytes()
        )
    (abi_dir / "DataAnchor.json").write_text("[]\n")
    monkeypatch.setattr(deploy, "ROOT", tmp_path)
    before = chain.blocks.head.number

    with pytest.raises(deploy.StaleAbiError, match=r"DataAnchor.*run 'make abi'"):
        deploy.deploy_all(project, chain, accounts[0])
    assert chain.blocks.head.number == before


# ------------------------------------------------------------------------------- ape run (Anvil)


def _ape_run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(ROOT / ".venv" / "bin" / "ape"), "run", "deploy", "contracts", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.mark.anvil
def test_ape_run_deploy_writes_a_manifest_for_anvil_then_refuses_to_replace_it(tmp_path):
    common = (
        "--network",
        "ethereum:local:foundry",
        "--account",
        "TEST::0",
        "--out-dir",
        str(tmp_path),
    )

    first = _ape_run(*common)
    second = _ape_run(*common)

    assert first.returncode == 0, first.stdout + first.stderr
    manifest = load_manifest(tmp_path / "31337.json")
    assert (manifest.network, manifest.asset) == ("ethereum:local:foundry", ZERO)
    assert second.returncode != 0
    assert "pass --force" in second.stdout + second.stderr


@pytest.mark.anvil
def test_ape_run_deploy_with_force_replaces_the_manifest(tmp_path):
    common = (
        "--network",
        "ethereum:local:foundry",
        "--account",
        "TEST::0",
        "--out-dir",
        str(tmp_path),
    )
    _ape_run(*common)
    (tmp_path / "31337.json").write_text("{}")

    forced = _ape_run(*common, "--force", "--admin-delay", "60")

    assert forced.returncode == 0, forced.stdout + forced.stderr
    assert load_manifest(tmp_path / "31337.json").chain_id == 31337

"""``leasehold deploy`` and the operational ape scripts (``ape run tenant|pool|lease|anchor|demo``).

Each test gets a fresh devnet; the ape scripts run as ``ape run ... --network <devnet URL>``, the
way an operator runs them against any network.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from offchain.chain import devnet
from offchain.chain.client import LeaseholdClient
from offchain.demo.runner import ROOT, Stack
from offchain.mirror.entities import TenantStatus

APE = str(ROOT / ".venv" / "bin" / "ape")


@pytest.fixture
def fresh(tmp_path: Path) -> Iterator[Stack]:
    """A devnet with nothing deployed."""
    made = Stack(tmp_path)
    made.start_chain()
    yield made
    made.stop()


@pytest.fixture
def deployed(fresh: Stack) -> Stack:
    fresh.deploy()
    return fresh


def ape_run(stack: Stack, *args: str, account: str | None = "TEST::0") -> str:
    command = [APE, "run", *args, "--network", stack.rpc]
    if account is not None:
        command += ["--account", account]
    if stack.manifest_path is not None and args[0] != "demo":
        command += ["--deployment", str(stack.manifest_path)]
    done = subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_deploy_writes_a_manifest_the_client_accepts(leasehold, fresh, tmp_path):
    result = leasehold(
        "--rpc", fresh.rpc, "deploy", "--out-dir", str(tmp_path / "d"), "--json", chain=False
    )
    assert result.code == 0, result.err
    report = result.json()
    manifest = Path(report["manifest"])
    assert manifest == tmp_path / "d" / "31337.json"
    assert set(json.loads(manifest.read_text())["contracts"]) == {
        "TenantRegistry",
        "DataAnchor",
        "LeaseMarket",
        "UsageLedger",
    }
    fresh.manifest_path = manifest
    assert fresh.client().registry.tenant_count() == 0


def test_deploy_refuses_to_replace_a_manifest_without_force(leasehold, fresh, tmp_path):
    out = str(tmp_path / "d")
    assert leasehold("--rpc", fresh.rpc, "deploy", "--out-dir", out, chain=False).code == 0
    again = leasehold("--rpc", fresh.rpc, "deploy", "--out-dir", out, chain=False)
    assert again.code == 1
    assert again.err.strip().count("\n") == 0
    assert "pass --force to deploy again and replace it" in again.err
    forced = leasehold("--rpc", fresh.rpc, "deploy", "--out-dir", out, "--force", chain=False)
    assert forced.code == 0


def test_deploy_without_a_chain_is_one_line_exit_3(leasehold, tmp_path):
    url = f"http://127.0.0.1:{devnet.free_port()}"
    result = leasehold("--rpc", url, "deploy", "--out-dir", str(tmp_path), chain=False)
    assert result.code == 3
    assert (
        result.err.strip()
        == f"error: no chain answers at {url}: start one with 'leasehold chain up'"
    )


def test_ape_tenant_script_registers_and_the_admin_approves(deployed):
    ape_run(deployed, "tenant", "policy", "approval")
    out = ape_run(deployed, "tenant", "register", "ipfs://via-ape", account="TEST::3")
    assert "tenant 1 registered (Pending)" in out
    ape_run(deployed, "tenant", "approve", "1")
    assert deployed.client().registry.tenant(1).status == TenantStatus.ACTIVE


def test_ape_pool_and_lease_scripts_open_extend_and_release(deployed):
    provider = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"  # development account 1
    ape_run(deployed, "tenant", "provider-role", provider)
    ape_run(deployed, "tenant", "register", "ipfs://t", account="TEST::3")
    ape_run(deployed, "tenant", "quota", "1", "gpu.h100", "4")
    out = ape_run(
        deployed,
        "pool",
        "create",
        "gpu.h100",
        "--capacity",
        "8",
        "--price",
        "1000",
        account="TEST::1",
    )
    assert "pool 1 created" in out
    ape_run(deployed, "lease", "deposit", "1", str(10**17), account="TEST::3")
    out = ape_run(
        deployed, "lease", "open", "1", "1", "--units", "2", "--duration", "7200", account="TEST::3"
    )
    lease_id = int(out.split("lease ")[1].split()[0])
    ape_run(deployed, "lease", "extend", str(lease_id), "--by", "3600", account="TEST::3")
    ape_run(deployed, "lease", "release", str(lease_id), account="TEST::3")
    client: LeaseholdClient = deployed.client()
    lease = client.market.lease(lease_id)
    assert (lease.end - lease.start, lease.status.name) == (3 * 3600, "CLOSED")


def test_ape_lease_script_approves_and_deposits_an_erc20(fresh):
    fresh.deploy(demo_token=True)
    ape_run(fresh, "tenant", "register", "ipfs://t", account="TEST::3")
    client: LeaseholdClient = fresh.client()
    assert client.market.asset_symbol() == "MOCK"

    ape_run(fresh, "lease", "deposit", "1", str(10**17), account="TEST::3")
    ape_run(fresh, "lease", "deposit", "1", str(10**17), account="TEST::4")  # a third party

    assert client.market.escrow(1).free == 2 * 10**17


def test_ape_anchor_script_writes_bundles_that_verify(deployed, leasehold, tmp_path):
    ape_run(deployed, "tenant", "register", "ipfs://t", account="TEST::3")
    folder = tmp_path / "files"
    folder.mkdir()
    for n in range(3):
        (folder / f"f{n}.txt").write_text(f"file {n}")
    out = ape_run(deployed, "anchor", str(folder), "--tenant", "1", account="TEST::3")
    assert "3 files anchored as root 0x" in out
    bundle = tmp_path / "files.bundles" / "f1.txt.bundle.json"
    result = leasehold(
        "--rpc",
        deployed.rpc,
        "--deployment",
        str(deployed.manifest_path),
        "verify",
        str(folder / "f1.txt"),
        "--bundle",
        str(bundle),
        chain=False,
    )
    assert result.code == 0, result.out + result.err


def test_ape_demo_script_plays_the_scenario_on_a_fresh_devnet(fresh, tmp_path):
    out = ape_run(fresh, "demo", "--workdir", str(tmp_path / "demo"), account=None)
    assert "53 transactions" in out  # the scenario's 43 and the metered usage part's 10
    assert "lease 15 (initech-storage): closed, terminated_by_provider" in out


def test_ape_scripts_replace_a_stale_contract_type_cached_for_the_address(
    deployed, tmp_path, monkeypatch
):
    """ape caches a devnet's contract types by address (in its data folder) and merges a given type
    into a cached one. Devnets reuse addresses, so another build of the market cached there (one
    whose ``LeaseOpened`` has another signature) made ``ape run lease open`` fail on its own event;
    the scripts give the project's type in place of the cached one."""
    data = tmp_path / "ape-data"
    cached = data / "ethereum" / "custom" / "contract_types"
    cached.mkdir(parents=True)
    build = json.loads((ROOT / ".build" / "__local__.json").read_text())
    stale = build["contractTypes"]["LeaseMarket"]
    for entry in stale["abi"]:
        if entry.get("name") == "LeaseOpened":
            entry["inputs"].append({"name": "extra", "type": "uint8", "indexed": False})
    market = json.loads(deployed.manifest_path.read_text())["contracts"]["LeaseMarket"]["address"]
    (cached / f"{market}.json").write_text(json.dumps(stale))
    monkeypatch.setenv("APE_DATA_FOLDER", str(data))

    ape_run(deployed, "tenant", "provider-role", "0x70997970C51812dc3A010C7d01b50e0d17dc79C8")
    ape_run(deployed, "tenant", "register", "ipfs://t", account="TEST::3")
    ape_run(deployed, "tenant", "quota", "1", "gpu.h100", "4")
    ape_run(deployed, "pool", "create", "gpu.h100", "--capacity", "8", "--price", "1000",
            account="TEST::1")  # fmt: skip
    ape_run(deployed, "lease", "deposit", "1", str(10**17), account="TEST::3")
    out = ape_run(
        deployed, "lease", "open", "1", "1", "--units", "2", "--duration", "7200", account="TEST::3"
    )

    lease_id = int(out.split("lease ")[1].split()[0])
    lease = deployed.client().market.lease(lease_id)
    assert (lease.tenant_id, lease.pool_id, lease.units) == (1, 1, 2)

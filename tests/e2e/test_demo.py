"""The main job end to end: the demo scenario on Anvil, then the CLI's --json, the API's answers
and an independently synced mirror all equal the chain's views. The scenario runs twice: leases
paid in native ETH, then in an ERC-20.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from typing import Any

import ape
import pytest

from offchain.chain import devnet
from offchain.chain.devnet import dev_account
from offchain.cli import main as leasehold_main
from offchain.demo.runner import ROOT, Stack
from offchain.demo.scenario import ROLES
from offchain.mirror.mirror import Mirror
from offchain.models import (
    AnchorOut,
    EscrowOut,
    LeaseOut,
    OperatorOut,
    PoolOut,
    TenantOut,
    dump,
)

pytestmark = pytest.mark.anvil


@ape.fixture(scope="module", chain_isolation=False, params=["eth", "erc20"])
def stack(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[Stack]:
    made = Stack(tmp_path_factory.mktemp(f"demo-e2e-{request.param}"))
    try:
        made.start_chain()
        made.deploy(demo_token=request.param == "erc20")
        made.play()
        made.serve()
        yield made
    finally:
        made.stop()


@ape.fixture(scope="module", chain_isolation=False)
def chain(stack: Stack) -> Any:
    return stack.client()


@ape.fixture(scope="module", chain_isolation=False)
def mirror_view(stack: Stack) -> Iterator[Any]:
    """A mirror synced in this process, independently of the API's."""
    mirror = Mirror.from_manifest(stack.manifest_path, [stack.rpc])
    try:
        yield mirror.sync()
    finally:
        mirror.stop(snapshot=False)


def cli_json(stack: Stack, capsys: pytest.CaptureFixture[str], *args: str) -> Any:
    capsys.readouterr()
    code = 0
    try:
        leasehold_main(
            ["--rpc", stack.rpc, "--deployment", str(stack.manifest_path), *args, "--json"]
        )
    except SystemExit as exc:
        code = int(exc.code or 0)
    out = capsys.readouterr()
    assert code == 0, out.err
    return json.loads(out.out)


def _grants(registry: Any, market: Any, tenant_id: int) -> list[OperatorOut]:
    """The tenant's operator grants among the scenario's accounts, read one by one (the chain's
    views or the mirror's: the registry's expiry, the market's limits)."""
    grants = []
    for index in ROLES.values():
        address = dev_account(index).address
        expires_at = registry.operator_expiry(tenant_id, address)
        if expires_at:
            limits = market.operator_limits(tenant_id, address)
            grants.append(OperatorOut.of(address, expires_at, limits))
    return grants


def test_tenants_agree_across_chain_cli_api_and_mirror(stack, chain, mirror_view, capsys):
    granted = 0
    for tenant in chain.registry.tenants():
        grants = _grants(chain.registry, chain.market, tenant.tenant_id)
        granted += len(grants)
        expected = dump(TenantOut.of(tenant, grants))
        assert cli_json(stack, capsys, "tenant", "show", str(tenant.tenant_id)) == expected
        assert stack.get(f"/tenants/{tenant.tenant_id}") == expected
        mirrored = TenantOut.of(
            mirror_view.tenant(tenant.tenant_id),
            _grants(mirror_view, mirror_view, tenant.tenant_id),
        )
        assert dump(mirrored) == expected
        escrow = dump(EscrowOut.of(tenant.tenant_id, chain.market.escrow(tenant.tenant_id)))
        assert stack.get(f"/tenants/{tenant.tenant_id}/escrow") == escrow
        assert dump(EscrowOut.of(tenant.tenant_id, mirror_view.account(tenant.tenant_id))) == escrow
    assert granted == 1  # Acme's operator, whose allowance its GPU lease spent


def test_pools_agree_across_chain_cli_api_and_mirror(stack, chain, mirror_view, capsys):
    expected = [dump(PoolOut.of(p)) for p in chain.market.pools()]
    assert cli_json(stack, capsys, "pool", "list") == expected
    assert stack.get("/pools")["items"] == expected
    assert [dump(PoolOut.of(mirror_view.pool(p["poolId"]))) for p in expected] == expected


def test_leases_agree_across_chain_cli_api_and_mirror(stack, chain, mirror_view, capsys):
    ids = sorted(stack.scenario.leases.values())
    expected = [dump(LeaseOut.of(chain.market.lease(i), chain.market.lease_opener(i))) for i in ids]
    assert cli_json(stack, capsys, "lease", "list") == expected
    assert stack.get("/leases")["items"] == expected
    mirrored = [LeaseOut.of(mirror_view.lease(i), mirror_view.lease_opener(i)) for i in ids]
    assert [dump(x) for x in mirrored] == expected
    operator = dev_account(ROLES["acme_operator"]).address
    assert chain.market.lease_opener(stack.scenario.leases["acme-gpu"]) == operator
    reasons = {x["closeReason"] for x in expected}
    assert reasons == {"None", "Expired", "ReleasedByTenant", "TerminatedByProvider"}


def test_anchors_agree_across_chain_cli_api_and_mirror(stack, chain, mirror_view, capsys):
    listed = stack.get("/anchors")["items"]
    assert len(listed) == 3
    for anchor in listed:
        digest = bytes.fromhex(anchor["digest"][2:])
        expected = dump(AnchorOut.of(chain.anchor.record(digest)))
        assert anchor == expected
        assert cli_json(stack, capsys, "anchors", "show", anchor["digest"]) == expected
        assert dump(AnchorOut.of(mirror_view.anchor(digest))) == expected


def test_the_api_mirror_and_an_independent_mirror_hold_the_same_state(stack, mirror_view):
    status = stack.get("/status")
    assert status["journal"]["ok"] is True
    for contract, journal in status["journal"]["contracts"].items():
        mine = mirror_view.journal(contract)
        assert (journal["mirrorSeq"], journal["mirrorHead"]) == (mine.seq, "0x" + mine.head.hex())


def test_the_market_holds_exactly_the_escrow_and_what_providers_may_claim(stack, chain):
    market = chain.market
    asset = market.asset()
    if asset == "0x" + "00" * 20:
        held = chain.w3.eth.get_balance(market.address)
    else:
        held = (
            chain.w3.eth.contract(address=asset, abi=_BALANCE_OF)
            .functions.balanceOf(market.address)
            .call()
        )
    accounts = [market.escrow(t.tenant_id) for t in chain.registry.tenants()]
    escrow = sum(a.free + a.reserved for a in accounts)
    providers = {p.provider for p in market.pools()}
    assert held == escrow + sum(market.claimable(p) for p in providers) > 0


_BALANCE_OF = [
    {
        "type": "function",
        "name": "balanceOf",
        "stateMutability": "view",
        "inputs": [{"name": "account", "type": "address"}],
        "outputs": [{"name": "", "type": "uint256"}],
    }
]


def test_audit_reports_books_the_market_could_not_pay(stack):
    mirror = Mirror.from_manifest(stack.manifest_path, [stack.rpc])
    try:
        mirror.sync()
        state = mirror.state
        state.begin()
        state.totals.free += 1  # one wei (or token unit) more than the market holds
        state.end(state.number, state.block_hash)
        report = mirror.audit()
    finally:
        mirror.stop(snapshot=False)

    assert [d.table for d in report.divergences] == ["books"]


def test_provider_b_named_its_treasury_which_was_paid(stack, chain, mirror_view):
    provider_b = dev_account(ROLES["provider_b"]).address
    treasury = dev_account(ROLES["treasury"]).address
    assert chain.market.payout_address(provider_b) == treasury
    assert mirror_view.payout_address(provider_b) == treasury
    assert chain.market.claimable(provider_b) == mirror_view.claimable(provider_b) == 0


@pytest.mark.parametrize(
    ("dropped", "table"),
    [
        ("PayoutAddressSet", "payout"),
        ("OperatorAllowanceSpent", "operator_limits"),
        ("OperatorLimitsSet", "operator_limits"),
    ],
)
def test_audit_catches_a_mirror_that_dropped_a_new_event(stack, dropped, table):
    """The new tables hold only what differs from the contracts' defaults: the audit checks every
    key the chain could hold a value for, so a missing entry is a divergence too."""
    mirror = Mirror.from_manifest(stack.manifest_path, [stack.rpc])
    try:
        mirror.sync()
        state = mirror.state
        state.begin()
        acme = stack.scenario.tenants["acme"]
        operator = dev_account(ROLES["acme_operator"]).address
        if dropped == "PayoutAddressSet":
            del state.payouts[dev_account(ROLES["provider_b"]).address]
        elif dropped == "OperatorAllowanceSpent":
            limits = state.operator_limits[(acme, operator)]
            state.operator_limits[(acme, operator)] = type(limits)(
                limits.allowance + 1, limits.max_duration
            )
        else:  # the market's limits only (the registry's grant still lists the operator)
            del state.operator_limits[(acme, operator)]
        state.end(state.number, state.block_hash)
        report = mirror.audit()
    finally:
        mirror.stop(snapshot=False)

    assert [d.table for d in report.divergences] == [table]


def test_mirror_audit_finds_no_divergence(stack, capsys):
    report = cli_json(stack, capsys, "mirror", "audit")
    assert report["ok"] is True
    assert report["divergences"] == []
    assert report["checked"] > 20


def test_every_sample_file_verifies_through_the_cli(stack, capsys):
    from pathlib import Path

    bundles = sorted(Path(stack.scenario.bundles_dir).rglob("*.bundle.json"))
    assert len(bundles) == 8
    for bundle in bundles:
        name = json.loads(bundle.read_text())["name"]
        report = cli_json(
            stack, capsys, "verify", str(stack.scenario.sample_dir / name), "--bundle", str(bundle)
        )
        assert report["verified"] is True


def test_audit_accepts_value_that_reached_the_market_outside_its_books(stack, chain):
    """Ether a contract cannot refuse (a SELFDESTRUCT beneficiary, a block reward; anvil_setBalance
    stands in for them) or tokens transferred straight to the market are a surplus, not a
    divergence. Last of the module's tests on the stack: the books stay unbalanced afterwards."""
    market = chain.market.address
    w3 = chain.w3
    asset = chain.market.asset()
    if asset == "0x" + "00" * 20:
        before = w3.eth.get_balance(market)
        w3.provider.make_request("anvil_setBalance", [market, hex(before + 10**15)])
        w3.provider.make_request("evm_mine", [])
        assert w3.eth.get_balance(market) == before + 10**15
    else:
        token = w3.eth.contract(address=asset, abi=_MINT + _BALANCE_OF)
        before = token.functions.balanceOf(market).call()
        tx = token.functions.mint(market, 10**15).transact({"from": w3.eth.accounts[0]})
        w3.eth.wait_for_transaction_receipt(tx)
        assert token.functions.balanceOf(market).call() == before + 10**15
    mirror = Mirror.from_manifest(stack.manifest_path, [stack.rpc])
    try:
        mirror.sync()
        report = mirror.audit()
    finally:
        mirror.stop(snapshot=False)

    assert report.divergences == []
    assert report.checked > 20


_MINT = [
    {
        "type": "function",
        "name": "mint",
        "stateMutability": "nonpayable",
        "inputs": [{"name": "to", "type": "address"}, {"name": "amount", "type": "uint256"}],
        "outputs": [],
    }
]


@pytest.mark.parametrize(("asset", "paid_in"), [("eth", "ETH"), ("erc20", "MOCK")])
def test_demo_main_job_runs_and_stops_what_it_started(tmp_path, asset, paid_in):
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "offchain.demo",
            "--workdir",
            str(tmp_path / "demo"),
            "--asset",
            asset,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    for heading in ("Tenants", "Pool utilization", "Leases", "Anchors", "Verified"):
        assert heading in done.stdout
    assert f"leases paid in {paid_in}" in done.stdout
    url = re.search(r"Anvil at (http://127\.0\.0\.1:\d+)", done.stdout)
    api = re.search(r"mirror API at (http://127\.0\.0\.1:\d+)", done.stdout)
    assert url
    assert api
    assert devnet.rpc_chain_id(url.group(1)) is None
    with pytest.raises(OSError):
        urllib.request.urlopen(api.group(1) + "/health", timeout=2)


def test_metered_usage_is_billed_as_the_ledger_says(stack):
    """The demo's usage part, read back from UsageLedger with plain eth_calls: the accepted
    statement was paid in full, the disputed one as the arbiter split it, the rest of the budget
    is the tenant's, and the record the tenant checked is in the root the provider posted."""
    from web3 import Web3

    from offchain.anchoring.records import load_bundle

    usage = stack.scenario.usage
    manifest = json.loads(stack.manifest_path.read_text())
    abi = json.loads((ROOT / "offchain/chain/abi/UsageLedger.json").read_text())
    w3 = Web3(Web3.HTTPProvider(stack.rpc))
    ledger = w3.eth.contract(address=manifest["contracts"]["UsageLedger"]["address"], abi=abi)
    first, second = usage.statements
    claimed = 7  # IUsageLedger.StatementStatus.Claimed
    (lease_a, paid_first, _, status_a) = ledger.functions.statement(first).call()
    (lease_b, paid_second, _, status_b) = ledger.functions.statement(second).call()
    assert (lease_a, lease_b, status_a, status_b) == (
        usage.lease_id,
        usage.lease_id,
        claimed,
        claimed,
    )
    assert paid_second == usage.to_provider == usage.disputed // 2
    remaining = ledger.functions.budget(usage.lease_id).call()[0]
    assert remaining == 10**16 - paid_first - usage.disputed + (usage.disputed - paid_second)
    assert [line.amount for line in usage.invoice[1:]] == [paid_first, paid_second]
    posted = ledger.events.StatementPosted().get_logs(from_block=0)
    roots = {log.args.statementId: bytes(log.args.recordsRoot) for log in posted}
    bundle = load_bundle(usage.verified_bundle)
    assert bundle.proves()
    assert roots[first] == bundle.root

"""``leasehold usage``: report → show → verify → accept / dispute → resolve, budgets with price
protection, and each bad input as one line with its exit code and nothing changed on chain. The
ledger's own views (``ledger_views``, a bare web3.py contract) are the oracle."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from eth_hash.auto import keccak

from offchain.chain.devnet import dev_account
from offchain.chain.usage import Meter
from offchain.chain.values import ARBITER_ROLE
from offchain.cli._exits import EXIT_REVERTED, EXIT_UNVERIFIED, EXIT_USAGE

HOUR = 3600
WINDOW = 3600
CPU_PRICE = 10**9  # per vCPU-second
TOKEN_PRICE = 10**3
PROVIDER, ACME, STRANGER, ARBITER = "1", "3", "6", "9"
PENDING, ACCEPTED, DISPUTED, RESOLVED = 1, 2, 3, 4


@pytest.fixture
def lease(stack, isolated, node):
    """Acme's CPU lease, its pool metered (cpu.seconds with a ceiling, tokens), an hour later."""
    provider = stack.client(dev_account(int(PROVIDER))).usage
    meters = [Meter("cpu.seconds", CPU_PRICE, 1), Meter("tokens", TOKEN_PRICE)]
    provider.publish_schedule(stack.scenario.pools["cpu"], WINDOW, meters)
    admin = stack.client(dev_account(0))
    admin.registry.grant_role(ARBITER_ROLE, dev_account(int(ARBITER)).address)
    node("evm_increaseTime", [HOUR])
    node("evm_mine")
    return stack.scenario.leases["acme-cpu"]


@pytest.fixture
def budgeted(lease, leasehold):
    result = leasehold("usage", "budget", "open", str(lease), "0.01eth", "--account", ACME)
    assert result.code == 0, result.err
    return lease


def records_file(tmp_path, start, rows=None, suffix=".csv"):
    rows = rows or [
        ("r1", "cpu.seconds", 600, start + 10),
        ("r2", "tokens", 5000, start + 20),
        ("r3", "cpu.seconds", 900, start + 1800),
        ("late", "cpu.seconds", 7, start + 2 * HOUR),  # outside the period: skipped
    ]
    path = tmp_path / f"records{suffix}"
    if suffix == ".csv":
        path.write_text(
            "id,meter,quantity,timestamp\n" + "".join(f"{a},{b},{c},{d}\n" for a, b, c, d in rows)
        )
    else:
        keys = ("id", "meter", "quantity", "timestamp")
        path.write_text("".join(json.dumps(dict(zip(keys, r, strict=False))) + "\n" for r in rows))
    return path


def report(leasehold, lease, path, start, *extra):
    return leasehold(
        "usage",
        "report",
        str(lease),
        "--records",
        str(path),
        "--from",
        str(start),
        "--to",
        str(start + HOUR),
        "--account",
        PROVIDER,
        "--json",
        *extra,
    )


def test_budget_open_locks_the_prices(budgeted, ledger_views):
    remaining, _, schedule_id, _, window = ledger_views.budget(budgeted).call()
    assert remaining == 10**16
    assert schedule_id > 0
    assert window == WINDOW


def test_budget_open_refuses_a_price_above_max(lease, leasehold, ledger_views):
    result = leasehold(
        "usage",
        "budget",
        "open",
        str(lease),
        "0.01eth",
        "--max-price",
        f"cpu.seconds={CPU_PRICE - 1}",
        "--account",
        ACME,
    )
    assert result.code == EXIT_REVERTED
    assert "UsageMeterPriceAboveMax" in result.err
    assert len(result.err.strip().splitlines()) == 1
    assert ledger_views.budget(lease).call()[2] == 0


def test_budget_top_up(budgeted, leasehold, ledger_views):
    result = leasehold("usage", "budget", "top-up", str(budgeted), "1000", "--account", ACME)
    assert result.code == 0, result.err
    assert ledger_views.budget(budgeted).call()[0] == 10**16 + 1000


@pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
def test_report_show_verify_accept(budgeted, leasehold, ledger_views, tmp_path, suffix):
    start = ledger_views.budget(budgeted).call()[1]
    path = records_file(tmp_path, start, suffix=suffix)
    result = report(leasehold, budgeted, path, start)
    assert result.code == 0, result.err
    posted = result.json()
    sid = posted["statementId"]
    assert posted["quantities"] == {"cpu.seconds": 1500, "tokens": 5000}
    assert posted["recordCount"] == 3
    assert posted["skipped"] == 1
    lease_id, amount, _payable_at, status = ledger_views.statement(sid).call()
    assert (lease_id, status) == (budgeted, PENDING)
    assert amount == 1500 * CPU_PRICE + 5000 * TOKEN_PRICE == int(posted["amount"])
    assert ledger_views.budget(budgeted).call()[1] == start + HOUR  # billedUntil moved
    assert len(posted["bundles"]) == 3

    shown = leasehold("usage", "show", str(budgeted), "--json").json()
    assert [s["statementId"] for s in shown["statements"]] == [sid]
    assert shown["statements"][0]["status"] == "Pending"
    assert shown["statements"][0]["recordsRoot"] == posted["recordsRoot"]
    assert int(shown["budget"]["remaining"]) == ledger_views.budget(budgeted).call()[0]
    assert leasehold("usage", "show", str(budgeted)).code == 0

    bundle = posted["bundles"][0]
    verified = leasehold("usage", "verify", bundle, "--json")
    assert verified.code == 0, verified.out
    assert verified.json()["verified"]

    accepted = leasehold("usage", "accept", str(sid), "--account", ACME, "--json")
    assert accepted.code == 0, accepted.err
    assert ledger_views.statement(sid).call()[3] == ACCEPTED


def test_verify_refuses_a_tampered_record(budgeted, leasehold, ledger_views, tmp_path):
    start = ledger_views.budget(budgeted).call()[1]
    posted = report(leasehold, budgeted, records_file(tmp_path, start), start).json()
    path = tmp_path / "forged.json"
    bundle = json.loads(Path(posted["bundles"][0]).read_text())
    bundle["record"]["quantity"] += 1
    path.write_text(json.dumps(bundle))
    result = leasehold("usage", "verify", str(path), "--json")
    assert result.code == EXIT_UNVERIFIED
    assert not result.json()["verified"]
    bundle["record"]["quantity"] -= 1
    bundle["statementId"] = 999
    path.write_text(json.dumps(bundle))
    missing = leasehold("usage", "verify", str(path), "--json")
    assert missing.code == EXIT_UNVERIFIED
    assert "no statement 999" in missing.json()["problems"][0]


def test_dispute_then_the_arbiter_resolves(budgeted, leasehold, ledger_views, tmp_path):
    start = ledger_views.budget(budgeted).call()[1]
    sid = report(leasehold, budgeted, records_file(tmp_path, start), start).json()["statementId"]
    disputed = leasehold(
        "usage",
        "dispute",
        str(sid),
        "--reason",
        "tokens were double counted",
        "--account",
        ACME,
        "--json",
    )
    assert disputed.code == 0, disputed.err
    event = next(e for e in disputed.json()["events"] if e["event"] == "StatementDisputed")
    assert event["args"]["reasonHash"] == "0x" + keccak(b"tokens were double counted").hex()
    assert ledger_views.statement(sid).call()[3] == DISPUTED

    stranger = leasehold(
        "usage", "resolve", str(sid), "--to-provider", "1000", "--account", STRANGER
    )
    assert stranger.code == EXIT_REVERTED
    assert "UsageNotArbiter" in stranger.err
    assert len(stranger.err.strip().splitlines()) == 1
    assert ledger_views.statement(sid).call()[3] == DISPUTED

    resolved = leasehold(
        "usage", "resolve", str(sid), "--to-provider", "1000", "--account", ARBITER
    )
    assert resolved.code == 0, resolved.err
    _, amount, _, status = ledger_views.statement(sid).call()
    assert (amount, status) == (1000, RESOLVED)


def test_a_malformed_row_names_its_line(budgeted, leasehold, ledger_views, tmp_path):
    start = ledger_views.budget(budgeted).call()[1]
    rows = [("r1", "cpu.seconds", 600, start + 10), ("r2", "tokens", "lots", start + 20)]
    result = report(leasehold, budgeted, records_file(tmp_path, start, rows), start)
    assert result.code == EXIT_USAGE
    assert "line 3" in result.err
    assert "quantity" in result.err
    assert len(result.err.strip().splitlines()) == 1
    assert ledger_views.budget(budgeted).call()[1] == start


def test_an_unknown_meter_names_its_line(budgeted, leasehold, ledger_views, tmp_path):
    start = ledger_views.budget(budgeted).call()[1]
    rows = [("r1", "egress.gb", 6, start + 10)]
    result = report(leasehold, budgeted, records_file(tmp_path, start, rows, ".jsonl"), start)
    assert result.code == EXIT_USAGE
    assert "line 1" in result.err
    assert "egress.gb" in result.err
    assert ledger_views.budget(budgeted).call()[1] == start


def test_an_overlapping_period_is_refused(budgeted, leasehold, ledger_views, tmp_path, node):
    start = ledger_views.budget(budgeted).call()[1]
    assert report(leasehold, budgeted, records_file(tmp_path, start), start).code == 0
    node("evm_increaseTime", [HOUR])
    node("evm_mine")
    again = report(leasehold, budgeted, records_file(tmp_path, start), start)
    assert again.code == EXIT_REVERTED
    assert "UsagePeriodNotContiguous" in again.err
    assert "overlaps" in again.err
    assert len(again.err.strip().splitlines()) == 1
    assert ledger_views.budget(budgeted).call()[1] == start + HOUR


def test_a_statement_over_budget_is_refused(budgeted, leasehold, ledger_views, tmp_path):
    start = ledger_views.budget(budgeted).call()[1]
    rows = [("r1", "tokens", 2 * 10**13, start + 10)]
    result = report(leasehold, budgeted, records_file(tmp_path, start, rows), start)
    assert result.code == EXIT_REVERTED
    assert "UsageOverBudget" in result.err
    assert "top up" in result.err
    assert list(ledger_views.budget(budgeted).call()[:2]) == [10**16, start]
    assert not (tmp_path / "records.csv.bundles").exists()


def test_a_dispute_after_the_window_is_refused(budgeted, leasehold, ledger_views, tmp_path, node):
    start = ledger_views.budget(budgeted).call()[1]
    sid = report(leasehold, budgeted, records_file(tmp_path, start), start).json()["statementId"]
    node("evm_increaseTime", [WINDOW + 1])
    node("evm_mine")
    result = leasehold("usage", "dispute", str(sid), "--reason", "late", "--account", ACME)
    assert result.code == EXIT_REVERTED
    assert "UsageWindowClosed" in result.err
    assert len(result.err.strip().splitlines()) == 1
    assert ledger_views.statement(sid).call()[3] == PENDING


def test_an_unknown_statement_is_not_found(stack, leasehold):
    result = leasehold("usage", "accept", "999", "--account", ACME)
    assert result.code == EXIT_REVERTED  # the chain refuses it: UsageUnknownStatement
    assert "UsageUnknownStatement" in result.err

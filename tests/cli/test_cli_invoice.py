"""``leasehold invoice``: Acme's time charges (a running lease, one reclaimed after it expired, one
released early) and usage lines (statements Claimed, Resolved-then-Claimed, Pending, Disputed,
Withdrawn), recomputed here from the contracts' own views (bare web3.py contracts over the
packaged ABIs, raw ``eth_call`` at the invoice's block): the chain is the oracle."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest

from offchain.chain.devnet import dev_account
from offchain.chain.usage import Meter, StatementInput
from offchain.cli._exits import EXIT_NOT_FOUND, EXIT_USAGE

HOUR = 3600
PROVIDER, ACME = 1, 3
BILLED = {"Pending", "Accepted", "Resolved", "Claimed"}


@pytest.fixture
def views(stack):
    """LeaseMarket's and UsageLedger's views as bare web3.py contracts."""
    from web3 import Web3

    from offchain.chain.abi import load_abi
    from offchain.chain.manifest import load_manifest

    manifest = load_manifest(stack.manifest_path)
    w3 = Web3(Web3.HTTPProvider(stack.rpc, request_kwargs={"timeout": 60}))
    market = w3.eth.contract(address=manifest.addresses["LeaseMarket"], abi=load_abi("LeaseMarket"))
    ledger = w3.eth.contract(address=manifest.usage_ledger, abi=load_abi("UsageLedger"))
    return w3, market.functions, ledger.functions


@pytest.fixture
def acme(stack, isolated, node):
    """Acme after the scenario, plus: a CPU lease opened and released 20 minutes later, and its
    day-long CPU lease metered with three statements left Pending, Disputed and Withdrawn."""
    scenario = stack.scenario
    tenant = scenario.tenants["acme"]
    provider = stack.client(dev_account(PROVIDER))
    owner = stack.client(dev_account(ACME))
    cpu = scenario.leases["acme-cpu"]
    meters = [Meter("cpu.seconds", 10**9, 1)]
    provider.usage.publish_schedule(scenario.pools["cpu"], HOUR, meters)
    released = owner.market.open_lease(tenant, scenario.pools["cpu"], 2, HOUR).created
    node("evm_increaseTime", [1200])
    node("evm_mine")
    owner.market.release_lease(released)
    owner.usage.open_budget(cpu, 10**16, owner.usage.max_prices(scenario.pools["cpu"]))
    start = owner.usage.budget(cpu).billed_until
    ids = []
    for i in range(3):
        statement = StatementInput(cpu, start + 600 * i, start + 600 * (i + 1), (100 + i,),
                                   bytes([i + 1]) * 32, 1)  # fmt: skip
        ids.append(provider.usage.post_statement(statement).created)
    owner.usage.dispute(ids[1], b"\x07" * 32)
    provider.usage.amend_statement(ids[2], 0)
    return tenant, released, ids


def expected(views, tenant, lease_ids, start, end, block):
    """The invoice recomputed from the views at ``block``."""
    w3, market, ledger = views
    now = w3.eth.get_block(block)["timestamp"]
    time, usage = {}, {}
    for lease_id in lease_ids:
        lease = market.lease(lease_id).call(block_identifier=block)
        l_tenant, _, units, l_start, l_end, status, _, price, paid_until = lease
        if l_tenant != tenant:
            continue
        stop = paid_until if status == 2 else min(l_end, now)
        seconds = max(0, min(stop, end) - max(l_start, start))
        if seconds:
            time[lease_id] = units * seconds * price
        if ledger.budget(lease_id).call(block_identifier=block)[2] == 0:
            continue
        for sid in range(1, 64):  # statement ids are journal sequence numbers: scan them all
            s_lease, amount, _, s_status = ledger.statement(sid).call(block_identifier=block)
            if s_status != 0 and s_lease == lease_id:
                usage[sid] = (amount, s_status)
    return time, usage


STATUS = {1: "Pending", 2: "Accepted", 3: "Disputed", 4: "Resolved", 5: "Withdrawn",
          6: "Returned", 7: "Claimed"}  # fmt: skip


def test_invoice_matches_the_chain(acme, stack, leasehold, views):
    tenant, released, ids = acme
    result = leasehold("invoice", str(tenant), "--from", "0", "--to", str(2**40), "--json")
    assert result.code == 0, result.err
    got = result.json()
    block = got["block"]
    all_leases = [*stack.scenario.leases.values(), released]
    time, usage = expected(views, tenant, all_leases, 0, 2**40, block)
    # statements of the period: every statement of Acme's budgeted leases (the periods all overlap)
    assert {t["leaseId"]: int(t["amount"]) for t in got["time"]} == time
    assert released in time
    assert stack.scenario.leases["acme-cpu"] in time
    assert {u["statementId"]: (int(u["amount"]), u["status"]) for u in got["usage"]} == {
        sid: (amount, STATUS[s]) for sid, (amount, s) in usage.items()
    }
    statuses = {u["statementId"]: u["status"] for u in got["usage"]}
    assert [statuses[i] for i in ids] == ["Pending", "Disputed", "Withdrawn"]
    assert "Claimed" in statuses.values()
    totals = got["totals"]
    assert int(totals["time"]) == sum(time.values())
    billed = sum(a for a, s in usage.values() if STATUS[s] in BILLED)
    held = sum(a for a, s in usage.values() if STATUS[s] == "Disputed")
    assert (int(totals["usageBilled"]), int(totals["usageHeld"])) == (billed, held)
    assert held > 0
    assert released in got["noBudget"]
    released_line = next(t for t in got["time"] if t["leaseId"] == released)
    assert released_line["closeReason"] == "ReleasedByTenant"
    assert released_line["seconds"] == released_line["stop"] - released_line["start"] < HOUR


def test_a_window_cuts_the_time_and_keeps_overlapping_statements(acme, stack, leasehold, views):
    tenant, released, ids = acme
    _, _, ledger = views
    s_start = ledger.budget(stack.scenario.leases["acme-cpu"]).call()[1] - 1800
    start, end = s_start + 300, s_start + 900  # cuts statements 1 and 2 of the fixture
    result = leasehold("invoice", str(tenant), "--from", str(start), "--to", str(end), "--json")
    assert result.code == 0, result.err
    got = result.json()
    time, _ = expected(views, tenant, [*stack.scenario.leases.values(), released], start, end,
                       got["block"])  # fmt: skip
    assert {t["leaseId"]: int(t["amount"]) for t in got["time"]} == time
    assert [u["statementId"] for u in got["usage"]] == ids[:2]
    iso = [datetime.fromtimestamp(t, UTC).isoformat() for t in (start, end)]
    again = leasehold("invoice", str(tenant), "--from", iso[0], "--to", iso[1], "--json").json()
    assert (again["from"], again["to"], again["time"]) == (start, end, got["time"])


def test_table_and_csv(acme, leasehold):
    tenant, _released, _ = acme
    table = leasehold("invoice", str(tenant), "--from", "0", "--to", str(2**40))
    assert table.code == 0, table.err
    assert "totals" in table.out
    assert "no usage budget" in table.out
    as_json = leasehold("invoice", str(tenant), "--from", "0", "--to", str(2**40), "--json").json()
    as_csv = leasehold("invoice", str(tenant), "--from", "0", "--to", str(2**40), "--csv")
    assert as_csv.code == 0, as_csv.err
    rows = list(csv.DictReader(io.StringIO(as_csv.out)))
    assert [int(r["amount"]) for r in rows if r["kind"] == "time"] == [
        int(t["amount"]) for t in as_json["time"]
    ]
    totals = {r["id"]: r["amount"] for r in rows if r["kind"] == "total"}
    assert totals == as_json["totals"]


@pytest.mark.parametrize(
    ("args", "code", "words"),
    [
        (["999", "--from", "0", "--to", "10"], EXIT_NOT_FOUND, "999"),
        (["1", "--from", "20", "--to", "10"], EXIT_USAGE, "--from before --to"),
        (["1", "--from", "2026-13-01", "--to", "10"], EXIT_USAGE, "not a time"),
        (["1", "--from", "yesterday", "--to", "10"], EXIT_USAGE, "not a time"),
        (["1", "--from", "0", "--to", "10", "--json", "--csv"], EXIT_USAGE, "one of"),
    ],
)
def test_errors_are_one_line(stack, leasehold, args, code, words):
    result = leasehold("invoice", *args)
    assert result.code == code, result.err
    assert words in result.err
    assert len(result.err.strip().splitlines()) == 1
    assert "Traceback" not in result.err

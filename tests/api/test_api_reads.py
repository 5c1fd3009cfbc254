"""Every read endpoint answers what the chain's views say, in the CLI's JSON shape."""

from __future__ import annotations

import pytest

from offchain.models import AnchorOut, EscrowOut, PoolOut, dump


def test_tenants_page_lists_every_tenant_as_the_registry_has_it(api, chain_client, tenant_json):
    page = api.get("/tenants").json()
    assert page == {
        "items": [tenant_json(t.tenant_id) for t in chain_client.registry.tenants()],
        "total": 3,
        "next": None,
    }


@pytest.mark.parametrize("tenant_id", [1, 2, 3])
def test_tenant_by_id_equals_the_registry_view(api, tenant_json, tenant_id):
    response = api.get(f"/tenants/{tenant_id}")
    assert response.status_code == 200
    assert response.json() == tenant_json(tenant_id)
    assert int(response.headers["X-Leasehold-Block"]) > 0


def test_tenant_filters_by_status_and_owner(api, chain_client):
    suspended = api.get("/tenants", params={"status": "suspended"}).json()
    assert [t["tenantId"] for t in suspended["items"]] == [3]
    owner = chain_client.registry.tenant(2).owner
    assert [
        t["tenantId"] for t in api.get("/tenants", params={"owner": owner}).json()["items"]
    ] == [2]


def test_escrow_equals_the_market_account(api, chain_client):
    for tenant_id in (1, 2, 3):
        assert api.get(f"/tenants/{tenant_id}/escrow").json() == dump(
            EscrowOut.of(tenant_id, chain_client.market.escrow(tenant_id))
        )


def test_pools_equal_the_market_views(api, chain_client):
    expected = [dump(PoolOut.of(p)) for p in chain_client.market.pools()]
    assert api.get("/pools").json()["items"] == expected
    assert api.get("/pools/3").json() == expected[2]
    assert api.get("/pools", params={"resourceClass": "cpu.vcpu"}).json()["items"] == [expected[1]]


def test_leases_equal_the_market_views(api, lease_json, stack):
    ids = sorted(stack.scenario.leases.values())
    expected = [lease_json(i) for i in ids]
    assert api.get("/leases").json() == {"items": expected, "total": len(ids), "next": None}
    for lease in expected:
        assert api.get(f"/leases/{lease['leaseId']}").json() == lease


@pytest.mark.parametrize(
    ("params", "keep"),
    [
        ({"tenant": 1}, lambda x: x["tenantId"] == 1),
        ({"pool": 3}, lambda x: x["poolId"] == 3),
        ({"status": "Closed"}, lambda x: x["status"] == "Closed"),
        (
            {"status": "active", "tenant": 2},
            lambda x: x["status"] == "Active" and x["tenantId"] == 2,
        ),
    ],
)
def test_lease_filters_match_the_full_list(api, params, keep):
    everything = api.get("/leases").json()["items"]
    filtered = api.get("/leases", params=params).json()
    assert filtered["items"] == [x for x in everything if keep(x)]
    assert filtered["total"] == len(filtered["items"]) > 0


def test_lease_pages_follow_the_cursor_without_gaps_or_repeats(api):
    everything = api.get("/leases").json()["items"]
    seen, after = [], 0
    while True:
        page = api.get("/leases", params={"limit": 2, "after": after}).json()
        seen.extend(page["items"])
        if page["next"] is None:
            break
        after = page["next"]
    assert seen == everything


def test_provider_filter_returns_leases_in_its_pools(api, chain_client):
    provider = chain_client.market.pool(3).provider
    leases = api.get("/leases", params={"provider": provider}).json()["items"]
    assert {x["poolId"] for x in leases} == {3}


def test_anchors_equal_the_anchor_views(api, chain_client, stack):
    root = stack.scenario.batch_root
    expected = dump(AnchorOut.of(chain_client.anchor.record(bytes.fromhex(root[2:]))))
    assert api.get(f"/anchors/{root}").json() == expected
    listed = api.get("/anchors", params={"tenant": 1}).json()["items"]
    assert expected in listed
    assert {a["kind"] for a in api.get("/anchors").json()["items"]} == {"batch", "digest"}


def test_summary_counts_what_the_scenario_did(api, stack, chain_client):
    summary = api.get("/summary").json()
    assert summary["tenants"] == {"Active": 2, "Suspended": 1}
    assert summary["leases"] == {
        "Active": 3,  # with the demo's metered GPU lease
        "Expired": 2,
        "ReleasedByTenant": 1,
        "TerminatedByProvider": 1,
    }
    on_chain: dict[str, int] = {}  # the same counts from the chain's views
    for lease_id in stack.scenario.leases.values():
        lease = chain_client.market.lease(lease_id)
        key = "Active" if lease.status.name == "ACTIVE" else lease.close_reason.name
        on_chain[key] = on_chain.get(key, 0) + 1
    names = {"EXPIRED": "Expired", "RELEASED_BY_TENANT": "ReleasedByTenant",
             "TERMINATED_BY_PROVIDER": "TerminatedByProvider", "Active": "Active"}  # fmt: skip
    assert {names[k]: v for k, v in on_chain.items()} == summary["leases"]
    assert summary["anchors"] == {"digest": 2, "batch": 1, "revoked": 1, "leaves": 8}
    assert [p["poolId"] for p in summary["pools"]] == [1, 2, 3]


def test_status_reports_a_live_mirror_with_equal_journal_heads(api, caught_up):
    head = caught_up()
    status = api.get("/status").json()
    assert status["phase"] == "live"
    assert status["block"] >= head
    assert status["lag"] == 0
    assert status["journal"]["ok"] is True
    for contract in status["journal"]["contracts"].values():
        assert contract["mirrorHead"] == contract["chainHead"]

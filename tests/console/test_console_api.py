"""The ``/console/...`` reads against the demo chain read independently (no browser), and the
console's own routes: ``/``, its assets and an offline ``/docs``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from _browser import until

from offchain.chain.devnet import dev_account
from offchain.chain.values import resource_class
from offchain.models import LeaseOut, PoolOut, dump


@pytest.fixture
def api(stack: Any) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=stack.api_url, timeout=30) as client:
        yield client


def test_the_console_and_its_assets_are_served(api):
    page = api.get("/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert '<script type="module" src="/console/assets/js/main.js">' in page.text
    script = api.get("/console/assets/js/main.js")
    assert script.status_code == 200
    assert "javascript" in script.headers["content-type"]
    assert api.get("/console/assets/js/nope.js").status_code == 404


def test_docs_point_at_the_packaged_swagger_ui(api):
    docs = api.get("/docs").text
    assert "/console/assets/vendor/swagger-ui/swagger-ui-bundle.js" in docs
    assert "cdn" not in docs.lower()
    assert api.get("/console/assets/vendor/swagger-ui/swagger-ui-bundle.js").status_code == 200
    assert api.get("/redoc", follow_redirects=False).headers["location"] == "/docs"
    paths = api.get("/openapi.json").json()["paths"]
    assert "/" not in paths
    assert {"/console/state", "/console/leases", "/console/clock"} <= set(paths)


def test_console_state_matches_the_chain(api, chain_client):
    state = api.get("/console/state").json()
    market, registry = chain_client.market, chain_client.registry
    assert [t["tenant"]["tenantId"] for t in state["tenants"]] == list(
        range(1, registry.tenant_count() + 1)
    )
    classes = {p["resourceClass"] for p in state["pools"]}
    for entry in state["tenants"]:
        tenant_id = entry["tenant"]["tenantId"]
        escrow = market.escrow(tenant_id)
        assert (int(entry["escrow"]["free"]), int(entry["escrow"]["reserved"])) == (
            escrow.free,
            escrow.reserved,
        )
        quotas = {q["resourceClass"]: q["quota"] for q in entry["quotas"]}
        for name in classes:
            assert quotas.get(name, 0) == registry.quota(tenant_id, resource_class(name)), name
    assert state["pools"] == [
        dump(PoolOut.of(market.pool(i))) for i in range(1, market.pool_count() + 1)
    ]


def test_console_leases_match_the_chain(api, stack, chain_client):
    doc = api.get("/console/leases").json()
    leases = [dict(zip(doc["fields"], row, strict=True)) for row in doc["rows"]]
    assert sorted(x["leaseId"] for x in leases) == sorted(stack.scenario.leases.values())
    market = chain_client.market
    for lease in leases:
        i = lease["leaseId"]
        assert lease == dump(LeaseOut.of(market.lease(i), market.lease_opener(i)))


def test_escrow_history_ends_with_the_latest_deposit(api, stack, chain_client, node):
    snapshot = node("evm_snapshot")
    try:
        result = stack.client(dev_account(9)).market.deposit(2, 10**15)
        until(lambda: api.get("/console/clock").json()["block"] >= result.block_number, "sync")
        points = api.get("/console/escrow-history").json()["points"]
        market = chain_client.market
        escrows = [market.escrow(t) for t in range(1, chain_client.registry.tenant_count() + 1)]
        last, before = points[-1], points[-2]
        assert (int(last["free"]), int(last["reserved"])) == (
            sum(e.free for e in escrows),
            sum(e.reserved for e in escrows),
        )
        assert before["block"] == result.block_number - 1
        assert int(last["free"]) - int(before["free"]) == 10**15
    finally:
        node("evm_revert", [snapshot])
        node("evm_mine")
        node("evm_mine")
    head = node("eth_getBlockByNumber", ["latest", False])["hash"]
    until(lambda: api.get("/status").json()["blockHash"] == head, "the mirror to follow the revert")

"""``GET /providers/{address}``, operators in tenants and ``openedBy`` in leases: the chain's views
in the CLI's JSON shape, and 422 for a malformed address."""

from __future__ import annotations

import pytest

from offchain.chain.devnet import dev_account

PROVIDERS = [dev_account(1).address, dev_account(2).address]


@pytest.mark.parametrize("provider", PROVIDERS)
def test_provider_equals_the_market_views(api, chain_client, caught_up, provider):
    caught_up()
    market = chain_client.market
    response = api.get(f"/providers/{provider.lower()}")
    assert response.status_code == 200
    assert response.json() == {
        "provider": provider,
        "pools": [p.pool_id for p in market.pools() if p.provider == provider],
        "claimable": str(market.claimable(provider)),
        "payoutAddress": market.payout_address(provider),
        "pendingHandover": market.pending_provider_handover(provider),
    }
    assert int(response.headers["X-Leasehold-Block"]) > 0


def test_an_address_that_runs_no_pools_answers_empty(api):
    stranger = dev_account(9).address
    assert api.get(f"/providers/{stranger}").json() == {
        "provider": stranger,
        "pools": [],
        "claimable": "0",
        "payoutAddress": stranger,
        "pendingHandover": "0x" + "00" * 20,
    }


@pytest.mark.parametrize("address", ["0x12", "0x" + "zz" * 20, "provider-a", "0x" + "ab" * 21])
def test_a_malformed_address_is_a_422(api, address):
    response = api.get(f"/providers/{address}")
    assert response.status_code == 422
    assert response.json() == {
        "error": "invalid_request",
        "message": f"address: String should match pattern '^0x[0-9a-fA-F]{{40}}$' "
        f"(got {address!r})",
    }


def test_the_openapi_document_declares_the_route_its_pattern_and_its_422(api):
    operation = api.get("/openapi.json").json()["paths"]["/providers/{address}"]["get"]
    assert {"200", "422", "503"} <= set(operation["responses"])
    [param] = operation["parameters"]
    assert (param["name"], param["in"]) == ("address", "path")
    assert param["schema"]["pattern"] == "^0x[0-9a-fA-F]{40}$"


def test_tenants_carry_their_operators_grants(api, chain_client):
    operator = dev_account(4).address
    limits = chain_client.market.operator_limits(1, operator)
    assert api.get("/tenants/1").json()["operators"] == [
        {
            "operator": operator,
            "expiresAt": chain_client.registry.operator_expiry(1, operator),
            "allowance": str(limits.allowance),
            "maxDuration": limits.max_duration,
        }
    ]
    assert api.get("/tenants/2").json()["operators"] == []


def test_leases_name_who_opened_them(api, stack):
    leases = stack.scenario.leases
    assert api.get(f"/leases/{leases['acme-gpu']}").json()["openedBy"] == dev_account(4).address
    assert api.get(f"/leases/{leases['acme-cpu']}").json()["openedBy"] == dev_account(3).address

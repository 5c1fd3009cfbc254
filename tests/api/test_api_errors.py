"""Malformed ids, digests and bundles get a 422 with a message; unknown ones a 404.

What a parameter accepts is what the OpenAPI document declares (patterns, enums, integer bounds):
ids are ASCII digits only (no "9.0", "1_0", "+3" nor Arabic-Indic digits, all of which Python's
int() or pydantic read), and an error message echoes at most 64 characters of the input."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    ("path", "status", "fragment"),
    [
        ("/tenants/abc", 422, "tenant_id: expected an integer written with the digits 0-9 only"),
        ("/tenants/0", 422, "tenant_id: Input should be greater than or equal to 1"),
        ("/tenants/99", 404, "unknown tenant 99"),
        ("/tenants/99/escrow", 404, "unknown tenant 99"),
        (f"/tenants/{2**64}", 422, "tenant_id: Input should be less than"),
        ("/pools/-1", 422, "pool_id"),
        ("/pools/42", 404, "unknown pool 42"),
        ("/leases/1.5", 422, "lease_id: expected an integer written with the digits 0-9 only"),
        ("/leases/9.0", 422, "lease_id: expected an integer written with the digits 0-9 only"),
        ("/leases/1_0", 422, "lease_id: expected an integer written with the digits 0-9 only"),
        ("/leases/+3", 422, "lease_id: expected an integer written with the digits 0-9 only"),
        ("/leases/%203", 422, "lease_id: expected an integer written with the digits 0-9 only"),
        ("/leases/\u0661\u0662", 422, "lease_id: expected an integer written with the digits"),
        ("/tenants/\uff11", 422, "tenant_id: expected an integer written with the digits"),
        ("/leases?tenant=1.0", 422, "tenant: expected an integer written with the digits 0-9"),
        ("/leases?limit=1e2", 422, "limit: expected an integer written with the digits 0-9"),
        ("/leases/424242", 404, "unknown lease 424242"),
        ("/anchors/0", 422, "digest: String should match pattern '^0x[0-9a-fA-F]{64}$'"),
        ("/anchors/0x12", 422, "digest: String should match pattern '^0x[0-9a-fA-F]{64}$'"),
        ("/anchors/" + "zz" * 32, 422, "digest: String should match pattern"),
        ("/anchors/0x" + "ab" * 32, 404, "nothing is anchored under 0x" + "ab" * 32),
        ("/leases?status=pending", 422, "status: Input should be 'Active', 'Closed', 'active'"),
        ("/tenants?status=", 422, "status: Input should be 'Pending', 'Active', 'Suspended'"),
        ("/tenants?owner=0x12", 422, "owner: String should match pattern '^0x[0-9a-fA-F]{40}$'"),
        ("/leases?limit=0", 422, "limit: Input should be greater than or equal to 1"),
        ("/leases?limit=5000", 422, "limit: Input should be less than or equal to 1000"),
        ("/leases?provider=0x12", 422, "provider: String should match pattern"),
        ("/providers/0x12", 422, "address: String should match pattern '^0x[0-9a-fA-F]{40}$'"),
        ("/pools?resourceClass=" + "x" * 40, 422, "resourceClass: String should match pattern"),
        ("/pools?status=open&resourceClass=" + "x" * 32, 200, None),
        ("/anchors?kind=tree", 422, "kind: Input should be 'digest' or 'batch' (got 'tree')"),
        ("/anchors?kind=%11", 422, "kind: Input should be 'digest' or 'batch' (got '\\x11')"),
        ("/proofs/verify?onchain=yes", 405, "Method Not Allowed"),
    ],
)
def test_bad_requests_get_a_4xx_with_a_message(api, path, status, fragment):
    response = api.get(path)
    assert response.status_code == status, response.text
    if fragment is None:
        return
    body = response.json()
    assert set(body) == {"error", "message"}
    assert fragment in body["message"]


@pytest.mark.parametrize("spelling", ["Active", "active"])
def test_a_status_filter_takes_the_solidity_name_or_its_lowercase(api, spelling):
    assert api.get("/tenants", params={"status": spelling}).json()["total"] >= 1
    assert api.get("/tenants", params={"status": spelling.upper()}).status_code == 422


def test_onchain_is_true_or_false_as_the_schema_says(api):
    response = api.post("/proofs/verify", params={"onchain": "yes"}, json={})
    assert response.status_code == 422
    assert "onchain: expected true or false (got 'yes')" in response.json()["message"]


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/tenants?status=", "status"),
        ("/anchors/", "digest"),
        ("/leases/", "lease_id"),
        ("/pools?resourceClass=", "resourceClass"),
    ],
)
def test_an_error_message_echoes_at_most_64_characters_of_the_input(api, path, name):
    response = api.get(path + "9" * 30_000)  # httpx sends URLs up to 64 KiB
    assert response.status_code == 422
    message = response.json()["message"]
    assert message.startswith(f"{name}: ")
    assert "(got '" + "9" * 62 + "…)" in message
    assert len(message) < 300


_SCHEMAS = "expected a proof bundle: schema 1, or schema 2 with kind plain or hiding"


@pytest.mark.parametrize(
    ("bundle", "fragment"),
    [
        ({}, _SCHEMAS),
        ({"schema": 3}, _SCHEMAS),
        ({"schema": True, "kind": "plain"}, _SCHEMAS),
        ({"schema": 2, "kind": "hiding"}, "hiding.salt: Field required"),
        ([], _SCHEMAS),
    ],
)
def test_malformed_bundles_get_422_naming_the_problem(api, bundle, fragment):
    response = api.post("/proofs/verify", json=bundle)
    assert response.status_code == 422
    assert response.json()["error"] == "invalid_request"
    assert fragment in response.json()["message"]


def test_a_bundle_field_echoes_at_most_64_characters(api):
    bundle = {"schema": 1, "leaf": "0x" + "a" * 1_000_000}
    response = api.post("/proofs/verify", json=bundle)
    assert response.status_code == 422
    message = response.json()["message"]
    assert "v1.leaf: String should match pattern" in message
    assert "(got '0x" + "a" * 60 + "…)" in message
    assert len(message) < 1024


def test_bundle_that_is_not_json_gets_a_4xx(api):
    response = api.post(
        "/proofs/verify", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["error"] == "invalid_request"

"""Malformed ids, digests and bundles get a 4xx with a message; unknown ones a 404."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    ("path", "status", "fragment"),
    [
        ("/tenants/abc", 422, "tenant_id: Input should be a valid integer"),
        ("/tenants/0", 422, "tenant_id: Input should be greater than or equal to 1"),
        ("/tenants/99", 404, "unknown tenant 99"),
        ("/tenants/99/escrow", 404, "unknown tenant 99"),
        (f"/tenants/{2**64}", 422, "tenant_id: Input should be less than"),
        ("/pools/-1", 422, "pool_id"),
        ("/pools/42", 404, "unknown pool 42"),
        ("/leases/1.5", 422, "lease_id: Input should be a valid integer"),
        ("/leases/424242", 404, "unknown lease 424242"),
        ("/anchors/0x12", 400, "bad digest '0x12': expected 0x followed by 64 hex digits"),
        ("/anchors/" + "zz" * 32, 400, "expected 0x followed by 64 hex digits"),
        ("/anchors/0x" + "ab" * 32, 404, "nothing is anchored under 0x" + "ab" * 32),
        ("/leases?status=pending", 400, "bad status 'pending': expected Active, Closed"),
        ("/leases?limit=0", 422, "limit: Input should be greater than or equal to 1"),
        ("/leases?limit=5000", 422, "limit: Input should be less than or equal to 1000"),
        ("/leases?provider=0x12", 400, "bad provider '0x12'"),
        ("/providers/0x12", 400, "bad provider '0x12': expected 0x followed by 40 hex digits"),
        ("/pools?resourceClass=" + "x" * 40, 400, "bad resource class"),
        ("/anchors?kind=tree", 400, "bad kind 'tree'"),
    ],
)
def test_bad_requests_get_a_4xx_with_a_message(api, path, status, fragment):
    response = api.get(path)
    assert response.status_code == status
    body = response.json()
    assert set(body) == {"error", "message"}
    assert fragment in body["message"]


@pytest.mark.parametrize(
    ("bundle", "fragment"),
    [
        ({}, "field 'schema' is missing"),
        ({"schema": 3}, "schema 3 is not supported"),
        ([], "Input should be a valid dictionary"),
    ],
)
def test_malformed_bundles_get_400_naming_the_problem(api, bundle, fragment):
    response = api.post("/proofs/verify", json=bundle)
    assert response.status_code in (400, 422)
    assert fragment in response.json()["message"]


def test_bundle_that_is_not_json_gets_a_4xx(api):
    response = api.post(
        "/proofs/verify", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["error"] == "invalid_request"

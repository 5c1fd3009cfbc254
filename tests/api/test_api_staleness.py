"""Every response says how fresh it is (X-Leasehold-Block, -Lag, -Lag-Seconds, -Phase) and
/health is a readiness check a load balancer can act on; both are in the OpenAPI document. The
outage itself (503, growing lag) is played in tests/e2e/test_mirror_staleness.py."""

from __future__ import annotations

import pytest

HEADERS = ("X-Leasehold-Block", "X-Leasehold-Lag", "X-Leasehold-Lag-Seconds", "X-Leasehold-Phase")


@pytest.mark.parametrize(
    "path", ["/tenants", "/tenants/1", "/tenants/99", "/status", "/summary", "/health",
             "/metrics", "/nowhere", "/openapi.json"],
)  # fmt: skip
def test_every_response_says_its_block_lag_and_phase(api, caught_up, path):
    head = caught_up()
    headers = api.get(path).headers
    assert all(name in headers for name in HEADERS), dict(headers)
    assert int(headers["X-Leasehold-Block"]) == head
    assert headers["X-Leasehold-Lag"] == "0"
    assert 0 <= float(headers["X-Leasehold-Lag-Seconds"]) < 30
    assert headers["X-Leasehold-Phase"] == "live"


def test_a_read_keeps_the_block_of_its_pinned_view(api, caught_up):
    caught_up()
    response = api.get("/tenants")
    status = api.get("/status").json()
    assert int(response.headers["X-Leasehold-Block"]) <= status["block"]
    assert int(response.headers["X-Leasehold-Lag"]) == max(
        0, status["head"] - int(response.headers["X-Leasehold-Block"])
    )


def test_health_is_ok_while_live_and_caught_up(api, caught_up):
    caught_up()
    response = api.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["phase"], body["lag"], body["reasons"]) == ("ok", "live", 0, [])
    assert 0 <= body["lagSeconds"] < 30


def test_status_has_the_lag_in_seconds(api, caught_up):
    caught_up()
    assert 0 <= api.get("/status").json()["lagSeconds"] < 30


def test_openapi_declares_the_health_503_and_the_headers_on_every_response(api):
    document = api.get("/openapi.json").json()
    health = document["paths"]["/health"]["get"]["responses"]
    assert "503" in health
    assert health["503"]["content"]["application/json"]["schema"]["$ref"].endswith("/HealthOut")
    for path, operations in document["paths"].items():
        for operation in operations.values():
            for code, response in operation["responses"].items():
                assert set(HEADERS) <= set(response.get("headers", {})), (path, code)


def test_metrics_have_the_lag_in_seconds_and_the_resets(api):
    text = api.get("/metrics").text
    assert "\nleasehold_mirror_lag_seconds " in text
    assert "\nleasehold_sse_resets_total 0" in text

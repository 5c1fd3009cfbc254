"""GET /metrics: the Prometheus text format with the mirror's lag, rates, errors and audits."""

from __future__ import annotations

import re

import pytest

SAMPLE = re.compile(r'^([a-z_]+)(\{[a-z_]+="[^"]*"(,[a-z_]+="[^"]*")*\})? (-?[0-9.e+]+)$')


def _samples(text):
    found = {}
    for line in text.splitlines():
        if line.startswith("#") or not line:
            continue
        match = SAMPLE.match(line)
        assert match, f"not a Prometheus sample line: {line!r}"
        found[match.group(1) + (match.group(2) or "")] = float(match.group(4))
    return found


def test_metrics_are_valid_prometheus_text_with_help_and_type(api):
    response = api.get("/metrics")
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    text = response.text
    names = {line.split()[2] for line in text.splitlines() if line.startswith("# TYPE")}
    assert {line.split()[2] for line in text.splitlines() if line.startswith("# HELP")} == names
    assert _samples(text)


@pytest.mark.parametrize(
    "name",
    [
        "leasehold_mirror_lag_blocks",
        "leasehold_mirror_events_per_second",
        "leasehold_mirror_events_total",
        "leasehold_audit_divergences_total",
        "leasehold_journal_ok",
        "leasehold_mirror_head_block",
    ],
)
def test_required_metrics_are_exposed(api, name):
    assert name in _samples(api.get("/metrics").text)


def test_rpc_errors_are_counted_per_endpoint(api, stack):
    samples = _samples(api.get("/metrics").text)
    assert f'leasehold_rpc_errors_total{{endpoint="{stack.rpc}"}}' in samples


def test_lag_is_zero_once_caught_up_and_events_match_status(api, caught_up):
    caught_up()
    samples = _samples(api.get("/metrics").text)
    status = api.get("/status").json()
    assert samples["leasehold_mirror_lag_blocks"] == 0
    assert samples["leasehold_mirror_events_total"] == status["eventsApplied"] > 0


def test_requests_are_counted_by_route_and_status(api):
    key = 'leasehold_http_requests_total{route="/pools/{pool_id}",status="404"}'
    before = _samples(api.get("/metrics").text).get(key, 0)
    api.get("/pools/999")
    assert _samples(api.get("/metrics").text)[key] == before + 1

"""A property-based fuzzer over the generated OpenAPI schema: no request gets a 5xx.

Schemathesis generates requests from the live server's ``/openapi.json`` (valid and invalid ones:
ids out of range, malformed digests and bundles...). Every answer must be below 500, and every
4xx must be JSON with a message. The event stream is left out (it never ends).
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings


@pytest.fixture(scope="session")
def api_schema(stack):
    return schemathesis.openapi.from_url(f"{stack.api_url}/openapi.json").exclude(path="/events")


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_no_request_gets_a_server_error(case):
    response = case.call()
    assert response.status_code < 500, (case.method, case.formatted_path, response.text)
    if 400 <= response.status_code < 500:
        body = response.json()
        assert body["message"], body

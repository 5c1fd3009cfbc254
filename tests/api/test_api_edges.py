"""The API at its HTTP edge: the request body limit (413), HEAD on every GET route, CORS, and an
OpenAPI document that declares what each operation accepts and answers.

The session's server runs with the defaults (a 1 MiB body limit, no CORS); a second
``leasehold mirror serve`` on the same devnet runs with ``--max-body 4096`` and two
``--cors-origin``s.
"""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import pytest

from offchain.chain.devnet import free_port

MIB = 1024 * 1024
ORIGIN = "https://ops.example.com"


@pytest.fixture(scope="module")
def strict_api(stack) -> Iterator[httpx.Client]:
    """A second server with ``--max-body 4096 --cors-origin ORIGIN --cors-origin ...``."""
    port = free_port()
    command = [
        *(sys.executable, "-m", "offchain.cli", "--rpc", stack.rpc),
        *("--deployment", str(stack.manifest_path), "mirror", "serve", "--port", str(port)),
        *("--poll-interval", "0.25", "--max-body", "4096"),
        *("--cors-origin", ORIGIN, "--cors-origin", "http://localhost:5173"),
    ]
    process = subprocess.Popen(
        command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            _wait_live(client, process)
            yield client
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


def _wait_live(client: httpx.Client, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"mirror serve exited: {process.stderr.read().decode()[-500:]}")
        try:
            if client.get("/status").json()["phase"] == "live":
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise AssertionError("the second mirror serve did not become live")


def _raw_request(base_url: str, head: bytes, body: bytes = b"") -> bytes:
    """Send ``head`` and ``body`` on a new connection; what the server answers until it closes
    or 5 s pass."""
    url = urlsplit(base_url)
    with socket.create_connection((url.hostname, url.port), timeout=5) as conn:
        conn.sendall(head + body)
        answer = b""
        try:
            while chunk := conn.recv(65536):
                answer += chunk
                if b"\r\n\r\n" in answer and answer.endswith(b"}"):
                    break
        except TimeoutError:
            pass
    return answer


# ----------------------------------------------------------------------------------- body limit


@pytest.mark.parametrize("size", [2 * MIB, 10 * MIB])
def test_a_body_over_the_default_limit_gets_413_in_the_api_error_shape(api, size):
    response = api.post(
        "/proofs/verify", content=b" " * size, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json() == {
        "error": "too_large",
        "message": f"the request body is {size:,} bytes; this server accepts at most "
        f"{MIB:,} (mirror serve --max-body)",
    }
    assert response.headers["x-leasehold-phase"] == "live"


def test_a_200_mb_body_is_refused_on_its_content_length_before_it_is_sent(stack):
    head = (
        b"POST /proofs/verify HTTP/1.1\r\nHost: api\r\nContent-Type: application/json\r\n"
        b"Content-Length: %d\r\n\r\n" % (200 * MIB)
    )
    answer = _raw_request(stack.api_url, head, b"{")  # 1 byte of 200 MB: no more is sent

    status, _, rest = answer.partition(b"\r\n")
    assert status == b"HTTP/1.1 413 Request Entity Too Large"
    assert json.loads(rest.partition(b"\r\n\r\n")[2])["error"] == "too_large"


def test_a_chunked_body_is_cut_off_once_it_passes_the_limit(api):
    sent = 0

    def chunks() -> Iterator[bytes]:
        nonlocal sent
        for _ in range(64):  # 4 MiB in 64 KiB chunks, without a Content-Length
            sent += 65536
            yield b" " * 65536

    response = api.post(
        "/proofs/verify", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["error"] == "too_large"
    assert "larger; this server accepts at most 1,048,576" in response.json()["message"]


def test_a_body_within_the_limit_is_read(api):
    response = api.post(
        "/proofs/verify",
        content=b"{}" + b" " * (MIB - 2),
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 422  # read: an empty object is no bundle


def test_max_body_sets_the_limit(strict_api):
    small = strict_api.post("/proofs/verify", json={"schema": 2, "pad": "x" * 3000})
    large = strict_api.post("/proofs/verify", json={"schema": 2, "pad": "x" * 5000})
    assert small.status_code == 422
    assert large.status_code == 413
    assert "at most 4,096 (mirror serve --max-body)" in large.json()["message"]


# ----------------------------------------------------------------------------------------- HEAD


def _get_paths(api) -> list[str]:
    paths = api.get("/openapi.json").json()["paths"]
    examples = {
        "{tenant_id}": "1",
        "{pool_id}": "1",
        "{lease_id}": "424242",  # a 404: HEAD keeps the status too
        "{address}": "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
        "{digest}": "0x" + "ab" * 32,
    }
    out = ["/", "/docs", "/console/assets/js/main.js"]
    for path, operations in paths.items():
        if "get" in operations and path != "/events":
            for name, value in examples.items():
                path = path.replace(name, value)
            out.append(path)
    return out


_VARYING = {"date", "x-leasehold-lag-seconds", "x-leasehold-block", "x-leasehold-lag"}
# Answers that carry the time or the lag: their length may differ from one request to the next.
_VARYING_LENGTH = {"/status", "/health", "/metrics", "/console/clock", "/console/escrow-history"}


def test_head_answers_every_get_route_with_its_headers_and_no_body(api, caught_up):
    caught_up()
    for path in _get_paths(api):
        got = api.get(path)
        head = api.head(path)
        assert head.status_code == got.status_code, path
        assert head.content == b"", path
        varying = _VARYING | ({"content-length"} if path in _VARYING_LENGTH else set())
        same = {k: v for k, v in got.headers.items() if k not in varying}
        assert {k: v for k, v in head.headers.items() if k not in varying} == same, path
        assert set(head.headers) == set(got.headers), path


def test_head_of_the_event_stream_ends_after_its_headers(api):
    response = api.head("/events", timeout=5)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    assert response.content == b""


def test_a_method_a_route_lacks_is_still_405(api):
    response = api.request("HEAD", "/proofs/verify")
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"


# ----------------------------------------------------------------------------------------- CORS


def test_no_cors_headers_by_default(api):
    preflight = api.options(
        "/tenants", headers={"Origin": ORIGIN, "Access-Control-Request-Method": "GET"}
    )
    assert preflight.status_code == 405
    assert "access-control-allow-origin" not in preflight.headers
    assert (
        "access-control-allow-origin" not in api.get("/status", headers={"Origin": ORIGIN}).headers
    )


def test_a_preflight_from_an_allowed_origin_is_answered(strict_api):
    preflight = strict_api.options(
        "/proofs/verify",
        headers={
            "Origin": ORIGIN,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == ORIGIN
    assert "POST" in preflight.headers["access-control-allow-methods"]
    assert "content-type" in preflight.headers["access-control-allow-headers"].lower()


def test_an_allowed_origin_can_read_answers_and_the_freshness_headers(strict_api):
    response = strict_api.get("/tenants/1", headers={"Origin": "http://localhost:5173"})
    assert response.headers["access-control-allow-origin"] == "http://localhost:5173"
    exposed = response.headers["access-control-expose-headers"].lower()
    assert {"x-leasehold-block", "x-leasehold-phase"} <= set(exposed.replace(" ", "").split(","))


def test_a_preflight_from_another_origin_is_refused(strict_api):
    preflight = strict_api.options(
        "/tenants",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"},
    )
    assert preflight.status_code == 400
    assert "access-control-allow-origin" not in preflight.headers


# -------------------------------------------------------------------------------------- OpenAPI


def _parameters(api, path: str, method: str = "get") -> dict[str, dict]:
    operation = api.get("/openapi.json").json()["paths"][path][method]
    return {p["name"]: p["schema"] for p in operation["parameters"]}


def _without_null(schema: dict) -> dict:
    return next((s for s in schema.get("anyOf", [schema]) if s.get("type") != "null"), schema)


@pytest.mark.parametrize(
    ("path", "name", "declared"),
    [
        ("/tenants", "status", {"enum": ["Pending", "Active", "Suspended", "Closed"]}),
        ("/tenants", "owner", {"pattern": "^0x[0-9a-fA-F]{40}$"}),
        ("/pools", "status", {"enum": ["Open", "Paused", "Retired"]}),
        ("/pools", "provider", {"pattern": "^0x[0-9a-fA-F]{40}$"}),
        ("/leases", "status", {"enum": ["Active", "Closed"]}),
        ("/leases", "provider", {"pattern": "^0x[0-9a-fA-F]{40}$"}),
        ("/leases", "tenant", {"type": "integer", "minimum": 1, "exclusiveMaximum": 2**64}),
        ("/leases", "pool", {"type": "integer", "minimum": 1, "exclusiveMaximum": 2**32}),
        ("/anchors", "kind", {"enum": ["digest", "batch"]}),
        ("/anchors/{digest}", "digest", {"pattern": "^0x[0-9a-fA-F]{64}$"}),
        ("/leases/{lease_id}", "lease_id", {"type": "integer", "minimum": 1}),
        ("/providers/{address}", "address", {"pattern": "^0x[0-9a-fA-F]{40}$"}),
    ],
)
def test_the_openapi_document_declares_what_a_parameter_accepts(api, path, name, declared):
    schema = _without_null(_parameters(api, path)[name])
    for key, value in declared.items():
        if key == "enum":
            assert set(value) <= set(schema["enum"]), schema
        else:
            assert schema[key] == value, schema


@pytest.mark.parametrize(
    ("path", "method", "codes"),
    [
        ("/tenants", "get", {"200", "413", "422", "503"}),
        ("/tenants/{tenant_id}", "get", {"200", "404", "413", "422", "503"}),
        ("/leases/{lease_id}", "get", {"200", "404", "413", "422", "503"}),
        ("/anchors/{digest}", "get", {"200", "404", "413", "422", "503"}),
        ("/proofs/verify", "post", {"200", "400", "413", "422", "503"}),
        ("/health", "get", {"200", "413", "503"}),
        ("/status", "get", {"200", "413"}),
    ],
)
def test_the_openapi_document_declares_every_status_an_operation_answers(api, path, method, codes):
    operation = api.get("/openapi.json").json()["paths"][path][method]
    assert set(operation["responses"]) == codes
    for code in sorted(codes - {"200"}):
        if (path, code) == ("/health", "503"):
            continue  # HealthOut, saying why
        content = operation["responses"][code]["content"]["application/json"]["schema"]
        assert content == {"$ref": "#/components/schemas/ErrorOut"}


def test_the_openapi_document_declares_the_bundle_a_verify_reads(api):
    body = api.get("/openapi.json").json()["paths"]["/proofs/verify"]["post"]["requestBody"]
    variants = body["content"]["application/json"]["schema"]["oneOf"]
    assert [v["$ref"].rsplit("/", 1)[1] for v in variants] == [
        "BundleV1In",
        "PlainBundleIn",
        "HidingBundleIn",
    ]

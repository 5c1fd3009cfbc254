"""``leasehold mirror sync|serve`` and ``lease list`` against the scenario's devnet, compared with
the chain: what the mirror reports equals the contracts' views, failover to a fallback RPC, ranges a
node refuses, and the port ``serve`` really listens on."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from typing import Any

import httpx
from e2e._proxy import FaultProxy, Faults

from offchain.chain.devnet import free_port

DEAD_RPC = "http://127.0.0.1:9"  # the discard port: nothing answers JSON-RPC there


def test_mirror_sync_json_equals_the_chain_and_its_journal_heads(
    leasehold, chain_client, node, tmp_path
):
    result = leasehold("mirror", "sync", "--snapshot", str(tmp_path / "m.sqlite"), "--json")

    assert result.code == 0, result.err
    report = result.json()
    assert report["block"] == int(node("eth_blockNumber"), 16)
    assert report["journal"]["ok"] is True
    counts = report["counts"]
    assert counts["tenant"] == chain_client.registry.tenant_count() > 0
    assert counts["pool"] == chain_client.market.pool_count() > 0


def test_mirror_sync_writes_a_snapshot_a_new_mirror_resumes_from(leasehold, tmp_path):
    path = tmp_path / "m.sqlite"
    first = leasehold("mirror", "sync", "--snapshot", str(path), "--json").json()

    assert path.is_file()
    again = leasehold("mirror", "sync", "--snapshot", str(path), "--json").json()
    assert (again["digest"], again["counts"]) == (first["digest"], first["counts"])


def test_mirror_sync_fails_over_to_a_fallback_rpc(leasehold, stack, tmp_path):
    direct = leasehold("mirror", "sync", "--json").json()

    result = leasehold(
        "--rpc",
        DEAD_RPC,
        "--deployment",
        str(stack.manifest_path),
        "mirror",
        "sync",
        "--fallback-rpc",
        stack.rpc,
        "--json",
        chain=False,
    )

    assert result.code == 0, result.err
    assert result.json()["digest"] == direct["digest"]


def test_mirror_sync_with_no_endpoint_answering_is_one_line_and_exit_3(leasehold, tmp_path):
    result = leasehold("mirror", "sync", "--rpc", DEAD_RPC, "--fallback-rpc", DEAD_RPC + "1")

    assert result.code == 3
    assert result.err.count("\n") == 1
    assert f"no chain answers at {DEAD_RPC}" in result.err


def test_mirror_sync_honours_a_confirmation_depth(leasehold):
    result = leasehold("mirror", "sync", "--finality", "depth", "--confirmations", "3", "--json")

    assert result.code == 0, result.err
    assert result.json()["journal"]["ok"] is True


def test_lease_list_splits_ranges_the_node_refuses(leasehold, stack):
    everything = leasehold("lease", "list", "--json").json()
    proxy = FaultProxy(stack.rpc, Faults(max_range=4))
    try:
        result = leasehold("lease", "list", "--rpc", proxy.url, "--json")
    finally:
        proxy.close()

    assert result.code == 0, result.err
    assert result.json() == everything
    assert proxy.injected["range"] > 0


def test_mirror_serve_on_port_0_reports_the_port_it_listens_on(stack, node):
    command = [
        sys.executable,
        "-m",
        "offchain.cli",
        "--rpc",
        stack.rpc,
        "--deployment",
        str(stack.manifest_path),
        "mirror",
        "serve",
        "--port",
        "0",
        "--ws",
        "none",
    ]
    process = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stderr is not None
        line = process.stderr.readline()
        url = line.split("serving on ", 1)[1].split()[0]
        assert not url.endswith(":0")
        assert _status_when_up(url)["chainId"] == int(node("eth_chainId"), 16)
    finally:
        process.terminate()
        process.wait(30)


def test_mirror_serve_on_a_port_in_use_is_one_line(leasehold, stack):
    port = free_port()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", port))
        taken.listen()
        result = leasehold("mirror", "serve", "--port", str(port), "--ws", "none")

    assert result.code != 0
    assert result.err.count("\n") == 1
    assert f"cannot listen on 127.0.0.1:{port}" in result.err


def _status_when_up(url: str, timeout: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        try:
            return httpx.get(url + "/status", timeout=5).json()
        except httpx.HTTPError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)

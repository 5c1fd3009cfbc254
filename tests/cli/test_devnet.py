"""The local Anvil devnet: started in the background, found again by its record, stopped cleanly."""

from __future__ import annotations

import json
import socket
import urllib.request

import pytest

from offchain.chain import devnet
from offchain.exceptions import DevnetError


def _rpc(url: str, method: str, params: list) -> object:
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}).encode()
    request = urllib.request.Request(url, body, {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.loads(response.read())["result"]


@pytest.fixture
def run_dir(tmp_path):
    yield tmp_path / "run"
    devnet.stop(tmp_path / "run")


def test_started_devnet_answers_with_its_chain_id(run_dir):
    net = devnet.start(port=0, directory=run_dir)
    assert devnet.rpc_chain_id(net.url) == devnet.DEFAULT_CHAIN_ID


def test_running_finds_the_recorded_devnet(run_dir):
    net = devnet.start(port=0, directory=run_dir)
    assert devnet.running(run_dir) == net


def test_stop_ends_the_process_and_forgets_it(run_dir):
    net = devnet.start(port=0, directory=run_dir)
    assert devnet.stop(run_dir) == net
    assert devnet.running(run_dir) is None
    assert devnet.rpc_chain_id(net.url) is None


def test_stop_without_a_devnet_returns_none(run_dir):
    assert devnet.stop(run_dir) is None


def test_second_start_in_the_same_directory_is_refused(run_dir):
    net = devnet.start(port=0, directory=run_dir)
    with pytest.raises(DevnetError, match=f"a devnet already runs at {net.url}"):
        devnet.start(port=0, directory=run_dir)


def test_taken_port_is_refused_with_the_fix(run_dir):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        with pytest.raises(DevnetError, match=f"port {port} on 127.0.0.1 is taken.*--port"):
            devnet.start(port=port, directory=run_dir)


def test_state_file_keeps_the_chain_across_a_restart(run_dir, tmp_path):
    state = tmp_path / "chain.json"
    address = "0x" + "ab" * 20
    net = devnet.start(port=0, directory=run_dir, state=state)
    _rpc(net.url, "anvil_setBalance", [address, hex(12345)])
    _rpc(net.url, "evm_mine", [])
    devnet.stop(run_dir)
    again = devnet.start(port=0, directory=run_dir, state=state)
    assert int(_rpc(again.url, "eth_getBalance", [address, "latest"]), 16) == 12345


def test_stale_record_of_a_dead_process_is_dropped(run_dir):
    net = devnet.start(port=0, directory=run_dir)
    devnet._terminate(net.pid, 10)
    assert devnet.running(run_dir) is None
    assert not (run_dir / "anvil.json").exists()


def test_missing_anvil_names_make_setup(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(DevnetError, match=r"anvil is not installed.*run 'make setup'"):
        devnet.anvil_executable(tmp_path)


def test_temporary_devnet_is_stopped_on_exit(tmp_path):
    with devnet.temporary(directory=tmp_path) as net:
        assert devnet.rpc_chain_id(net.url) == net.chain_id
    assert devnet.rpc_chain_id(net.url) is None

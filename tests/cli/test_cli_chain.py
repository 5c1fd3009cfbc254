"""``leasehold chain up|down|status``: a background devnet found again by later commands."""

from __future__ import annotations

import json

import pytest

from offchain.chain import devnet
from offchain.cli import main


@pytest.fixture
def run(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("LEASEHOLD_DEVNET_DIR", str(tmp_path / "run"))

    def invoke(*args):
        capsys.readouterr()
        try:
            main(list(args))
            code = 0
        except SystemExit as exc:
            code = exc.code
        out = capsys.readouterr()
        return code, out.out, out.err

    yield invoke
    devnet.stop(tmp_path / "run")


def test_up_starts_a_devnet_that_status_and_down_find(run):
    code, out, _ = run("chain", "up", "--port", "0", "--json")
    started = json.loads(out)
    assert code == 0
    assert devnet.rpc_chain_id(started["url"]) == 31337
    assert json.loads(run("chain", "status", "--json")[1])["running"]["pid"] == started["pid"]
    code, out, _ = run("chain", "down", "--json")
    assert json.loads(out)["stopped"]["pid"] == started["pid"]
    assert devnet.rpc_chain_id(started["url"]) is None


def test_second_up_is_refused_with_one_line(run):
    run("chain", "up", "--port", "0")
    code, _, err = run("chain", "up", "--port", "0")
    assert code == 1
    assert err.strip().count("\n") == 0
    assert "a devnet already runs at" in err


def test_down_without_a_devnet_says_so(run):
    code, out, _ = run("chain", "down")
    assert (code, out.strip()) == (0, "no devnet was running")


def test_state_file_is_written_on_down(run, tmp_path):
    state = tmp_path / "chain-state.json"
    run("chain", "up", "--port", "0", "--state", str(state))
    run("chain", "down")
    assert state.exists()

"""What ``python -m offchain.demo --keep-running`` leaves for the user: commands printed whole
(never wrapped, terminal or not) and an env file that points ``leasehold`` at the demo's chain,
deployment and mirror API."""

from __future__ import annotations

import io
import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console

from offchain.demo.runner import NextSteps, print_next_steps, write_env

LONG = Path("/tmp/a-rather-long-directory-name/for-the-demo/deployments/31337.json")


@pytest.mark.parametrize("width", [40, 80])
def test_commands_are_printed_whole_when_output_is_not_a_terminal(width, tmp_path):
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, force_terminal=False)
    env_file = tmp_path / "some-directory" / "env.sh"
    print_next_steps(
        console, NextSteps("http://127.0.0.1:45123", "http://127.0.0.1:45124", LONG, env_file, 7, 8)
    )

    lines = buffer.getvalue().splitlines()
    assert f"Use them from a shell: source {env_file}" in lines
    assert "Try: leasehold lease list; leasehold mirror status" in lines
    assert (
        "Or without the file: leasehold --rpc http://127.0.0.1:45123 "
        f"--deployment {LONG} lease list; leasehold mirror status --api http://127.0.0.1:45124"
    ) in lines
    assert "Stop with: kill 8; kill 7" in lines


def test_the_env_file_exports_what_the_cli_reads(tmp_path):
    path = write_env(
        tmp_path / "env.sh", "http://127.0.0.1:1", tmp_path / "dir with space" / "m.json", "x"
    )
    shown = subprocess.run(
        ["bash", "-c", f"source {shlex.quote(str(path))} && env"],
        capture_output=True,
        text=True,
        check=True,
        env={"PATH": os.environ["PATH"]},
    ).stdout.splitlines()
    assert "LEASEHOLD_RPC=http://127.0.0.1:1" in shown
    assert f"LEASEHOLD_DEPLOYMENT={tmp_path / 'dir with space' / 'm.json'}" in shown
    assert "LEASEHOLD_API=x" in shown


def test_after_sourcing_the_env_file_mirror_status_and_reads_reach_the_demo(stack, tmp_path):
    api = stack.serve()
    try:
        env_file = write_env(tmp_path / "env.sh", stack.rpc, stack.manifest_path, api)
        command = (
            f"source {shlex.quote(str(env_file))} && cd {shlex.quote(str(tmp_path))} && "
            f"{shlex.quote(sys.executable)} -m offchain.cli mirror status --json && "
            f"{shlex.quote(sys.executable)} -m offchain.cli tenant show 1 --json"
        )
        clean = {k: v for k, v in os.environ.items() if not k.startswith("LEASEHOLD_")}
        done = subprocess.run(
            ["bash", "-c", command], capture_output=True, text=True, env=clean, timeout=120
        )
    finally:
        assert stack.api_process is not None
        stack.api_process.terminate()
        stack.api_process.wait(30)
        stack.api_process = None

    assert done.returncode == 0, done.stderr
    decoder = json.JSONDecoder()
    status, end = decoder.raw_decode(done.stdout)
    tenant, _ = decoder.raw_decode(done.stdout[end:].lstrip())
    assert status["chainId"] == 31337
    assert tenant["tenantId"] == 1

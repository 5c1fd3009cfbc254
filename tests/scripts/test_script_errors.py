"""The operational ape scripts fail in one line, as the CLI does (a revert decoded, roles by name,
exit status 5), and their --help says how to sign (TEST::N) and how to reach a running Anvil."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator

import ape
import pytest

from offchain.chain.devnet import dev_account
from offchain.demo.runner import ROOT, Stack

APE = str(ROOT / ".venv" / "bin" / "ape")


@ape.fixture(scope="module", chain_isolation=False)
def deployed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """A devnet with the contracts deployed and tenant 1 registered."""
    made = Stack(tmp_path_factory.mktemp("script-errors"))
    try:
        made.start_chain()
        made.deploy()
        made.client().using(dev_account(3)).registry.register("ipfs://t", bytes(32))
        yield made
    finally:
        made.stop()


def ape_run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [APE, "run", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env=env,
    )


def on(stack: Stack, *args: str, account: str) -> list[str]:
    assert stack.manifest_path is not None
    return [*args, "--network", stack.rpc, "--account", account,
            "--deployment", str(stack.manifest_path)]  # fmt: skip


def test_a_revert_is_one_line_naming_the_error_and_the_role(deployed):
    done = ape_run(*on(deployed, "tenant", "approve", "1", account="TEST::5"))

    assert done.returncode == 5
    assert "Traceback" not in done.stdout + done.stderr
    assert "tx.origin" not in done.stdout
    assert done.stderr.strip() == (
        "error: TenantRegistry.approve reverted: AccessControlUnauthorizedAccount("
        f"account={dev_account(5).address}, neededRole=ADMIN_ROLE)"
    )


def test_a_deposit_beyond_the_balance_is_one_line_with_the_balance(deployed):
    done = ape_run(*on(deployed, "lease", "deposit", "1", str(10**30), account="TEST::5"))

    assert done.returncode == 5
    [line] = done.stderr.strip().splitlines()
    assert line.startswith(f"error: insufficient funds: {dev_account(5).address} has ")


@pytest.mark.parametrize("script", ["tenant", "pool", "lease", "anchor", "deploy"])
def test_help_says_how_to_sign_and_reach_a_running_anvil(script):
    done = ape_run(script, "--help")

    assert done.returncode == 0, done.stderr
    text = " ".join(done.stdout.split())
    assert "TEST::N, the N-th account of the test mnemonic" in text
    assert "--network http://127.0.0.1:8545" in text
    assert "--network ethereum:local:foundry and APE_FOUNDRY_HOST=URL" in text


def test_provider_role_help_names_the_role_that_grants_it():
    done = ape_run("tenant", "provider-role", "--help")

    assert done.returncode == 0, done.stderr
    text = " ".join(done.stdout.split())
    assert "Grant ADDRESS PROVIDER_ROLE" in text
    assert "ADMIN_ROLE administers PROVIDER_ROLE" in text
    assert "default admin" not in text


def test_the_foundry_network_reaches_a_running_anvil_through_ape_foundry_host(deployed):
    assert deployed.manifest_path is not None
    env = {**os.environ, "APE_FOUNDRY_HOST": deployed.rpc}
    done = ape_run(
        "tenant", "register", "ipfs://via-foundry", "--network", "ethereum:local:foundry",
        "--account", "TEST::4", "--deployment", str(deployed.manifest_path), env=env,
    )  # fmt: skip

    assert done.returncode == 0, done.stdout + done.stderr
    assert "tenant 2 registered (Active)" in done.stdout
    assert deployed.client().registry.tenant(2).metadata_uri == "ipfs://via-foundry"

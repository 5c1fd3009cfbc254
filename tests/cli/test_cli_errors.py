"""Bad input gets one clear line on stderr and a non-zero exit code, never a traceback."""

from __future__ import annotations

import socket
import subprocess
import sys

import pytest


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def one_line(text: str) -> str:
    assert "Traceback" not in text
    lines = text.strip().splitlines()
    assert len(lines) == 1, text
    return lines[0]


def test_missing_file_is_a_usage_error(leasehold, tmp_path):
    result = leasehold("verify", str(tmp_path / "nope.txt"))
    assert result.code == 2
    assert "does not exist" in one_line(result.err)


def test_missing_bundle_file_is_a_usage_error(leasehold, tmp_path):
    data = tmp_path / "data.txt"
    data.write_text("x")
    result = leasehold("verify", str(data), "--bundle", str(tmp_path / "missing.json"))
    assert result.code == 2
    assert "missing.json" in one_line(result.err)


@pytest.mark.parametrize("digest", ["0x12", "zz" * 32, "0x" + "g" * 64, ""])
def test_bad_hash_names_the_expected_form(leasehold, digest):
    result = leasehold("anchors", "show", digest)
    assert result.code == 2
    assert "expected 0x followed by 64 hex digits" in one_line(result.err)


def test_unknown_tenant_exits_4(leasehold):
    result = leasehold("tenant", "show", "999")
    assert result.code == 4
    assert one_line(result.err) == "error: unknown tenant 999"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("pool", "show", "99"), "error: unknown pool 99"),
        (("lease", "show", "99999"), "error: unknown lease 99999"),
        (("anchors", "show", "0x" + "ab" * 32), "error: nothing is anchored under 0x" + "ab" * 32),
        (("escrow", "show", "77"), "error: unknown tenant 77"),
    ],
)
def test_unknown_ids_exit_4(leasehold, args, message):
    result = leasehold(*args)
    assert (result.code, one_line(result.err)) == (4, message)


@pytest.mark.parametrize("tenant_id", ["abc", "0", "1.5", str(2**64)])
def test_malformed_tenant_id_is_a_usage_error(leasehold, tenant_id):
    result = leasehold("tenant", "show", tenant_id)
    assert result.code == 2
    assert "tenant id must be" in one_line(result.err)


def test_no_chain_running_exits_3_and_says_how_to_start_one(leasehold):
    url = f"http://127.0.0.1:{_closed_port()}"
    result = leasehold("--rpc", url, "tenant", "show", "1", chain=False)
    assert result.code == 3
    assert one_line(result.err) == (
        f"error: no chain answers at {url}: start one with 'leasehold chain up'"
    )


def test_no_deployment_on_the_chain_exits_3(leasehold, stack, tmp_path):
    result = leasehold(
        "--rpc", stack.rpc, "--deployment", str(tmp_path / "31337.json"), "tenant", "show", "1",
        chain=False,
    )  # fmt: skip
    assert result.code == 3
    assert "not found" in one_line(result.err)


def test_write_without_an_account_exits_2(leasehold, monkeypatch):
    monkeypatch.delenv("LEASEHOLD_PRIVATE_KEY", raising=False)
    monkeypatch.delenv("LEASEHOLD_ACCOUNT", raising=False)
    result = leasehold("tenant", "register", "ipfs://x")
    assert result.code == 2
    assert "needs an account: pass --account" in one_line(result.err)


def test_contract_refusal_exits_5_with_the_decoded_error(leasehold, isolated):
    result = leasehold("tenant", "approve", "1", "--account", "5")
    assert result.code == 5
    line = one_line(result.err)
    assert line.startswith(
        "error: TenantRegistry.approve reverted: AccessControlUnauthorizedAccount("
    )
    assert line.endswith(", neededRole=ADMIN_ROLE)")  # the role by name, not its id


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (("lease", "open", "1", "2", "--duration", "5x"), "bad duration '5x'"),
        (("escrow", "deposit", "1", "lots"), "bad amount 'lots'"),
        (("tenant", "quota", "1", "x" * 33, "5"), "bad resource class"),
        (("pool", "show"), "Missing argument 'POOL_ID'"),
        (("tenant", "frobnicate"), "No such command 'frobnicate'"),
    ],
)
def test_malformed_values_are_usage_errors(leasehold, args, fragment):
    result = leasehold(*args)
    assert result.code == 2
    assert fragment in one_line(result.err)


def test_the_installed_command_prints_one_line_without_a_traceback():
    url = f"http://127.0.0.1:{_closed_port()}"
    done = subprocess.run(
        [sys.executable, "-m", "offchain.cli", "--rpc", url, "lease", "list"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 3
    assert one_line(done.stderr).startswith("error: no chain answers at")
    assert done.stdout == ""


def test_mirror_status_without_a_running_api_exits_3(leasehold):
    url = f"http://127.0.0.1:{_closed_port()}"
    result = leasehold("mirror", "status", "--api", url, chain=False)
    assert result.code == 3
    assert one_line(result.err) == (
        f"error: no mirror API answers at {url}: start one with 'leasehold mirror serve'"
    )


def test_a_node_that_stops_answering_mid_command_is_named_with_its_url(
    leasehold, stack, monkeypatch
):
    import requests

    from offchain.cli import _env as cli

    def unreachable(self: cli.Env, account: str | None = None) -> None:
        raise requests.exceptions.ConnectionError("connection reset by peer")

    monkeypatch.setattr(cli.Env, "client", unreachable)
    result = leasehold("tenant", "show", "1")

    assert result.code == 3
    assert one_line(result.err) == (
        f"error: no chain answers at {stack.rpc}: start one with 'leasehold chain up'"
    )


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (
            ("escrow", "deposit", "1", str(2**256)),
            "Invalid value for 'AMOUNT': "
            f"{2**256} is out of range: at most {2**256 - 1} = 2**256 - 1 "
            "(uint256 amount of LeaseMarket.deposit)",
        ),
        (
            ("lease", "open", "1", "1", "--duration", "99999999999w"),
            "Invalid value for '--duration': 99999999999w (60479999999395200 seconds) is out of "
            "range: at most 4294967295 seconds = 2**32 - 1 "
            "(uint32 duration of LeaseMarket.openLease)",
        ),
        (
            ("lease", "extend", "3", "--by", str(2**32)),
            "Invalid value for '--by': 4294967296 is out of range",
        ),
        (
            ("pool", "create", "gpu.x", "--capacity", "1", "--price", str(2**96)),
            "Invalid value for '--price': 79228162514264337593543950336 is out of range: "
            "at most 79228162514264337593543950335 = 2**96 - 1",
        ),
        (
            ("pool", "set-price", "1", str(2**96)),
            "Invalid value for 'PRICE': 79228162514264337593543950336 is out of range",
        ),
        (
            ("tenant", "grant-operator", "1", "0x" + "11" * 20, "--for", "99999999999w"),
            "Invalid value for '--for': 60479999999395200 seconds is out of range",
        ),
    ],
)
def test_numbers_beyond_the_abi_type_name_the_option_and_its_range(leasehold, args, fragment):
    result = leasehold(*args, "--account", "1")
    assert result.code == 2
    line = one_line(result.err)
    assert fragment in line
    assert "unexpected" not in line


def test_a_deposit_above_the_balance_says_who_has_how_much(leasehold, node, isolated):
    from offchain.chain.devnet import dev_account

    who = dev_account(5).address
    balance = int(node("eth_getBalance", [who, "latest"]), 16)
    result = leasehold("escrow", "deposit", "1", str(balance + 1), "--account", "5")

    assert result.code == 5
    assert one_line(result.err) == (
        f"error: insufficient funds: {who} has {balance} wei, needs {balance + 1} wei plus gas "
        "for LeaseMarket.deposit; fund the account or send less"
    )


def test_a_transaction_not_mined_in_time_exits_7_with_its_hash(leasehold, node, stack, isolated):
    node("evm_setAutomine", [False])
    try:
        result = leasehold("tenant", "register", "--timeout", "0.5", "--account", "1")
    finally:
        node("anvil_dropAllTransactions")
        node("evm_setAutomine", [True])

    assert result.code == 7
    line = one_line(result.err)
    assert line.startswith("error: transaction 0x")
    assert "(TenantRegistry.register) still pending after 0.5 s" in line
    tx_hash = line.split()[2]
    assert f"check it with 'cast receipt {tx_hash} --rpc-url {stack.rpc}'" in line


@pytest.mark.parametrize("url", ["not-a-url", "ftp://127.0.0.1:8545", "http://", "http://h:port"])
def test_an_rpc_that_is_not_an_http_url_is_a_usage_error(leasehold, url):
    result = leasehold("--rpc", url, "tenant", "show", "1", chain=False)
    assert result.code == 2
    assert one_line(result.err).startswith(
        f"error: Invalid value for '--rpc': {url!r} is not an http(s) URL: expected e.g. "
        "http://127.0.0.1:8545"
    )

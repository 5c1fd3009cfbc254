"""The offline toolchain: solc-js behind the native CLI surface, ape, py-solc-x and the doctor."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import solcx

from offchain._toolchain import ENV_HOOK, SOLC_VERSION, install_env_hook, solc_executable
from offchain._toolchain.doctor import problems

ROOT = Path(__file__).resolve().parents[2]
BROKEN = """// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;
contract Broken {
    function f() external { uint x = ; }
}
"""


def _strip_metadata(code: str) -> str:
    """Drop the CBOR metadata tail (its length is in the last two bytes) from hex bytecode."""
    raw = bytes.fromhex(code.removeprefix("0x"))
    return raw[: -(int.from_bytes(raw[-2:], "big") + 2)].hex()


def test_solc_shim_reports_the_pinned_version():
    out = subprocess.run(
        [str(solc_executable()), "--version"], capture_output=True, text=True, check=True
    ).stdout
    assert f"Version: {SOLC_VERSION}+commit" in out


def test_py_solc_x_sees_the_pinned_compiler():
    assert SOLC_VERSION in {str(v) for v in solcx.get_installed_solc_versions()}


def _solcx_binary_path_seen(site_dir: Path, exported: str | None) -> str:
    """SOLCX_BINARY_PATH as a new Python process sees it when ``site_dir`` is its only site
    directory (``-S``, then ``site.addsitedir``: its .pth files run as site-packages' do)."""
    env = {k: v for k, v in os.environ.items() if k != "SOLCX_BINARY_PATH"}
    if exported is not None:
        env["SOLCX_BINARY_PATH"] = exported
    code = f"import os, site; site.addsitedir({str(site_dir)!r}); "
    code += "print(os.environ.get('SOLCX_BINARY_PATH', ''))"
    return subprocess.run(
        [sys.executable, "-S", "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout.strip()


def test_env_hook_points_py_solc_x_at_the_compiler_unless_exported(tmp_path):
    hook = install_env_hook(tmp_path / "solcx", site_packages=tmp_path)
    assert hook == tmp_path / ENV_HOOK
    assert _solcx_binary_path_seen(tmp_path, None) == str(tmp_path / "solcx")
    assert _solcx_binary_path_seen(tmp_path, "/elsewhere") == "/elsewhere"


def test_py_solc_x_finds_the_offline_solc_in_a_new_shell():
    # Nothing exported, as in a new shell: ape-solidity asks py-solc-x, which must not look in
    # ~/.solcx (and download). `make setup` wrote the hook into .venv's site-packages.
    env = {k: v for k, v in os.environ.items() if k != "SOLCX_BINARY_PATH"}
    code = f"from solcx.install import get_executable; print(get_executable({SOLC_VERSION!r}))"
    result = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "python"), "-c", code],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, f"run 'make setup' (it writes {ENV_HOOK}):\n{result.stderr}"
    expected = ROOT / ".venv" / "solcx" / f"solc-v{SOLC_VERSION}"
    assert Path(result.stdout.strip()).resolve() == expected.resolve()


def test_ape_and_py_solc_x_produce_identical_bytecode(project):
    name = "TenantRegistry"
    ape_code = project.get_contract(name).contract_type.runtime_bytecode.bytecode
    source_id = project.get_contract(name).contract_type.source_id
    out = solcx.compile_standard(
        {
            "language": "Solidity",
            "sources": {source_id: {"urls": [source_id]}},
            "settings": {
                "optimizer": {"enabled": True, "runs": 10000},
                "evmVersion": "cancun",
                "remappings": ["@openzeppelin/contracts/=node_modules/@openzeppelin/contracts/"],
                "outputSelection": {"*": {"*": ["evm.deployedBytecode.object"]}},
            },
        },
        base_path=str(ROOT),
        solc_version=SOLC_VERSION,
    )
    direct = out["contracts"][source_id][name]["evm"]["deployedBytecode"]["object"]
    assert _strip_metadata(direct) == _strip_metadata(ape_code)


def test_syntax_error_shows_compiler_message_with_file_and_line(tmp_path):
    (tmp_path / "contracts").mkdir()
    shutil.copy(ROOT / "ape-config.yaml", tmp_path)
    (tmp_path / "contracts" / "Broken.sol").write_text(BROKEN)
    result = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "ape"), "compile"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "ParserError: Expected primary expression." in output
    assert "contracts/Broken.sol:4:" in output
    assert "Traceback" not in output


def test_solc_shim_without_solcjs_names_the_fix(tmp_path):
    script = solc_executable().read_text()
    shim = tmp_path / "solc"
    shim.write_text(script)
    shim.chmod(0o755)
    result = subprocess.run(
        ["node", str(shim), "--version"],
        capture_output=True,
        text=True,
        check=False,
        env={"PATH": "/usr/bin:/bin", "LEASEHOLD_SOLCJS": str(tmp_path / "missing")},
    )
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0
    assert "run 'npm ci'" in result.stderr


def test_solc_shim_rejects_unsupported_options():
    result = subprocess.run(
        [str(solc_executable()), "--bin", "x.sol"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 1
    assert "unsupported option --bin" in result.stderr


def test_solc_shim_standard_json_resolves_imports_from_base_path():
    request = {
        "language": "Solidity",
        "sources": {"contracts/TenantRegistry.sol": {"urls": ["contracts/TenantRegistry.sol"]}},
        "settings": {
            "remappings": ["@openzeppelin/contracts/=node_modules/@openzeppelin/contracts/"],
            "outputSelection": {"*": {"*": ["abi"]}},
        },
    }
    result = subprocess.run(
        [str(solc_executable()), "--standard-json", "--base-path", str(ROOT)],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        check=True,
    )
    output = json.loads(result.stdout)
    assert not [e for e in output.get("errors", []) if e["severity"] == "error"]
    assert "TenantRegistry" in output["contracts"]["contracts/TenantRegistry.sol"]


@pytest.mark.parametrize(
    ("remove", "expected"),
    [
        (".venv", "the virtual environment .venv is missing: run 'make setup'"),
        ("node_modules/solc", "npm package solc (solc-js (the compiler)) is missing"),
        ("node_modules/@foundry-rs/anvil-linux-amd64", "npm package @foundry-rs/anvil-linux-amd64"),
    ],
)
def test_doctor_names_each_missing_piece_and_its_fix(tmp_path, remove, expected):
    for package in (
        "solc",
        "@openzeppelin/contracts",
        "@foundry-rs/anvil-linux-amd64",
        "@foundry-rs/forge-linux-amd64",
    ):
        (tmp_path / "node_modules" / package).mkdir(parents=True)
        (tmp_path / "node_modules" / package / "package.json").write_text("{}")
    for exe in ("python", "ape"):
        (tmp_path / ".venv" / "bin").mkdir(parents=True, exist_ok=True)
        (tmp_path / ".venv" / "bin" / exe).write_text("")
    (tmp_path / ".venv" / "solcx").mkdir()
    (tmp_path / ".venv" / "solcx" / f"solc-v{SOLC_VERSION}").write_text("")
    assert problems(tmp_path) == []
    shutil.rmtree(tmp_path / remove)
    found = problems(tmp_path)
    assert len(found) == 1
    assert expected in found[0]

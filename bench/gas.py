"""Receipt gas of each contract operation on Anvil, written as the table in ``bench/GAS.md``.

Run ``make gas`` (or ``python bench/gas.py``): it compiles with ape, starts its own Anvil (hardfork
cancun, as ape-foundry runs it), deploys, runs every scenario once in a steady state (journal slots
already written, accounts and slots cold as in any fresh transaction, calldata without zero bytes:
the worst case) and writes the table. Exit status 1 when an operation is over its budget.

Each row is a :class:`Scenario`: an operation name, a function that performs it on a :class:`Bench`
and returns the gas to report, a budget and a reference. Add rows by appending to ``SCENARIOS`` (the
LeaseMarket operations go in the same list once that contract exists).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from web3 import Web3

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
OUT = ROOT / "bench" / "GAS.md"
MNEMONIC = "test test test test test test test test test test test junk"
HARDFORK = "cancun"
ADMIN_DELAY = 3 * 24 * 3600
PROVIDER_ROLE = Web3.keccak(text="leasehold.role.provider")
SOURCES = ("TenantRegistry.sol", "DataAnchor.sol", "test/AccessControlReference.sol")
URI_64 = "ipfs://" + "b" * 57  # 64 bytes, none zero


def nonzero_word(label: str) -> bytes:
    """A deterministic 32-byte value without zero bytes (so calldata costs its maximum)."""
    for n in range(1000):
        word = hashlib.sha256(f"{label}/{n}".encode()).digest()
        if 0 not in word:
            return word
    raise AssertionError("unreachable")


def intrinsic_gas(data: bytes) -> int:
    """21,000 plus calldata (4 per zero byte, 16 per other byte), as charged before execution."""
    return 21_000 + sum(4 if b == 0 else 16 for b in data)


@dataclass
class Bench:
    """An Anvil chain with the project deployed and role-named accounts."""

    w3: Web3
    contracts: dict[str, Any] = field(default_factory=dict)
    artifacts: dict[str, Any] = field(default_factory=dict)
    tenant_id: int = 0
    notes: list[str] = field(default_factory=list)

    def account(self, role: str) -> str:
        """Accounts by role, as in ``tests/contracts/conftest.py``."""
        index = ("admin", "tenant_owner", "operator", "provider", "stranger", "other").index(role)
        return str(self.w3.eth.accounts[index])

    def deploy(self, name: str, *args: Any) -> Any:
        """Deploy a compiled contract from the admin account."""
        artifact = self.artifacts[name]
        factory = self.w3.eth.contract(
            abi=artifact["abi"], bytecode=artifact["deploymentBytecode"]["bytecode"]
        )
        receipt = self.wait(factory.constructor(*args).transact({"from": self.account("admin")}))
        contract = self.w3.eth.contract(address=receipt["contractAddress"], abi=artifact["abi"])
        self.contracts[name] = contract
        return contract

    def send(self, call: Any, role: str) -> Any:
        """Send one transaction, wait for it, fail loudly if it reverted."""
        return self.wait(call.transact({"from": self.account(role)}))

    def wait(self, tx_hash: Any) -> Any:
        receipt = self.w3.eth.wait_for_transaction_receipt(tx_hash)
        if receipt["status"] != 1:
            raise RuntimeError(f"transaction {tx_hash.hex()} reverted")
        return receipt

    def gas(self, call: Any, role: str) -> int:
        """Receipt gas of one transaction."""
        return int(self.send(call, role)["gasUsed"])

    def execution_gas(self, call: Any, role: str) -> int:
        """Gas of one call's execution: receipt gas less the intrinsic 21,000 and calldata."""
        receipt = self.send(call, role)
        data = bytes(self.w3.eth.get_transaction(receipt["transactionHash"])["input"])
        return int(receipt["gasUsed"]) - intrinsic_gas(data)


@dataclass(frozen=True)
class Scenario:
    """One row of the table.

    Attributes:
        operation: What is measured, as the table shows it.
        measure: Performs the operation on the bench and returns the gas to report.
        budget: Highest acceptable figure (None: reported only).
        reference: What to compare with (figures measured elsewhere are quoted as such).
    """

    operation: str
    measure: Callable[[Bench], int]
    budget: int | None = None
    reference: str = ""


# ------------------------------------------------------------------------------------- set-up


def setup(bench: Bench) -> None:
    """Deploy and bring every journal to a steady state (written at least once)."""
    registry = bench.deploy("TenantRegistry", bench.account("admin"), ADMIN_DELAY)
    bench.deploy("DataAnchor", registry.address)
    bench.deploy("AccessControlReference")
    bench.send(registry.functions.grantRole(PROVIDER_ROLE, bench.account("provider")), "admin")
    receipt = bench.send(registry.functions.register("ipfs://tenant", b"\x11" * 32), "tenant_owner")
    bench.tenant_id = registry.events.TenantRegistered().process_receipt(receipt)[0].args.tenantId
    far = bench.w3.eth.get_block("latest")["timestamp"] + 365 * 24 * 3600
    bench.send(
        registry.functions.grantOperator(bench.tenant_id, bench.account("operator"), far),
        "tenant_owner",
    )
    anchor = bench.contracts["DataAnchor"]
    bench.send(anchor.functions.anchor(bench.tenant_id, nonzero_word("warm-up")), "tenant_owner")


# ---------------------------------------------------------------------------------- scenarios


# The storage and registry costs every new anchor pays whatever the code: a new record slot (cold
# SLOAD + SSTORE from zero), the journal slot (cold SLOAD + SSTORE of a non-zero word) and the
# registry's cold account and its tenant slot read by isAuthorized.
RECORD_SLOT, JOURNAL_SLOT, REGISTRY_COLD = 22_100, 5_000, 4_700


def floor_note(bench: Bench, operation: str, receipt: Any) -> None:
    """Record where an anchor's gas goes: the unavoidable part and what execution adds to it."""
    data = bytes(bench.w3.eth.get_transaction(receipt["transactionHash"])["input"])
    calldata = intrinsic_gas(data) - 21_000
    log = sum(
        375 + 375 * len(entry["topics"]) + 8 * len(entry["data"]) for entry in receipt["logs"]
    )
    floor = 21_000 + calldata + RECORD_SLOT + JOURNAL_SLOT + REGISTRY_COLD + log
    bench.notes.append(
        f"{operation}: floor {floor:,} = 21,000 base + {calldata:,} calldata + 22,100 record slot "
        f"+ 5,000 journal slot + 4,700 registry account and tenant slot + {log:,} log; "
        f"execution around them (dispatch, ABI decoding in both contracts, hashing) "
        f"{int(receipt['gasUsed']) - floor:,}."
    )


def _anchor(role: str) -> Callable[[Bench], int]:
    def measure(bench: Bench) -> int:
        digest = nonzero_word(f"anchor-{role}")
        call = bench.contracts["DataAnchor"].functions.anchor(bench.tenant_id, digest)
        receipt = bench.send(call, role)
        floor_note(bench, f"anchor by {role.replace('_', ' ')}", receipt)
        return int(receipt["gasUsed"])

    return measure


def _anchor_batch(uri: str) -> Callable[[Bench], int]:
    def measure(bench: Bench) -> int:
        root = nonzero_word(f"batch-{len(uri)}")
        call = bench.contracts["DataAnchor"].functions.anchorBatch(
            bench.tenant_id, root, 0xFFFFFFFF, uri
        )
        receipt = bench.send(call, "tenant_owner")
        floor_note(bench, f"anchorBatch, {len(uri)}-byte URI", receipt)
        return int(receipt["gasUsed"])

    return measure


def _revoke(bench: Bench) -> int:
    anchor = bench.contracts["DataAnchor"]
    digest = nonzero_word("to-revoke")
    bench.send(anchor.functions.anchor(bench.tenant_id, digest), "tenant_owner")
    return bench.gas(anchor.functions.revoke(digest, 7), "tenant_owner")


def _verify_depth(depth: int, pattern: str) -> Callable[[Bench], int]:
    """verifyInclusion of a leaf at ``depth``: a path hashed up to a root, then anchored.

    The sorted-pair hash costs a little more when the running hash is the larger of the two, so the
    gas depends on the proof: ``random`` reports the highest of 8 random paths, ``worst`` a path
    whose every sibling is smaller than the running hash.
    """

    def one(bench: Bench, leaf: bytes, proof: list[bytes]) -> int:
        sys.path.insert(0, str(ROOT))
        from offchain.merkle import process_proof

        root = process_proof(leaf, proof)
        anchor = bench.contracts["DataAnchor"]
        bench.send(
            anchor.functions.anchorBatch(bench.tenant_id, root, 1 << depth, ""), "tenant_owner"
        )
        call = anchor.functions.verifyInclusion(root, leaf, proof)
        assert call.call()[0], "the depth proof must verify"
        return bench.execution_gas(call, "stranger")

    def measure(bench: Bench) -> int:
        if pattern == "worst":
            smallest = [b"\x01" * 31 + bytes([i + 1]) for i in range(depth)]
            return one(bench, nonzero_word("verify-worst"), smallest)
        runs = [
            one(
                bench,
                nonzero_word(f"leaf-{k}"),
                [nonzero_word(f"sib-{k}-{i}") for i in range(depth)],
            )
            for k in range(8)
        ]
        bench.notes.append(
            f"verifyInclusion depth {depth}, 8 random paths: {min(runs):,} to {max(runs):,} "
            "(execution)."
        )
        return max(runs)

    return measure


def _grant_operator(bench: Bench) -> int:
    registry = bench.contracts["TenantRegistry"]
    far = bench.w3.eth.get_block("latest")["timestamp"] + 365 * 24 * 3600
    call = registry.functions.grantOperator(bench.tenant_id, bench.account("stranger"), far)
    return bench.gas(call, "tenant_owner")


def _oz_grant_role(bench: Bench) -> int:
    reference = bench.contracts["AccessControlReference"]
    return bench.gas(
        reference.functions.grantRole(PROVIDER_ROLE, bench.account("stranger")), "admin"
    )


def _registry(name: str, role: str, *args: Any) -> Callable[[Bench], int]:
    def measure(bench: Bench) -> int:
        registry = bench.contracts["TenantRegistry"]
        values = [bench.tenant_id if a == "<tenant>" else a for a in args]
        values = [
            bench.account(v[1:]) if isinstance(v, str) and v[:1] == "@" else v for v in values
        ]
        return bench.gas(getattr(registry.functions, name)(*values), role)

    return measure


def _register(bench: Bench) -> int:
    registry = bench.contracts["TenantRegistry"]
    return bench.gas(registry.functions.register(URI_64[:32], b"\x22" * 32), "other")


SCENARIOS: list[Scenario] = [
    Scenario(
        "anchor (attributed, authorized by the owner, journaled)",
        _anchor("tenant_owner"),
        58_000,
        "EAS attest 180,120 (attributed); EAS timestamp 45,869 (no attribution, no journal)",
    ),
    Scenario("anchor by an operator (one more cold slot in the registry)", _anchor("operator")),
    Scenario(
        "anchorBatch, count 2^32-1, 64-byte URI",
        _anchor_batch(URI_64),
        60_000,
        "EAS multiTimestamp ~24,800 per hash",
    ),
    Scenario("anchorBatch, empty URI", _anchor_batch("")),
    Scenario("revoke an anchor", _revoke),
    Scenario(
        "verifyInclusion depth 20, execution (receipt gas - 21,000 - calldata), random paths",
        _verify_depth(20, "random"),
        8_000,
        "OZ verifyCalldata ~5,000",
    ),
    Scenario(
        "verifyInclusion depth 20, execution, worst-case path (every sibling smaller)",
        _verify_depth(20, "worst"),
        8_000,
        "OZ verifyCalldata ~5,000",
    ),
    Scenario(
        "grant operator (new operator, expiry, journaled)",
        _grant_operator,
        60_000,
        "OZ grantRole 51,306 (no expiry, no journal)",
    ),
    Scenario(
        "OZ AccessControl.grantRole, measured side by side (contracts/test)",
        _oz_grant_role,
        reference="reference row for grant operator",
    ),
    Scenario("register a tenant (Open policy, 32-byte URI)", _register),
    Scenario(
        "revoke operator", _registry("revokeOperator", "tenant_owner", "<tenant>", "@stranger")
    ),
    Scenario(
        "set quota (new class)",
        _registry("setQuota", "admin", "<tenant>", b"gpu.h100".ljust(32, b"\0"), 8),
    ),
    Scenario("suspend a tenant", _registry("suspend", "admin", "<tenant>", 3)),
    Scenario("resume a tenant", _registry("resume", "admin", "<tenant>", 0)),
    Scenario("isAuthorized (owner), execution", lambda b: _authorized_execution(b)),
]


def _authorized_execution(bench: Bench) -> int:
    registry = bench.contracts["TenantRegistry"]
    call = registry.functions.isAuthorized(bench.tenant_id, bench.account("tenant_owner"))
    return bench.execution_gas(call, "stranger")


# ----------------------------------------------------------------------------------- plumbing


def compile_artifacts() -> dict[str, Any]:
    """Compile with ape (a no-op when up to date) and return the contract types by name."""
    # Named and forced: a bare compile may miss new files (ape lists at most 500 under contracts/,
    # and the dependency cache holds more) and does not rebuild a contract when only a file it
    # imports changed (contracts/common/Journal.sol), which would measure stale bytecode.
    sources = [str(ROOT / "contracts" / s) for s in SOURCES]
    subprocess.run(
        [str(BIN / "ape"), "compile", "--force", *sources],
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    manifest = json.loads((ROOT / ".build" / "__local__.json").read_text())
    return dict(manifest["contractTypes"])


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def anvil_executable() -> str:
    local = ROOT / "node_modules" / ".bin" / "anvil"
    found = str(local) if local.exists() else shutil.which("anvil")
    if not found:
        raise SystemExit("error: anvil not found: run 'make setup' (npm installs it)")
    return found


@contextmanager
def anvil() -> Iterator[tuple[Web3, str]]:
    """A fresh Anvil on a free loopback port, stopped on exit."""
    port = _free_port()
    exe = anvil_executable()
    version = subprocess.run([exe, "--version"], capture_output=True, text=True).stdout
    cmd = [exe, "--port", str(port), "--hardfork", HARDFORK, "--mnemonic", MNEMONIC, "--silent"]
    process = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        w3 = Web3(Web3.HTTPProvider(f"http://127.0.0.1:{port}", request_kwargs={"timeout": 30}))
        deadline = time.monotonic() + 30
        while not w3.is_connected():
            if process.poll() is not None or time.monotonic() > deadline:
                err = process.stderr.read().decode() if process.stderr else ""
                raise SystemExit(f"error: anvil did not start: {err.strip()}")
            time.sleep(0.1)
        yield w3, version.splitlines()[0] if version else "anvil"
    finally:
        process.terminate()
        process.wait(timeout=10)


def render(
    rows: list[tuple[Scenario, int]],
    anvil_version: str,
    settings: dict[str, Any],
    notes: list[str] | None = None,
) -> str:
    """The Markdown page."""
    optimizer = settings.get("optimizer", {})
    lines = [
        "# Gas",
        "",
        "Receipt gas on Anvil, regenerated by `make gas` (`bench/gas.py`); do not edit by hand.",
        f"{anvil_version}, hardfork {HARDFORK}; solc {settings.get('version', '0.8.28')}, "
        f"evm {settings.get('evmVersion', 'cancun')}, optimizer runs {optimizer.get('runs')}.",
        "Steady state: every journal already written once; each transaction starts cold (fresh "
        "accounts and slots); digests and roots without zero bytes (calldata at its most).",
        "",
        "| operation | measured | budget | reference |",
        "|---|---:|---:|---|",
    ]
    for scenario, gas in rows:
        budget = f"≤ {scenario.budget:,}" if scenario.budget is not None else "—"
        over = scenario.budget is not None and gas > scenario.budget
        measured = f"**{gas:,} (over)**" if over else f"{gas:,}"
        lines.append(f"| {scenario.operation} | {measured} | {budget} | {scenario.reference} |")
    if notes:
        lines += ["", "## Where an anchor's gas goes", ""]
        lines += [f"- {note}" for note in notes]
    lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=OUT, help="where to write the table")
    args = parser.parse_args(argv)
    os.chdir(ROOT)
    artifacts = compile_artifacts()
    manifest = json.loads((ROOT / ".build" / "__local__.json").read_text())
    settings = {**manifest.get("compilers", [{}])[0].get("settings", {})}
    settings["version"] = manifest.get("compilers", [{}])[0].get("version", "0.8.28")
    rows: list[tuple[Scenario, int]] = []
    with anvil() as (w3, version):
        bench = Bench(w3, artifacts=artifacts)
        setup(bench)
        for scenario in SCENARIOS:
            gas = scenario.measure(bench)
            rows.append((scenario, gas))
            print(f"{gas:>9,}  {scenario.operation}")
    args.out.write_text(render(rows, version, settings, bench.notes))
    print(f"wrote {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}")
    over = [(s, g) for s, g in rows if s.budget is not None and g > s.budget]
    for scenario, gas in over:
        print(f"error: {scenario.operation}: {gas:,} gas is over its budget of {scenario.budget:,}")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())

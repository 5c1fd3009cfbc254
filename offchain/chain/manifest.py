"""The deployment manifest ``deployments/<chain-id>.json``: load, validate, check against the chain.

Written by ``scripts/deploy.py``; read by the mirror, the client and the CLI. Every problem is a
:class:`~offchain.exceptions.ManifestError` that names the file, the field and what to do.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from offchain.chain.abi import CONTRACTS, OPTIONAL_CONTRACTS
from offchain.chain.decode import packaged_abi_path
from offchain.exceptions import ManifestError

SCHEMA = 1
DEFAULT_DIR = Path("deployments")

_ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}$")
_HASH = re.compile(r"^0x[0-9a-fA-F]{64}$")


class _Rpc(Protocol):
    def call(self, method: str, params: Any = ()) -> Any: ...


class _BatchRpc(Protocol):
    def batch(self, calls: Sequence[tuple[str, Sequence[Any]]]) -> list[Any]: ...


@dataclass(frozen=True, slots=True)
class Deployment:
    """One deployed contract."""

    name: str
    address: str
    deploy_block: int
    deploy_block_hash: str
    deploy_tx: str = ""
    abi_sha256: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Manifest:
    """A validated deployment manifest."""

    chain_id: int
    contracts: Mapping[str, Deployment]
    path: str = "<memory>"
    network: str = ""
    deployer: str = ""
    created_at: str = ""
    compiler: Mapping[str, Any] = field(default_factory=dict)

    @property
    def addresses(self) -> dict[str, str]:
        """Contract name -> address of the core contracts (:data:`offchain.chain.abi.CONTRACTS`,
        the ones the mirror follows); optional ones have their own properties."""
        return {name: d.address for name, d in self.contracts.items() if name in CONTRACTS}

    @property
    def usage_ledger(self) -> str | None:
        """The UsageLedger's address, or None for a deployment without one (older manifests)."""
        ledger = self.contracts.get("UsageLedger")
        return ledger.address if ledger is not None else None

    @property
    def start_block(self) -> int:
        """The first block any contract can have emitted a log in."""
        return min(d.deploy_block for d in self.contracts.values())

    @property
    def asset(self) -> str:
        """LeaseMarket's payment asset (the zero address: native ETH)."""
        market = self.contracts.get("LeaseMarket")
        value = market.extra.get("asset") if market is not None else None
        return str(value) if value else "0x" + "00" * 20

    def identity(self) -> dict[str, Any]:
        """What makes a deployment itself: chain, addresses and deploy blocks (for snapshots)."""
        return {
            "chainId": self.chain_id,
            "contracts": {
                name: [d.address.lower(), d.deploy_block, d.deploy_block_hash.lower()]
                for name, d in sorted(self.contracts.items())
            },
        }


def packaged_abi_sha256(contract: str) -> str:
    """sha256 (hex) of the packaged ``offchain/chain/abi/<contract>.json`` bytes."""
    return hashlib.sha256(packaged_abi_path(contract).read_bytes()).hexdigest()


def default_path(chain_id: int, directory: Path | str = DEFAULT_DIR) -> Path:
    """Where the manifest of a chain lives."""
    return Path(directory) / f"{chain_id}.json"


def load_manifest(path: Path | str, *, check_abis: bool = True) -> Manifest:
    """Read and validate a manifest file.

    Args:
        path: the JSON file.
        check_abis: refuse a manifest whose ``abiSha256`` differs from the packaged ABIs (the
            mirror would decode events with ABIs the contracts were not built with).
    """
    where = str(path)
    try:
        text = Path(path).read_text()
    except FileNotFoundError:
        raise ManifestError(where, "not found: deploy first (scripts/deploy.py)") from None
    except OSError as exc:
        raise ManifestError(where, f"cannot be read: {exc}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ManifestError(where, f"is not valid JSON ({exc})") from None
    return parse_manifest(data, where, check_abis=check_abis)


def parse_manifest(data: Any, where: str = "<memory>", *, check_abis: bool = True) -> Manifest:
    """Validate a manifest already parsed from JSON."""
    if not isinstance(data, dict):
        raise ManifestError(where, "must be a JSON object")
    schema = data.get("schema")
    if schema != SCHEMA:
        raise ManifestError(where, f"schema {schema!r} is not supported (expected {SCHEMA})")
    chain_id = data.get("chainId")
    if not isinstance(chain_id, int) or isinstance(chain_id, bool) or chain_id <= 0:
        raise ManifestError(where, f"chainId {chain_id!r} must be a positive integer")
    contracts = data.get("contracts")
    if not isinstance(contracts, dict):
        raise ManifestError(where, "contracts must be an object")
    missing = [name for name in CONTRACTS if name not in contracts]
    if missing:
        raise ManifestError(where, f"contracts lacks {', '.join(missing)}")
    parsed: dict[str, Deployment] = {}
    present = CONTRACTS + tuple(name for name in OPTIONAL_CONTRACTS if name in contracts)
    for name in present:
        entry = contracts[name]
        if not isinstance(entry, dict):
            raise ManifestError(where, f"contracts.{name} must be an object")
        address = entry.get("address")
        if not isinstance(address, str) or not _ADDRESS.match(address):
            raise ManifestError(where, f"contracts.{name}.address {address!r} is not an address")
        block = entry.get("deployBlock")
        if not isinstance(block, int) or isinstance(block, bool) or block < 0:
            raise ManifestError(where, f"contracts.{name}.deployBlock {block!r} is not a block")
        block_hash = entry.get("deployBlockHash")
        if not isinstance(block_hash, str) or not _HASH.match(block_hash):
            raise ManifestError(
                where, f"contracts.{name}.deployBlockHash {block_hash!r} is not a block hash"
            )
        abi_sha = entry.get("abiSha256", "")
        if check_abis:
            expected = packaged_abi_sha256(name)
            if abi_sha != expected:
                raise ManifestError(
                    where,
                    f"{name} was deployed with ABI sha256 {abi_sha or '(none)'} but the package "
                    f"ships {expected}: run 'make abi' or redeploy",
                )
        extra = {
            k: v
            for k, v in entry.items()
            if k not in ("address", "deployBlock", "deployBlockHash", "deployTx", "abiSha256")
        }
        parsed[name] = Deployment(
            name, address, block, block_hash, str(entry.get("deployTx", "")), str(abi_sha), extra
        )
    return Manifest(
        chain_id=chain_id,
        contracts=parsed,
        path=where,
        network=str(data.get("network", "")),
        deployer=str(data.get("deployer", "")),
        created_at=str(data.get("createdAt", "")),
        compiler=data.get("compiler") or {},
    )


def check_chain(manifest: Manifest, rpc: _Rpc) -> None:
    """Refuse a manifest that does not describe the chain ``rpc`` reaches.

    Checks the chain id, that each deploy block still has the recorded hash (a restarted devnet
    or another network fails here) and that code lives at each address.
    """
    chain_id = int(rpc.call("eth_chainId", []), 16)
    _check_chain_id(manifest, chain_id)
    for d in manifest.contracts.values():
        _check_block(manifest, d, rpc.call("eth_getBlockByNumber", [hex(d.deploy_block), False]))
        _check_code(manifest, d, rpc.call("eth_getCode", [d.address, "latest"]))


def check_chain_batch(manifest: Manifest, rpc: _BatchRpc) -> None:
    """:func:`check_chain` in one JSON-RPC batch request (the same checks, in the same order,
    with the same errors): what a one-shot reader such as a command-line read asks first."""
    contracts = list(manifest.contracts.values())
    blocks = sorted({d.deploy_block for d in contracts})
    answers = rpc.batch(
        [
            ("eth_chainId", []),
            *(("eth_getBlockByNumber", [hex(b), False]) for b in blocks),
            *(("eth_getCode", [d.address, "latest"]) for d in contracts),
        ]
    )
    for answer in answers:
        if isinstance(answer, Exception):
            raise answer
    _check_chain_id(manifest, int(answers[0], 16))
    by_number = dict(zip(blocks, answers[1 : 1 + len(blocks)], strict=True))
    codes = answers[1 + len(blocks) :]
    for d, code in zip(contracts, codes, strict=True):
        _check_block(manifest, d, by_number[d.deploy_block])
        _check_code(manifest, d, code)


def _check_chain_id(manifest: Manifest, chain_id: int) -> None:
    if chain_id != manifest.chain_id:
        raise ManifestError(
            manifest.path,
            f"is for chain {manifest.chain_id} but the RPC serves chain {chain_id}: "
            f"use {default_path(chain_id)} or another --rpc",
        )


def _check_block(manifest: Manifest, d: Deployment, block: Any) -> None:
    if block is None or str(block.get("hash", "")).lower() != d.deploy_block_hash.lower():
        raise ManifestError(
            manifest.path,
            f"{d.name}'s deploy block {d.deploy_block} is not on this chain (hash "
            f"{(block or {}).get('hash')} != {d.deploy_block_hash}): the chain was reset "
            "or this is another network; redeploy",
        )


def _check_code(manifest: Manifest, d: Deployment, code: Any) -> None:
    if not code or code == "0x":
        raise ManifestError(manifest.path, f"no {d.name} code at {d.address}: redeploy")

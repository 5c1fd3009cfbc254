"""Proof bundles: the evidence that one file belongs to a batch anchored on chain, as one JSON file.

A bundle names the digest algorithm, the leaf (the file's digest), the proof, the batch root, and
where the root was anchored (chain id, ``DataAnchor`` address, anchoring transaction). Anyone
holding the file and its bundle can check it offline (:func:`verify_offline`) and against the chain
with one RPC endpoint (:func:`verify_onchain`)::

    {
      "schema": 1,
      "algorithm": "sha256",
      "leafEncoding": ["bytes32"],
      "leaf": "0x…", "proof": ["0x…", …], "root": "0x…", "count": 5,
      "chainId": 31337, "contract": "0x…", "anchorTx": "0x…",
      "name": "reports/q3.pdf"
    }

``leafEncoding`` says the tree is OpenZeppelin's ``StandardMerkleTree`` over ``bytes32`` (see
:mod:`offchain.anchoring.merkle`); ``name`` is optional and only for people.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from eth_hash.auto import keccak

from offchain.anchoring.merkle import (
    LEAF_ENCODING,
    MAX_PROOF_LENGTH,
    Algorithm,
    MerkleTree,
    check_algorithm,
    digest_bytes,
    digest_file,
    process_proof,
)
from offchain.chain.abi import load_abi
from offchain.exceptions import BundleFormatError, BundleVerificationError

BUNDLE_SCHEMA: Final[int] = 1

_BATCH_ANCHORED_TOPIC: Final[bytes] = bytes(
    keccak(b"BatchAnchored(bytes32,uint64,uint32,uint40,string,uint64)")
)


@dataclass(frozen=True, slots=True)
class ProofBundle:
    """One leaf's inclusion proof in an anchored batch.

    Attributes:
        algorithm: How the leaf was computed from the file (``sha256`` or ``keccak256``).
        leaf: The leaf value: the file's 32-byte digest.
        proof: Sibling hashes from the leaf up to the root.
        root: The batch root anchored with ``DataAnchor.anchorBatch``.
        count: Number of leaves in the batch (what ``anchorBatch`` recorded).
        chain_id: The chain the root was anchored on.
        contract: The ``DataAnchor`` address (checksummed).
        anchor_tx: Hash of the anchoring transaction.
        name: The file's name in the batch, for people (not verified).
    """

    algorithm: Algorithm
    leaf: bytes
    proof: tuple[bytes, ...]
    root: bytes
    count: int
    chain_id: int
    contract: str
    anchor_tx: bytes
    name: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The JSON object of this bundle."""
        out: dict[str, Any] = {
            "schema": BUNDLE_SCHEMA,
            "algorithm": self.algorithm,
            "leafEncoding": list(LEAF_ENCODING),
            "leaf": _hex(self.leaf),
            "proof": [_hex(p) for p in self.proof],
            "root": _hex(self.root),
            "count": self.count,
            "chainId": self.chain_id,
            "contract": self.contract,
            "anchorTx": _hex(self.anchor_tx),
        }
        if self.name is not None:
            out["name"] = self.name
        return out

    def to_json(self) -> str:
        """The bundle as indented JSON text (ends with a newline)."""
        return json.dumps(self.to_dict(), indent=2) + "\n"

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], source: str = "bundle") -> ProofBundle:
        """Parse and validate a bundle object.

        Raises:
            BundleFormatError: A field is missing or malformed; the message names it.
        """
        if not isinstance(data, Mapping):
            raise BundleFormatError(source, "expected a JSON object")
        schema = _field(data, "schema", int, source)
        if schema != BUNDLE_SCHEMA:
            raise BundleFormatError(source, f"schema {schema} is not supported (expected 1)")
        encoding = _field(data, "leafEncoding", list, source)
        if encoding != list(LEAF_ENCODING):
            raise BundleFormatError(
                source, f"leafEncoding {encoding!r} is not supported (expected ['bytes32'])"
            )
        algorithm = _field(data, "algorithm", str, source)
        try:
            algorithm = check_algorithm(algorithm)
        except ValueError as exc:
            raise BundleFormatError(source, str(exc)) from None
        proof = _field(data, "proof", list, source)
        if len(proof) > MAX_PROOF_LENGTH:
            raise BundleFormatError(
                source, f"proof has {len(proof)} elements, at most {MAX_PROOF_LENGTH} are allowed"
            )
        count = _field(data, "count", int, source)
        if count < 1:
            raise BundleFormatError(source, f"count must be at least 1, got {count}")
        chain_id = _field(data, "chainId", int, source)
        name = data.get("name")
        if name is not None and not isinstance(name, str):
            raise BundleFormatError(source, "name must be a string")
        return cls(
            algorithm=algorithm,
            leaf=_bytes32(data, "leaf", source),
            proof=tuple(_word(p, f"proof[{i}]", source) for i, p in enumerate(proof)),
            root=_bytes32(data, "root", source),
            count=count,
            chain_id=chain_id,
            contract=_address(_field(data, "contract", str, source), source),
            anchor_tx=_bytes32(data, "anchorTx", source),
            name=name,
        )

    @classmethod
    def from_json(cls, text: str, source: str = "bundle") -> ProofBundle:
        """Parse bundle JSON text (``source`` names it in error messages)."""
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise BundleFormatError(source, f"not JSON ({exc})") from None
        return cls.from_dict(data, source)

    @classmethod
    def read(cls, path: str | Path) -> ProofBundle:
        """Read a bundle file."""
        path = Path(path)
        try:
            text = path.read_text()
        except (OSError, UnicodeDecodeError) as exc:
            raise BundleFormatError(str(path), f"cannot read it ({exc})") from None
        return cls.from_json(text, str(path))

    def write(self, path: str | Path) -> Path:
        """Write the bundle atomically (a crash leaves the old file or the new one, never half)."""
        return _write_atomic(Path(path), self.to_json())


@dataclass(frozen=True, slots=True)
class Attestation:
    """What the chain says about a verified bundle.

    Attributes:
        tenant_id: The tenant the root is attributed to.
        timestamp: Block timestamp of the anchor.
        block_number: Block that included the anchoring transaction.
        revoked_at: Block timestamp of the revocation, 0 when not revoked.
    """

    tenant_id: int
    timestamp: int
    block_number: int
    revoked_at: int

    @property
    def revoked(self) -> bool:
        """Whether the tenant revoked the anchor."""
        return self.revoked_at != 0


def bundles_for(
    tree: MerkleTree,
    *,
    algorithm: str,
    chain_id: int,
    contract: str,
    anchor_tx: bytes | str,
    names: Sequence[str] | None = None,
) -> list[ProofBundle]:
    """One bundle per leaf of ``tree`` (in the order of ``tree.values``), once its root is anchored.

    Args:
        tree: The batch's tree.
        algorithm: How its leaves were computed.
        chain_id: Chain the root was anchored on.
        contract: The ``DataAnchor`` address.
        anchor_tx: Hash of the ``anchorBatch`` transaction.
        names: Optional file names, same order as ``tree.values``.
    """
    algo = check_algorithm(algorithm)
    if names is not None and len(names) != tree.count:
        raise ValueError(f"{len(names)} names for {tree.count} leaves")
    tx = _word(anchor_tx, "anchorTx", "bundle") if isinstance(anchor_tx, str) else anchor_tx
    address = _address(contract, "bundle")
    return [
        ProofBundle(
            algorithm=algo,
            leaf=value,
            proof=tuple(tree.proof(value)),
            root=tree.root,
            count=tree.count,
            chain_id=chain_id,
            contract=address,
            anchor_tx=tx,
            name=names[i] if names is not None else None,
        )
        for i, value in enumerate(tree.values)
    ]


def verify_offline(
    bundle: ProofBundle, *, content: bytes | None = None, path: str | Path | None = None
) -> None:
    """Check the bundle's proof, and the file when given, without any network.

    Args:
        bundle: The bundle.
        content: The file's bytes, to check they hash to the bundle's leaf.
        path: Or the file's path (read in chunks).

    Raises:
        BundleVerificationError: The file's digest is not the leaf, or the proof does not lead from
            the leaf to the root.
    """
    if content is not None and path is not None:
        raise ValueError("give the file's content or its path, not both")
    if content is not None or path is not None:
        digest = (
            digest_bytes(content, bundle.algorithm)
            if content is not None
            else digest_file(Path(str(path)), bundle.algorithm)
        )
        if digest != bundle.leaf:
            what = f"file {path}" if path is not None else "the content"
            raise BundleVerificationError(
                f"{what} has {bundle.algorithm} digest {_hex(digest)}, "
                f"the bundle's leaf is {_hex(bundle.leaf)}: it is not the file this bundle proves"
            )
    computed = process_proof(bundle.leaf, bundle.proof)
    if computed != bundle.root:
        raise BundleVerificationError(
            f"the proof leads from leaf {_hex(bundle.leaf)} to {_hex(computed)}, "
            f"not to the bundle's root {_hex(bundle.root)}"
        )


def verify_onchain(
    bundle: ProofBundle,
    w3: Any,
    *,
    content: bytes | None = None,
    path: str | Path | None = None,
    allow_revoked: bool = False,
) -> Attestation:
    """Check the bundle offline, then against the chain ``w3`` is connected to.

    The chain must be the bundle's, the contract must hold code, ``verifyInclusion`` must answer
    ``anchored`` for the leaf and proof, and the bundle's transaction must be the one that anchored
    the root there.

    Args:
        bundle: The bundle.
        w3: A connected ``web3.Web3``.
        content: The file's bytes (optional, as in :func:`verify_offline`).
        path: Or the file's path.
        allow_revoked: Return the attestation of a revoked anchor instead of raising.

    Raises:
        BundleVerificationError: Anything above does not hold; the message says which.
    """
    verify_offline(bundle, content=content, path=path)
    chain_id = int(w3.eth.chain_id)
    if chain_id != bundle.chain_id:
        raise BundleVerificationError(
            f"the bundle is for chain {bundle.chain_id}, the RPC endpoint serves chain {chain_id}"
        )
    if not w3.eth.get_code(bundle.contract):
        raise BundleVerificationError(
            f"no contract at {bundle.contract} on chain {chain_id}: wrong address or a reset chain"
        )
    contract = w3.eth.contract(address=bundle.contract, abi=load_abi("DataAnchor"))
    from web3.exceptions import ContractLogicError

    try:
        anchored, tenant_id, timestamp, revoked_at = contract.functions.verifyInclusion(
            bundle.root, bundle.leaf, list(bundle.proof)
        ).call()
    except ContractLogicError as exc:
        raise BundleVerificationError(f"verifyInclusion reverted: {exc}") from None
    if not anchored:
        raise BundleVerificationError(
            f"root {_hex(bundle.root)} is not an anchored batch at {bundle.contract} "
            "or the proof does not hold there"
        )
    block_number = _check_anchor_tx(bundle, w3)
    if revoked_at and not allow_revoked:
        raise BundleVerificationError(
            f"tenant {tenant_id} revoked the anchor of root {_hex(bundle.root)} at {revoked_at}"
        )
    return Attestation(
        tenant_id=int(tenant_id),
        timestamp=int(timestamp),
        block_number=block_number,
        revoked_at=int(revoked_at),
    )


def _check_anchor_tx(bundle: ProofBundle, w3: Any) -> int:
    """The block of the bundle's transaction, once it is shown to have anchored the root."""
    from web3.exceptions import TransactionNotFound

    try:
        receipt = w3.eth.get_transaction_receipt(bundle.anchor_tx)
    except TransactionNotFound:
        raise BundleVerificationError(
            f"transaction {_hex(bundle.anchor_tx)} is not on chain {bundle.chain_id}"
        ) from None
    for log in receipt["logs"]:
        topics = [bytes(t) for t in log["topics"]]
        if (
            log["address"].lower() == bundle.contract.lower()
            and len(topics) >= 2
            and topics[0] == _BATCH_ANCHORED_TOPIC
            and topics[1] == bundle.root
        ):
            return int(receipt["blockNumber"])
    raise BundleVerificationError(
        f"transaction {_hex(bundle.anchor_tx)} did not anchor root {_hex(bundle.root)} "
        f"at {bundle.contract}"
    )


def _write_atomic(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _field(data: Mapping[str, Any], key: str, kind: type, source: str) -> Any:
    if key not in data:
        raise BundleFormatError(source, f"field {key!r} is missing")
    value = data[key]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise BundleFormatError(
            source, f"field {key!r} must be a {kind.__name__}, got {type(value).__name__}"
        )
    return value


def _bytes32(data: Mapping[str, Any], key: str, source: str) -> bytes:
    return _word(_field(data, key, str, source), key, source)


def _word(text: object, what: str, source: str) -> bytes:
    if not isinstance(text, str) or not text.startswith("0x") or len(text) != 66:
        raise BundleFormatError(source, f"{what} must be 0x and 64 hex digits, got {text!r}")
    try:
        return bytes.fromhex(text[2:])
    except ValueError:
        raise BundleFormatError(source, f"{what} is not hex: {text!r}") from None


def _address(text: str, source: str) -> str:
    from eth_utils.address import is_hex_address, to_checksum_address

    if not is_hex_address(text):
        raise BundleFormatError(source, f"contract must be a 0x address, got {text!r}")
    return str(to_checksum_address(text))


def _hex(data: bytes) -> str:
    return "0x" + data.hex()

"""Proof bundles: the evidence that one file was anchored on chain, as one JSON file.

A bundle names the digest algorithm, the leaf, the proof, the batch root, and where the root was
anchored (chain id, ``DataAnchor`` address, anchoring transaction). Anyone holding the file and its
bundle can check it offline (:func:`verify_offline`) and against the chain with one RPC endpoint
(:func:`verify_onchain`). Schema 2 (what is written now)::

    {
      "schema": 2,
      "kind": "hiding",
      "algorithm": "sha256",
      "leafEncoding": ["bytes32"],
      "digest": "0x…", "salt": "0x…",
      "leaf": "0x…", "proof": ["0x…", …], "root": "0x…", "count": 5,
      "chainId": 31337, "contract": "0x…", "anchorTx": "0x…",
      "name": "reports/q3.pdf"
    }

``kind`` is ``hiding`` (the leaf is :func:`offchain.anchoring.commitment.salted_leaf` of ``salt``
and the file's ``digest``) or ``plain`` (the leaf is the digest itself; no ``digest`` nor
``salt``). ``count`` 0 is a digest anchored alone with ``DataAnchor.anchor``: the proof is empty
and the root is the leaf. Schema 1 bundles (plain, ``count`` at least 1) are still read.
``leafEncoding`` says the tree is OpenZeppelin's ``StandardMerkleTree`` over ``bytes32`` (see
:mod:`offchain.anchoring.merkle`); ``name`` is optional and only for people.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from eth_hash.auto import keccak

from offchain.anchoring._json import address, bytes32, field, hexed, word, write_atomic
from offchain.anchoring.commitment import KINDS, Kind, salted_leaf
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
from offchain.exceptions import (
    BundleFormatError,
    BundleVerificationError,
    FileMismatchError,
    NotInBatchError,
    SaltMismatchError,
)

BUNDLE_SCHEMA: Final[int] = 2
READABLE_SCHEMAS: Final[tuple[int, ...]] = (1, 2)

_BATCH_ANCHORED_TOPIC: Final[bytes] = bytes(
    keccak(b"BatchAnchored(bytes32,uint64,uint32,uint40,string,uint64)")
)
_ANCHORED_TOPIC: Final[bytes] = bytes(keccak(b"Anchored(bytes32,uint64,uint40,uint64)"))

__all__ = [
    "BUNDLE_SCHEMA",
    "Attestation",
    "ProofBundle",
    "bundles_for",
    "check_file_digest",
    "single_bundle",
    "verify_offline",
    "verify_onchain",
    "write_atomic",
]


@dataclass(frozen=True, slots=True)
class ProofBundle:
    """One leaf's inclusion proof in an anchored batch (or a digest anchored alone).

    Attributes:
        algorithm: How the file's digest was computed (``sha256`` or ``keccak256``).
        leaf: The leaf value: the digest (plain) or the salted commitment to it (hiding).
        proof: Sibling hashes from the leaf up to the root (empty when ``count`` is 0).
        root: The batch root anchored with ``DataAnchor.anchorBatch`` (the leaf when alone).
        count: Leaves in the batch (what ``anchorBatch`` recorded); 0 for a digest anchored alone.
        chain_id: The chain the root was anchored on.
        contract: The ``DataAnchor`` address (checksummed).
        anchor_tx: Hash of the anchoring transaction.
        name: The file's name in the batch, for people (not verified).
        kind: ``hiding`` (salted commitment) or ``plain`` (the digest is the leaf).
        digest: The file's digest (hiding bundles only).
        salt: The 32-byte salt that opens the leaf (hiding bundles only).
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
    kind: Kind = "plain"
    digest: bytes | None = None
    salt: bytes | None = None

    @property
    def hiding(self) -> bool:
        """Whether the leaf is a salted commitment."""
        return self.kind == "hiding"

    def to_dict(self) -> dict[str, Any]:
        """The JSON object of this bundle (schema 2)."""
        out: dict[str, Any] = {
            "schema": BUNDLE_SCHEMA,
            "kind": self.kind,
            "algorithm": self.algorithm,
            "leafEncoding": list(LEAF_ENCODING),
        }
        if self.digest is not None and self.salt is not None:
            out.update(digest=hexed(self.digest), salt=hexed(self.salt))
        out.update(
            leaf=hexed(self.leaf),
            proof=[hexed(p) for p in self.proof],
            root=hexed(self.root),
            count=self.count,
            chainId=self.chain_id,
            contract=self.contract,
            anchorTx=hexed(self.anchor_tx),
        )
        if self.name is not None:
            out["name"] = self.name
        return out

    def to_json(self) -> str:
        """The bundle as indented JSON text (ends with a newline)."""
        return json.dumps(self.to_dict(), indent=2) + "\n"

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], source: str = "bundle") -> ProofBundle:
        """Parse and validate a bundle object (schema 1 or 2).

        Raises:
            BundleFormatError: A field is missing or malformed; the message names it.
        """
        if not isinstance(data, Mapping):
            raise BundleFormatError(source, "expected a JSON object")
        schema = field(data, "schema", int, source)
        if schema not in READABLE_SCHEMAS:
            raise BundleFormatError(source, f"schema {schema} is not supported (expected 1 or 2)")
        encoding = field(data, "leafEncoding", list, source)
        if encoding != list(LEAF_ENCODING):
            raise BundleFormatError(
                source, f"leafEncoding {encoding!r} is not supported (expected ['bytes32'])"
            )
        algorithm = field(data, "algorithm", str, source)
        try:
            algorithm = check_algorithm(algorithm)
        except ValueError as exc:
            raise BundleFormatError(source, str(exc)) from None
        kind, digest, salt = _opening(data, schema, source)
        proof = field(data, "proof", list, source)
        if len(proof) > MAX_PROOF_LENGTH:
            raise BundleFormatError(
                source, f"proof has {len(proof)} elements, at most {MAX_PROOF_LENGTH} are allowed"
            )
        count = field(data, "count", int, source)
        least = 1 if schema == 1 else 0
        if count < least:
            raise BundleFormatError(source, f"count must be at least {least}, got {count}")
        if count == 0 and proof:
            raise BundleFormatError(source, "a digest anchored alone (count 0) has an empty proof")
        name = data.get("name")
        if name is not None and not isinstance(name, str):
            raise BundleFormatError(source, "name must be a string")
        return cls(
            algorithm=algorithm,
            leaf=bytes32(data, "leaf", source),
            proof=tuple(word(p, f"proof[{i}]", source) for i, p in enumerate(proof)),
            root=bytes32(data, "root", source),
            count=count,
            chain_id=field(data, "chainId", int, source),
            contract=address(field(data, "contract", str, source), source),
            anchor_tx=bytes32(data, "anchorTx", source),
            name=name,
            kind=kind,
            digest=digest,
            salt=salt,
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
        return write_atomic(Path(path), self.to_json())


def _opening(
    data: Mapping[str, Any], schema: int, source: str
) -> tuple[Kind, bytes | None, bytes | None]:
    """The kind, digest and salt of a bundle object (schema 1 is always plain)."""
    if schema == 1:
        return "plain", None, None
    kind = field(data, "kind", str, source)
    if kind not in KINDS:
        raise BundleFormatError(source, f"kind {kind!r} is not supported (expected {KINDS!r})")
    if kind == "plain":
        return "plain", None, None
    return "hiding", bytes32(data, "digest", source), bytes32(data, "salt", source)


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
    openings: Sequence[tuple[bytes, bytes]] | None = None,
) -> list[ProofBundle]:
    """One bundle per leaf of ``tree`` (in the order of ``tree.values``), once its root is anchored.

    Args:
        tree: The batch's tree.
        algorithm: How the files' digests were computed.
        chain_id: Chain the root was anchored on.
        contract: The ``DataAnchor`` address.
        anchor_tx: Hash of the ``anchorBatch`` transaction.
        names: Optional file names, same order as ``tree.values``.
        openings: For a hiding batch, each leaf's ``(digest, salt)``, same order as
            ``tree.values``; ``None`` for a plain batch (the leaves are the digests).

    Raises:
        ValueError: ``names`` or ``openings`` do not match the leaves.
    """
    algo = check_algorithm(algorithm)
    for given, what in ((names, "names"), (openings, "openings")):
        if given is not None and len(given) != tree.count:
            raise ValueError(f"{len(given)} {what} for {tree.count} leaves")
    if openings is not None:
        for value, (digest, salt) in zip(tree.values, openings, strict=True):
            if salted_leaf(salt, digest) != value:
                raise ValueError(f"the opening of leaf {hexed(value)} does not give it")
    tx = word(anchor_tx, "anchorTx", "bundle") if isinstance(anchor_tx, str) else anchor_tx
    checksummed = address(contract, "bundle")
    return [
        ProofBundle(
            algorithm=algo,
            leaf=value,
            proof=tuple(tree.proof(value)),
            root=tree.root,
            count=tree.count,
            chain_id=chain_id,
            contract=checksummed,
            anchor_tx=tx,
            name=names[i] if names is not None else None,
            kind="plain" if openings is None else "hiding",
            digest=None if openings is None else openings[i][0],
            salt=None if openings is None else openings[i][1],
        )
        for i, value in enumerate(tree.values)
    ]


def single_bundle(
    digest: bytes,
    salt: bytes | None,
    *,
    algorithm: str,
    chain_id: int,
    contract: str,
    anchor_tx: bytes | str,
    name: str | None = None,
) -> ProofBundle:
    """The bundle of a digest anchored alone (``DataAnchor.anchor``): ``count`` 0, no proof.

    With a ``salt`` the anchored value is :func:`salted_leaf` of it and ``digest`` (hiding),
    without one it is ``digest`` itself (plain).
    """
    leaf = digest if salt is None else salted_leaf(salt, digest)
    tx = word(anchor_tx, "anchorTx", "bundle") if isinstance(anchor_tx, str) else anchor_tx
    return ProofBundle(
        algorithm=check_algorithm(algorithm),
        leaf=leaf,
        proof=(),
        root=leaf,
        count=0,
        chain_id=chain_id,
        contract=address(contract, "bundle"),
        anchor_tx=tx,
        name=name,
        kind="plain" if salt is None else "hiding",
        digest=None if salt is None else digest,
        salt=salt,
    )


def check_file_digest(bundle: ProofBundle, digest: bytes, what: str = "the file") -> None:
    """Check that a file whose digest is ``digest`` is the one ``bundle`` proves.

    Raises:
        FileMismatchError: The digest is not the bundle's (plain: its leaf; hiding: its digest).
        SaltMismatchError: The digest is the bundle's, but its salt does not open the leaf.
    """
    expected = bundle.digest if bundle.hiding else bundle.leaf
    if digest != expected:
        label = "digest" if bundle.hiding else "leaf"
        raise FileMismatchError(
            what, bundle.algorithm, hexed(digest), f"{label} is {hexed(expected or b'')}"
        )
    _check_salt(bundle)


def _check_salt(bundle: ProofBundle) -> None:
    if bundle.hiding and bundle.salt is not None and bundle.digest is not None:
        computed = salted_leaf(bundle.salt, bundle.digest)
        if computed != bundle.leaf:
            raise SaltMismatchError(hexed(bundle.leaf), hexed(computed))


def verify_offline(
    bundle: ProofBundle, *, content: bytes | None = None, path: str | Path | None = None
) -> None:
    """Check the bundle's salt and proof, and the file when given, without any network.

    Args:
        bundle: The bundle.
        content: The file's bytes, to check they are what the bundle proves.
        path: Or the file's path (read in chunks).

    Raises:
        FileMismatchError: The file's digest is not the one the bundle proves.
        SaltMismatchError: The bundle's salt does not open its leaf (hiding bundles).
        NotInBatchError: The proof does not lead from the leaf to the bundle's root.
    """
    if content is not None and path is not None:
        raise ValueError("give the file's content or its path, not both")
    if content is not None:
        check_file_digest(bundle, digest_bytes(content, bundle.algorithm), "the content")
    elif path is not None:
        check_file_digest(bundle, digest_file(Path(str(path)), bundle.algorithm), f"file {path}")
    _check_salt(bundle)
    computed = bundle.leaf if bundle.count == 0 else process_proof(bundle.leaf, bundle.proof)
    if computed != bundle.root:
        raise NotInBatchError(hexed(bundle.leaf), hexed(computed), hexed(bundle.root))


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
    ``anchored`` for the leaf and proof (``anchorOf`` must hold the leaf alone when ``count`` is
    0), and the bundle's transaction must be the one that anchored the root there.

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
        if bundle.count == 0:
            tenant_id, timestamp, _, revoked_at, count, _ = contract.functions.anchorOf(
                bundle.root
            ).call()
            anchored = timestamp != 0 and count == 0
        else:
            anchored, tenant_id, timestamp, revoked_at = contract.functions.verifyInclusion(
                bundle.root, bundle.leaf, list(bundle.proof)
            ).call()
    except ContractLogicError as exc:
        raise BundleVerificationError(f"the contract reverted: {exc}") from None
    if not anchored:
        what = "a digest anchored alone" if bundle.count == 0 else "an anchored batch"
        raise BundleVerificationError(
            f"root {hexed(bundle.root)} is not {what} at {bundle.contract} "
            "or the proof does not hold there"
        )
    block_number = _check_anchor_tx(bundle, w3)
    if revoked_at and not allow_revoked:
        raise BundleVerificationError(
            f"tenant {tenant_id} revoked the anchor of root {hexed(bundle.root)} at {revoked_at}"
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
            f"transaction {hexed(bundle.anchor_tx)} is not on chain {bundle.chain_id}"
        ) from None
    topic = _ANCHORED_TOPIC if bundle.count == 0 else _BATCH_ANCHORED_TOPIC
    for log in receipt["logs"]:
        topics = [bytes(t) for t in log["topics"]]
        if (
            log["address"].lower() == bundle.contract.lower()
            and len(topics) >= 2
            and topics[0] == topic
            and topics[1] == bundle.root
        ):
            return int(receipt["blockNumber"])
    raise BundleVerificationError(
        f"transaction {hexed(bundle.anchor_tx)} did not anchor root {hexed(bundle.root)} "
        f"at {bundle.contract}"
    )

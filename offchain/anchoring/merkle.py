"""Merkle trees over file digests, the same as OpenZeppelin's ``StandardMerkleTree`` of ``bytes32``.

Each leaf value is a 32-byte digest (SHA-256 of a file's content by default, keccak-256 as an
option). The tree hashes it as ``DataAnchor.verifyInclusion`` does::

    leaf_hash = keccak256(keccak256(abi.encode(bytes32 value)))   # abi.encode(bytes32) is the value
    node      = keccak256(min(a, b) ‖ max(a, b))                  # sorted pair, as MerkleProof does

Layout, leaf order and proofs follow ``@openzeppelin/merkle-tree`` (``sortLeaves: true``): leaf
hashes are sorted ascending and stored at the end of a flat array of ``2n - 1`` nodes, the root at
index 0, so a root computed here equals the JavaScript library's and its proofs verify on chain.
``dump`` and ``load`` write and read that library's ``standard-v1`` JSON.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, Literal, get_args

from eth_hash.auto import keccak

from offchain.exceptions import (
    DuplicateLeafError,
    EmptyTreeError,
    InvalidLeafError,
    InvalidTreeError,
    UnknownLeafError,
    UnsupportedAlgorithmError,
)

Algorithm = Literal["sha256", "keccak256"]
ALGORITHMS: Final[tuple[Algorithm, ...]] = get_args(Algorithm)
DEFAULT_ALGORITHM: Final[Algorithm] = "sha256"

#: The OpenZeppelin ``StandardMerkleTree`` leaf encoding this module builds.
LEAF_ENCODING: Final[tuple[str, ...]] = ("bytes32",)
#: The format tag of ``StandardMerkleTree.dump()``.
TREE_FORMAT: Final[str] = "standard-v1"
#: The longest proof ``DataAnchor.verifyInclusion`` accepts.
MAX_PROOF_LENGTH: Final[int] = 64

_CHUNK = 1 << 20


def check_algorithm(name: str) -> Algorithm:
    """Return ``name`` as an :data:`Algorithm`, or raise :class:`UnsupportedAlgorithmError`."""
    if name not in ALGORITHMS:
        raise UnsupportedAlgorithmError(name, ALGORITHMS)
    return name


def digest_bytes(data: bytes, algorithm: str = DEFAULT_ALGORITHM) -> bytes:
    """The 32-byte digest of ``data`` (SHA-256 by default, or keccak-256)."""
    if check_algorithm(algorithm) == "keccak256":
        return bytes(keccak(data))
    return hashlib.sha256(data).digest()


def digest_file(path: str | Path, algorithm: str = DEFAULT_ALGORITHM) -> bytes:
    """The 32-byte digest of a file's content, read in 1 MiB chunks."""
    if check_algorithm(algorithm) == "keccak256":
        # eth-hash has no streaming API; pycryptodome's keccak is the same function.
        from Crypto.Hash import keccak as streaming_keccak

        hasher: Any = streaming_keccak.new(digest_bits=256)
    else:
        hasher = hashlib.sha256()
    with Path(path).open("rb") as stream:
        while chunk := stream.read(_CHUNK):
            hasher.update(chunk)
    return bytes(hasher.digest())


def leaf_hash(value: bytes) -> bytes:
    """The tree leaf of a 32-byte value: ``keccak256(keccak256(abi.encode(value)))``."""
    _check_value(value)
    return bytes(keccak(keccak(value)))


def hash_pair(a: bytes, b: bytes) -> bytes:
    """An inner node: keccak-256 of the two children in ascending byte order."""
    return bytes(keccak(a + b if a < b else b + a))


def process_proof(value: bytes, proof: Sequence[bytes]) -> bytes:
    """The root that ``proof`` leads to from the leaf ``value``."""
    node = leaf_hash(value)
    for sibling in proof:
        _check_node(sibling, "proof element")
        node = hash_pair(node, sibling)
    return node


def verify_proof(root: bytes, value: bytes, proof: Sequence[bytes]) -> bool:
    """Whether ``proof`` shows ``value`` is a leaf of the tree with ``root``."""
    return process_proof(value, proof) == root


@dataclass(frozen=True, slots=True)
class MerkleTree:
    """An immutable tree; build it with :meth:`of`, :meth:`from_files` or :meth:`load`.

    Attributes:
        nodes: The flat node array (root first, leaves last), as OpenZeppelin's library stores it.
        values: The leaf values in the order they were given.
        tree_indices: For each value (same order), the index of its leaf in ``nodes``.
    """

    nodes: tuple[bytes, ...]
    values: tuple[bytes, ...]
    tree_indices: tuple[int, ...]
    _position: dict[bytes, int] = field(repr=False, compare=False)

    @classmethod
    def of(cls, values: Iterable[bytes], labels: Sequence[str] | None = None) -> MerkleTree:
        """Build the tree of 32-byte ``values``.

        Args:
            values: Leaf values (digests), at least one, no two equal.
            labels: Optional names for the values (e.g. file paths), used in error messages.

        Raises:
            EmptyTreeError: No values.
            InvalidLeafError: A value is not 32 bytes.
            DuplicateLeafError: A value appears twice.
        """
        given = list(values)
        if not given:
            raise EmptyTreeError
        for i, value in enumerate(given):
            _check_value(value, _label(labels, i))
        vals = tuple(bytes(v) for v in given)
        position: dict[bytes, int] = {}
        for i, value in enumerate(vals):
            first = position.setdefault(value, i)
            if first != i:
                raise DuplicateLeafError(value, _label(labels, first), _label(labels, i))
        hashed = sorted((leaf_hash(v), i) for i, v in enumerate(vals))
        size = 2 * len(vals) - 1
        nodes: list[bytes] = [b""] * size
        indices = [0] * len(vals)
        for leaf_index, (hashed_leaf, value_index) in enumerate(hashed):
            nodes[size - 1 - leaf_index] = hashed_leaf
            indices[value_index] = size - 1 - leaf_index
        for i in range(size - 1 - len(vals), -1, -1):
            nodes[i] = hash_pair(nodes[2 * i + 1], nodes[2 * i + 2])
        return cls(tuple(nodes), vals, tuple(indices), position)

    @classmethod
    def from_files(
        cls, paths: Iterable[str | Path], algorithm: str = DEFAULT_ALGORITHM
    ) -> MerkleTree:
        """Build the tree of the files' digests, in the order given.

        Raises:
            EmptyTreeError: No paths.
            DuplicateLeafError: Two files have the same content (the message names both).
            UnsupportedAlgorithmError: ``algorithm`` is neither ``sha256`` nor ``keccak256``.
        """
        check_algorithm(algorithm)
        files = [Path(p) for p in paths]
        return cls.of((digest_file(p, algorithm) for p in files), [str(p) for p in files])

    @property
    def root(self) -> bytes:
        """The root (what ``anchorBatch`` anchors)."""
        return self.nodes[0]

    @property
    def count(self) -> int:
        """The number of leaves (what ``anchorBatch`` records as ``count``)."""
        return len(self.values)

    def __contains__(self, value: object) -> bool:
        return value in self._position

    def index_of(self, value: bytes) -> int:
        """The position of ``value`` among :attr:`values`."""
        try:
            return self._position[bytes(value)]
        except KeyError:
            raise UnknownLeafError(bytes(value), self.root) from None

    def proof(self, value: bytes) -> list[bytes]:
        """The sibling hashes from the leaf of ``value`` up to the root (empty for one leaf).

        Raises:
            UnknownLeafError: ``value`` is not a leaf of this tree.
        """
        index = self.tree_indices[self.index_of(value)]
        path: list[bytes] = []
        while index > 0:
            path.append(self.nodes[index + 1 if index % 2 else index - 1])
            index = (index - 1) // 2
        return path

    def dump(self) -> dict[str, Any]:
        """The tree as OpenZeppelin's ``StandardMerkleTree.dump()`` object (``standard-v1``)."""
        return {
            "format": TREE_FORMAT,
            "leafEncoding": list(LEAF_ENCODING),
            "tree": [_hex(n) for n in self.nodes],
            "values": [
                {"value": [_hex(v)], "treeIndex": i}
                for v, i in zip(self.values, self.tree_indices, strict=True)
            ],
        }

    @classmethod
    def load(cls, data: Mapping[str, Any]) -> MerkleTree:
        """Read a ``standard-v1`` dump and check every node.

        Reads ours and OpenZeppelin's, whether its leaves were sorted (the default, and what
        :meth:`of` builds) or kept in the order given (``sortLeaves: false``): any placement of the
        leaves whose nodes hash up to the root proves the same inclusions on chain.

        Raises:
            InvalidTreeError: Wrong format or encoding, no values, a value or node that is not 32
                bytes, two equal values, or a node or tree index that does not match.
        """
        if not isinstance(data, Mapping):
            raise InvalidTreeError(f"expected a JSON object, got {type(data).__name__}")
        if data.get("format") != TREE_FORMAT:
            raise InvalidTreeError(f"format is {data.get('format')!r}, expected {TREE_FORMAT!r}")
        encoding = data.get("leafEncoding")
        if not isinstance(encoding, list) or encoding != list(LEAF_ENCODING):
            raise InvalidTreeError(
                f"leafEncoding is {data.get('leafEncoding')!r}, expected {list(LEAF_ENCODING)!r}"
            )
        try:
            values = [_unhex(entry["value"][0]) for entry in data["values"]]
            stored = [_unhex(node) for node in data["tree"]]
            indices = [int(entry["treeIndex"]) for entry in data["values"]]
        except (KeyError, IndexError, TypeError, ValueError) as exc:
            raise InvalidTreeError(f"malformed dump: {exc}") from exc
        position = _check_dump(values, stored, indices)
        return cls(tuple(stored), tuple(values), tuple(indices), position)


def _check_dump(values: list[bytes], nodes: list[bytes], indices: list[int]) -> dict[bytes, int]:
    """Check a dump's values, leaves and inner nodes; return each value's position."""
    if not values:
        raise InvalidTreeError("it has no values")
    for what, items in (("value", values), ("node", nodes)):
        for i, item in enumerate(items):
            if len(item) != 32:
                raise InvalidTreeError(f"{what} #{i} is {len(item)} bytes, expected 32")
    position: dict[bytes, int] = {}
    for i, value in enumerate(values):
        first = position.setdefault(value, i)
        if first != i:
            raise InvalidTreeError(f"values #{first} and #{i} are equal (0x{value.hex()})")
    size = 2 * len(values) - 1
    mismatch = "its nodes or tree indices differ from the tree of its values"
    if len(nodes) != size:
        raise InvalidTreeError(f"{mismatch}: {len(nodes)} nodes for {len(values)} values")
    if sorted(indices) != list(range(len(values) - 1, size)):
        raise InvalidTreeError(f"{mismatch}: the tree indices do not name each leaf once")
    for value, index in zip(values, indices, strict=True):
        if nodes[index] != leaf_hash(value):
            raise InvalidTreeError(f"{mismatch}: node {index} is not the leaf of its value")
    for i in range(len(values) - 2, -1, -1):
        if nodes[i] != hash_pair(nodes[2 * i + 1], nodes[2 * i + 2]):
            raise InvalidTreeError(f"{mismatch}: node {i} is not the hash of its children")
    return position


def _check_value(value: bytes, label: str | None = None) -> None:
    if not isinstance(value, bytes | bytearray) or len(value) != 32:
        raise InvalidLeafError(value, label)


def _check_node(node: bytes, what: str) -> None:
    if not isinstance(node, bytes | bytearray) or len(node) != 32:
        raise InvalidLeafError(node, what)


def _label(labels: Sequence[str] | None, index: int) -> str:
    return labels[index] if labels is not None else f"value #{index}"


def _hex(data: bytes) -> str:
    return "0x" + data.hex()


def _unhex(text: str) -> bytes:
    if not isinstance(text, str) or not text.startswith("0x"):
        raise ValueError(f"{text!r} is not 0x-prefixed hex")
    return bytes.fromhex(text[2:])

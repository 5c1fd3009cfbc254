"""Hiding commitments: the leaf a file gets when it is anchored with a salt (the default).

A plain leaf is the file's digest, and a digest can be found by hashing candidates: the SHA-256 of
``yes`` or of a form with a few fields is one of a small set anyone can try. A hiding leaf commits
to the digest with a fresh 32-byte random salt (:func:`salted_leaf`). Without the salt, the leaf,
the batch root on chain and the sibling hashes in other files' bundles say nothing about the
content: a candidate can only be tested by also guessing the salt (2**256 values). The salt is
written only into that file's proof bundle, so whoever holds the bundle (and the file) can open
the commitment, and nobody else can.

The tree over the commitments is the usual OpenZeppelin ``standard-v1`` tree of ``bytes32``
(:mod:`offchain.anchoring.merkle`): ``DataAnchor.verifyInclusion`` and OpenZeppelin's tooling
treat a commitment like any other 32-byte leaf, and anchoring one costs the same gas.

This module also keeps salts across an interrupted run (:func:`write_pending`): they are saved
before the root is sent, so a rerun after a crash finds the same root instead of anchoring again.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Final, Literal, get_args

from eth_hash.auto import keccak

from offchain.exceptions import InvalidLeafError

Kind = Literal["hiding", "plain"]
KINDS: Final[tuple[Kind, ...]] = get_args(Kind)

#: Domain tag hashed before the salt, so a commitment is never the digest of some 64-byte file.
LEAF_DOMAIN: Final[bytes] = b"leasehold:salted-leaf:v1"
#: Salt length: 256 bits of entropy from the OS's CSPRNG.
SALT_BYTES: Final[int] = 32


def new_salt() -> bytes:
    """A fresh random 32-byte salt (``secrets.token_bytes``, the OS's CSPRNG)."""
    return secrets.token_bytes(SALT_BYTES)


def salted_leaf(salt: bytes, digest: bytes) -> bytes:
    """The hiding leaf of a file: ``keccak256(LEAF_DOMAIN ‖ salt ‖ digest)``.

    Exactly, in bytes: the 24 ASCII bytes ``leasehold:salted-leaf:v1``, then the 32-byte salt,
    then the file's 32-byte digest (SHA-256 of its content, or keccak-256 when the bundle's
    ``algorithm`` says so); keccak-256 (Ethereum's, not SHA3-256) of those 88 bytes. In Solidity
    that is ``keccak256(abi.encodePacked("leasehold:salted-leaf:v1", salt, digest))``; in
    JavaScript with ethers, ``solidityPackedKeccak256(["string", "bytes32", "bytes32"], [tag,
    salt, digest])``. The result is the tree's leaf *value*; the tree then hashes it as it does
    any value (``keccak256(keccak256(value))``).

    Args:
        salt: 32 random bytes (from :func:`new_salt`, or a bundle's ``salt``).
        digest: The file's 32-byte digest.

    Raises:
        InvalidLeafError: ``salt`` or ``digest`` is not 32 bytes.
    """
    for value, what in ((salt, "salt"), (digest, "digest")):
        if not isinstance(value, bytes | bytearray) or len(value) != 32:
            raise InvalidLeafError(value, what)
    return bytes(keccak(LEAF_DOMAIN + bytes(salt) + bytes(digest)))


def leaf_of(kind: Kind, digest: bytes, salt: bytes | None) -> bytes:
    """The leaf value of a file: its digest (``plain``) or :func:`salted_leaf` (``hiding``)."""
    if kind == "plain":
        return digest
    if salt is None:
        raise ValueError("a hiding leaf needs its salt")
    return salted_leaf(salt, digest)


def write_pending(path: Path, algorithm: str, salts: Mapping[str, tuple[bytes, bytes]]) -> None:
    """Save ``{name: (digest, salt)}`` before anchoring, so a rerun after a crash finds them.

    The file is as private as the bundles (it holds their salts); it is removed once every bundle
    is written (:func:`discard_pending`).
    """
    from offchain.anchoring.bundle import write_atomic

    entries = {name: {"digest": _hex(d), "salt": _hex(s)} for name, (d, s) in salts.items()}
    write_atomic(path, json.dumps({"algorithm": algorithm, "salts": entries}, indent=1) + "\n")


def read_pending(path: Path, algorithm: str) -> dict[str, tuple[bytes, bytes]]:
    """The salts :func:`write_pending` saved with ``algorithm`` (empty if none or unreadable)."""
    try:
        data = json.loads(path.read_text())
        if data.get("algorithm") != algorithm:
            return {}
        return {
            str(name): (bytes.fromhex(e["digest"][2:]), bytes.fromhex(e["salt"][2:]))
            for name, e in data["salts"].items()
        }
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}


def discard_pending(path: Path) -> None:
    """Remove the pending salts once the bundles hold them."""
    path.unlink(missing_ok=True)


def _hex(data: bytes) -> str:
    return "0x" + data.hex()


__all__ = [
    "KINDS",
    "LEAF_DOMAIN",
    "SALT_BYTES",
    "Kind",
    "discard_pending",
    "leaf_of",
    "new_salt",
    "read_pending",
    "salted_leaf",
    "write_pending",
]

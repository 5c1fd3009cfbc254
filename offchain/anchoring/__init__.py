"""What data existed when: Merkle trees (OpenZeppelin's format), proof bundles, and anchoring and
verifying files and directories.

- :mod:`offchain.anchoring.merkle`: :class:`MerkleTree`, leaf hashing, proofs and multiproofs.
- :mod:`offchain.anchoring.bundle`: :class:`ProofBundle`, one self-contained proof per file,
  checked offline or against the chain.
- :mod:`offchain.anchoring.commitment`: hiding leaves (a salted commitment to each file's digest).
- :mod:`offchain.anchoring.files`: anchor a file or a directory and write its bundles.
- :mod:`offchain.anchoring.verify`: verify a file against its bundle or as a digest anchored alone.
"""

from typing import TYPE_CHECKING

from offchain._lazy import lazy_exports

if TYPE_CHECKING:
    from offchain.anchoring.bundle import ProofBundle as ProofBundle
    from offchain.anchoring.commitment import salted_leaf as salted_leaf
    from offchain.anchoring.files import anchor_directory as anchor_directory
    from offchain.anchoring.files import anchor_file as anchor_file
    from offchain.anchoring.merkle import MerkleTree as MerkleTree
    from offchain.anchoring.merkle import digest_file as digest_file
    from offchain.anchoring.verify import verify_file as verify_file

_EXPORTS = {
    "ProofBundle": "bundle",
    "salted_leaf": "commitment",
    "anchor_directory": "files",
    "anchor_file": "files",
    "verify_file": "verify",
    "MerkleTree": "merkle",
    "digest_file": "merkle",
}
__all__ = sorted(_EXPORTS)
__getattr__ = lazy_exports(__name__, _EXPORTS)

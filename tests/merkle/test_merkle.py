"""offchain.anchoring.merkle: trees over 32-byte digests, the same as OpenZeppelin's
StandardMerkleTree."""

from __future__ import annotations

import hashlib
import json

import pytest
from eth_hash.auto import keccak
from hypothesis import example, given
from hypothesis import strategies as st

from offchain.anchoring.merkle import (
    MerkleTree,
    digest_bytes,
    digest_file,
    hash_pair,
    leaf_hash,
    process_proof,
    verify_proof,
)
from offchain.exceptions import (
    DuplicateLeafError,
    EmptyTreeError,
    InvalidLeafError,
    InvalidTreeError,
    LeaseholdError,
    UnknownLeafError,
    UnsupportedAlgorithmError,
)

A, B, C = (bytes([i]) * 32 for i in (0x11, 0x22, 0x33))
# Computed with @openzeppelin/merkle-tree 1.0.8: StandardMerkleTree.of([[A], [B]], ["bytes32"]).root
ROOT_AB = bytes.fromhex("cb18cb5843115351c1cf5f505b6c5929e5b4480a0f3666d63f5d885c49f4acad")

values_strategy = st.lists(
    st.binary(min_size=32, max_size=32), min_size=1, max_size=70, unique=True
)


def _flip(value: bytes, bit: int) -> bytes:
    out = bytearray(value)
    out[bit // 8] ^= 1 << (bit % 8)
    return bytes(out)


# ------------------------------------------------------------------------------------ digests


def test_sha256_is_the_default_digest():
    assert digest_bytes(b"hello") == hashlib.sha256(b"hello").digest()


def test_keccak256_is_available_as_an_option():
    assert digest_bytes(b"hello", "keccak256") == keccak(b"hello")


@pytest.mark.parametrize("algorithm", ["sha256", "keccak256"])
@pytest.mark.parametrize("size", [0, 1, (1 << 20) + 3], ids=["empty", "one-byte", "over-1MiB"])
def test_a_file_digest_equals_the_digest_of_its_content(tmp_path, algorithm, size):
    content = bytes(range(256)) * (size // 256) + b"x" * (size % 256)
    path = tmp_path / "f.bin"
    path.write_bytes(content)

    assert digest_file(path, algorithm) == digest_bytes(content, algorithm)


@pytest.mark.parametrize("name", ["md5", "SHA256", "sha3", ""])
def test_an_unsupported_algorithm_is_refused_with_the_supported_ones_named(name):
    with pytest.raises(UnsupportedAlgorithmError, match="use one of sha256, keccak256"):
        digest_bytes(b"x", name)


def test_unsupported_algorithm_is_a_leasehold_value_error():
    assert issubclass(UnsupportedAlgorithmError, LeaseholdError)
    assert issubclass(UnsupportedAlgorithmError, ValueError)


# --------------------------------------------------------------------------------- hashing


def test_a_leaf_is_the_double_keccak_of_its_abi_encoded_value():
    assert leaf_hash(A) == keccak(keccak(A))


def test_inner_nodes_hash_the_sorted_pair():
    assert hash_pair(B, A) == hash_pair(A, B) == keccak(A + B)


def test_the_root_of_two_leaves_equals_openzeppelins():
    assert MerkleTree.of([A, B]).root == ROOT_AB


def test_the_order_of_the_values_does_not_change_the_root():
    assert MerkleTree.of([A, B, C]).root == MerkleTree.of([C, A, B]).root


def test_a_one_leaf_tree_has_the_leaf_hash_as_root_and_an_empty_proof():
    tree = MerkleTree.of([A])

    assert (tree.root, tree.proof(A), tree.count) == (leaf_hash(A), [], 1)


# ---------------------------------------------------------------------------------- proofs


@given(values=values_strategy)
@example(values=[A])
@example(values=[A, B])
@example(values=[A, B, C])
def test_every_value_proves_against_the_root(values):
    tree = MerkleTree.of(values)

    assert all(verify_proof(tree.root, v, tree.proof(v)) for v in values)


@given(values=values_strategy, pick=st.integers(0), bit=st.integers(0, 255), where=st.integers(0))
@example(values=[A, B], pick=0, bit=0, where=0)
@example(values=[A, B, C], pick=2, bit=255, where=1)
def test_a_flipped_bit_in_the_value_or_the_proof_breaks_it(values, pick, bit, where):
    tree = MerkleTree.of(values)
    value = values[pick % len(values)]
    proof = tree.proof(value)
    slot = where % (len(proof) + 1)
    if slot == len(proof):
        value = _flip(value, bit)
    else:
        proof[slot] = _flip(proof[slot], bit)

    assert not verify_proof(tree.root, value, proof)


@given(values=values_strategy)
def test_proofs_are_no_longer_than_the_tree_is_deep(values):
    tree = MerkleTree.of(values)
    depth = (len(values) - 1).bit_length()

    assert max(len(tree.proof(v)) for v in values) == depth


def test_process_proof_rebuilds_the_root():
    tree = MerkleTree.of([A, B, C])

    assert process_proof(B, tree.proof(B)) == tree.root


def test_a_proof_for_a_value_outside_the_tree_is_refused():
    tree = MerkleTree.of([A, B])

    with pytest.raises(UnknownLeafError, match=f"0x{C.hex()} is not a leaf of the tree"):
        tree.proof(C)


def test_unknown_leaf_error_reads_as_its_message_and_is_a_key_error():
    error = UnknownLeafError(C, ROOT_AB)

    assert isinstance(error, KeyError)
    assert str(error).startswith("0x33")


def test_a_proof_element_of_the_wrong_size_is_refused():
    with pytest.raises(InvalidLeafError, match=r"proof element: .* got 31 bytes"):
        process_proof(A, [b"\x01" * 31])


# ----------------------------------------------------------------------------- bad input


def test_an_empty_tree_is_refused_with_a_clear_message():
    with pytest.raises(EmptyTreeError, match="give at least one file or digest"):
        MerkleTree.of([])


def test_duplicate_values_are_refused_naming_both_positions():
    with pytest.raises(DuplicateLeafError, match=r"value #0 and value #2 have the same digest"):
        MerkleTree.of([A, B, A])


@pytest.mark.parametrize("size", [0, 31, 33, 64])
def test_values_that_are_not_32_bytes_are_refused(size):
    with pytest.raises(InvalidLeafError, match=f"value #1: .* got {size} bytes"):
        MerkleTree.of([A, b"\x01" * size])


def test_a_value_that_is_not_bytes_is_refused():
    with pytest.raises(InvalidLeafError, match="got str"):
        MerkleTree.of([A, "0x" + "11" * 32])  # type: ignore[list-item]


# ------------------------------------------------------------------------------------ files


def test_a_tree_of_files_has_their_digests_as_values_in_order(tmp_path):
    paths = [tmp_path / name for name in ("a.txt", "b.txt", "c.txt")]
    for i, path in enumerate(paths):
        path.write_bytes(f"content {i}".encode())

    tree = MerkleTree.from_files(paths)

    assert tree.values == tuple(hashlib.sha256(f"content {i}".encode()).digest() for i in range(3))


def test_a_keccak_tree_of_files_uses_keccak_digests(tmp_path):
    path = tmp_path / "a.txt"
    path.write_bytes(b"content")

    assert MerkleTree.from_files([path], "keccak256").values == (keccak(b"content"),)


def test_two_files_with_the_same_content_are_refused_naming_both(tmp_path):
    (tmp_path / "a.txt").write_bytes(b"same")
    (tmp_path / "b.txt").write_bytes(b"same")

    with pytest.raises(DuplicateLeafError, match=r"a\.txt and .*b\.txt have the same digest"):
        MerkleTree.from_files([tmp_path / "a.txt", tmp_path / "b.txt"])


def test_no_files_is_refused(tmp_path):
    with pytest.raises(EmptyTreeError):
        MerkleTree.from_files([])


def test_a_missing_file_raises_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        MerkleTree.from_files([tmp_path / "missing.txt"])


# -------------------------------------------------------------------------------- dump/load


def test_dump_is_openzeppelins_standard_v1_format():
    dump = MerkleTree.of([A, B]).dump()

    assert dump == {
        "format": "standard-v1",
        "leafEncoding": ["bytes32"],
        "tree": [
            "0x" + ROOT_AB.hex(),
            "0x" + leaf_hash(B).hex() if leaf_hash(B) > leaf_hash(A) else "0x" + leaf_hash(A).hex(),
            "0x" + min(leaf_hash(A), leaf_hash(B)).hex(),
        ],
        "values": dump["values"],
    }
    assert sorted(v["treeIndex"] for v in dump["values"]) == [1, 2]


@given(values=values_strategy)
def test_a_dumped_tree_loads_back_equal(values):
    tree = MerkleTree.of(values)

    assert MerkleTree.load(json.loads(json.dumps(tree.dump()))) == tree


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(format="simple-v1"), "format is 'simple-v1'"),
        (lambda d: d.update(leafEncoding=["uint256"]), "leafEncoding"),
        (
            lambda d: d["tree"].__setitem__(0, "0x" + "00" * 32),
            "differ from the tree of its values",
        ),
        (lambda d: d["values"][0].__setitem__("treeIndex", 0), "differ from the tree"),
        (lambda d: d["values"][0].__setitem__("value", ["11" * 32]), "not 0x-prefixed"),
        (lambda d: d.pop("values"), "malformed dump"),
    ],
    ids=["format", "encoding", "node", "index", "hex", "missing"],
)
def test_a_tampered_or_malformed_dump_is_refused(change, message):
    dump = MerkleTree.of([A, B, C]).dump()
    change(dump)

    with pytest.raises(InvalidTreeError, match=message):
        MerkleTree.load(dump)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(values=[], tree=[]), "it has no values"),
        (lambda d: d["values"][1].__setitem__("value", d["values"][0]["value"]), "are equal"),
        (lambda d: d["values"][0].__setitem__("value", ["0x1234"]), "value #0 is 2 bytes"),
        (lambda d: d["tree"].__setitem__(1, "0x"), "node #1 is 0 bytes"),
        (lambda d: d["tree"].pop(), "4 nodes for 3 values"),
        (lambda d: d["values"][0].__setitem__("value", ["0x" + "77" * 32]), "not the leaf"),
        (lambda d: d.update(leafEncoding=None), "leafEncoding is None"),
        (lambda d: d.update(leafEncoding=5), "leafEncoding is 5"),
        (lambda d: d.pop("leafEncoding"), "leafEncoding is None"),
    ],
    ids=[
        "empty",
        "duplicate",
        "short-value",
        "short-node",
        "node-count",
        "wrong-leaf",
        "null-encoding",
        "number-encoding",
        "no-encoding",
    ],
)
def test_every_bad_dump_raises_the_invalid_tree_error_the_docstring_names(change, message):
    dump = MerkleTree.of([A, B, C]).dump()
    change(dump)

    with pytest.raises(InvalidTreeError, match=message):
        MerkleTree.load(dump)


def test_a_dump_that_is_not_an_object_is_refused():
    with pytest.raises(InvalidTreeError, match="expected a JSON object, got list"):
        MerkleTree.load([])  # type: ignore[arg-type]


@pytest.mark.parametrize("count", [1, 2, 3, 4, 5, 9])
def test_a_tree_with_leaves_in_given_order_loads_and_proves_each_value(count):
    """OpenZeppelin's ``sortLeaves: false``: leaf i at node size-1-i, inner nodes as usual."""
    values = [bytes([i + 1]) * 32 for i in range(count)]
    size = 2 * count - 1
    nodes = [b""] * size
    for i, value in enumerate(values):
        nodes[size - 1 - i] = leaf_hash(value)
    for i in range(size - 1 - count, -1, -1):
        nodes[i] = hash_pair(nodes[2 * i + 1], nodes[2 * i + 2])
    dump = {
        "format": "standard-v1",
        "leafEncoding": ["bytes32"],
        "tree": ["0x" + n.hex() for n in nodes],
        "values": [
            {"value": ["0x" + v.hex()], "treeIndex": size - 1 - i} for i, v in enumerate(values)
        ],
    }

    tree = MerkleTree.load(dump)

    assert tree.root == nodes[0]
    assert all(process_proof(v, tree.proof(v)) == nodes[0] for v in values)
    assert tree.dump() == dump

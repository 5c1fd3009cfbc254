"""Hiding leaves: a salted commitment per file, what it hides, and its own errors (offline).

The dictionary attack: an attacker sees the batch root (the chain) and holds every other file's
bundle, and knows the secret file is one of a small set of candidates (1000 short forms). Against
plain digests it finds the file; against hiding leaves no candidate fits. On-chain checks of both
kinds are in tests/client/test_anchor_client_hiding.py.
"""

from __future__ import annotations

import dataclasses
import json

import pytest
from Crypto.Hash import keccak as pycryptodome_keccak

from offchain.anchoring.bundle import ProofBundle, bundles_for, single_bundle, verify_offline
from offchain.anchoring.commitment import LEAF_DOMAIN, new_salt, salted_leaf
from offchain.anchoring.merkle import MerkleTree, digest_bytes, leaf_hash
from offchain.exceptions import (
    BundleVerificationError,
    FileMismatchError,
    InvalidLeafError,
    NotInBatchError,
    SaltMismatchError,
)

CONTRACT = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
TX = "0x" + "ab" * 32
CANDIDATES = [f"form 7: approved=yes, amount={n}\n".encode() for n in range(1000)]
SECRET = CANDIDATES[613]
PUBLIC = [f"report {i}: nothing secret here\n".encode() for i in range(7)]
FILES = [*PUBLIC[:3], SECRET, *PUBLIC[3:]]  # the secret is file #3 of 8


def _batch(hiding: bool) -> tuple[MerkleTree, list[ProofBundle]]:
    digests = [digest_bytes(c) for c in FILES]
    if not hiding:
        tree = MerkleTree.of(digests)
        return tree, bundles_for(
            tree, algorithm="sha256", chain_id=1, contract=CONTRACT, anchor_tx=TX
        )
    openings = [(d, new_salt()) for d in digests]
    tree = MerkleTree.of(salted_leaf(s, d) for d, s in openings)
    return tree, bundles_for(
        tree, algorithm="sha256", chain_id=1, contract=CONTRACT, anchor_tx=TX, openings=openings
    )


def _attack(root: bytes, others: list[ProofBundle]) -> list[bytes]:
    """The candidates that fit: the attacker rebuilds the batch with each candidate as the
    missing file, as a plain digest and as a commitment under every salt it has seen, and also
    looks each candidate's leaf up among every hash the other bundles show."""
    seen = {h for b in others for h in (b.leaf, *b.proof)} | {leaf_hash(b.leaf) for b in others}
    salts = [b.salt for b in others if b.salt is not None]
    known = [b.leaf for b in others]
    found = []
    for candidate in CANDIDATES:
        digest = digest_bytes(candidate)
        guesses = [digest, *(salted_leaf(s, digest) for s in salts)]
        for guess in guesses:
            if leaf_hash(guess) in seen or MerkleTree.of([*known, guess]).root == root:
                found.append(candidate)
                break
    return found


def test_a_dictionary_attack_finds_the_file_behind_a_plain_digest():
    tree, bundles = _batch(hiding=False)
    others = [b for i, b in enumerate(bundles) if i != 3]

    assert _attack(tree.root, others) == [SECRET]


def test_a_dictionary_attack_finds_nothing_behind_a_hiding_leaf():
    tree, bundles = _batch(hiding=True)
    others = [b for i, b in enumerate(bundles) if i != 3]

    assert _attack(tree.root, others) == []
    verify_offline(bundles[3], content=SECRET)  # while its own bundle still proves it


def test_a_digest_anchored_alone_is_found_plain_and_hidden_with_a_salt():
    yes_no = [b"yes", b"no"]
    plain = digest_bytes(b"no")
    hidden = salted_leaf(new_salt(), digest_bytes(b"no"))

    assert [c for c in yes_no if digest_bytes(c) == plain] == [b"no"]
    assert [c for c in yes_no if digest_bytes(c) == hidden] == []


def test_the_leaf_is_keccak_of_the_domain_tag_the_salt_and_the_digest():
    salt, digest = bytes(range(32)), digest_bytes(b"yes")
    independent = pycryptodome_keccak.new(digest_bits=256)
    independent.update(b"leasehold:salted-leaf:v1" + salt + digest)

    assert LEAF_DOMAIN == b"leasehold:salted-leaf:v1"
    assert salted_leaf(salt, digest) == independent.digest()
    # The vector docs/privacy.md gives, for the console's JavaScript to match.
    assert salted_leaf(salt, digest).hex() == (
        "40813bd789b600303673ebd942b06a9382008467d5bc6bb82a756ffb1b6a8cdb"
    )


def test_fresh_salts_are_32_random_bytes_each_time():
    salts = {new_salt() for _ in range(100)}

    assert len(salts) == 100
    assert {len(s) for s in salts} == {32}


@pytest.mark.parametrize(("salt", "digest"), [(b"\x01" * 31, b"\x02" * 32), (b"\x01" * 32, b"")])
def test_a_salt_or_digest_that_is_not_32_bytes_is_refused(salt, digest):
    with pytest.raises(InvalidLeafError):
        salted_leaf(salt, digest)


def test_equal_files_get_different_leaves():
    digest = digest_bytes(b"alpha")

    assert salted_leaf(new_salt(), digest) != salted_leaf(new_salt(), digest)


def test_a_hiding_bundle_carries_its_digest_and_salt_and_reads_back_equal(tmp_path):
    _, bundles = _batch(hiding=True)
    data = json.loads(bundles[3].to_json())

    assert (data["schema"], data["kind"]) == (2, "hiding")
    assert data["digest"] == "0x" + digest_bytes(SECRET).hex()
    assert data["salt"] == "0x" + bundles[3].salt.hex()
    assert ProofBundle.read(bundles[3].write(tmp_path / "b.json")) == bundles[3]


def test_the_tree_of_commitments_is_a_standard_v1_tree():
    tree, _ = _batch(hiding=True)

    assert MerkleTree.load(json.loads(json.dumps(tree.dump()))) == tree


def test_a_wrong_salt_fails_with_its_own_error():
    _, bundles = _batch(hiding=True)
    wrong = dataclasses.replace(bundles[3], salt=bundles[4].salt)

    with pytest.raises(SaltMismatchError, match=r"wrong salt: .*Use the bundle 'leasehold anchor'"):
        verify_offline(wrong, content=SECRET)
    with pytest.raises(SaltMismatchError):
        verify_offline(wrong)  # the bundle alone shows it too


def test_another_file_fails_as_a_file_mismatch():
    _, bundles = _batch(hiding=True)

    with pytest.raises(FileMismatchError, match="it is not the file this bundle proves"):
        verify_offline(bundles[3], content=PUBLIC[0])


def test_a_bundle_for_a_file_from_another_batch_fails_with_its_own_error():
    _, ours = _batch(hiding=True)
    other_tree, _ = _batch(hiding=True)
    claimed = dataclasses.replace(ours[3], root=other_tree.root)

    with pytest.raises(NotInBatchError, match="the leaf is from another batch"):
        verify_offline(claimed, content=SECRET)


def test_the_new_errors_are_bundle_verification_errors():
    for error in (FileMismatchError, SaltMismatchError, NotInBatchError):
        assert issubclass(error, BundleVerificationError)


def test_openings_that_do_not_give_the_leaves_are_refused():
    tree, _ = _batch(hiding=True)
    openings = [(digest_bytes(c), new_salt()) for c in FILES]

    with pytest.raises(ValueError, match="does not give it"):
        bundles_for(
            tree, algorithm="sha256", chain_id=1, contract=CONTRACT, anchor_tx=TX,
            openings=openings,
        )  # fmt: skip


@pytest.mark.parametrize("salt", [None, b"\x07" * 32], ids=["plain", "hiding"])
def test_a_digest_anchored_alone_has_a_bundle_with_no_proof(salt):
    bundle = single_bundle(
        digest_bytes(SECRET), salt, algorithm="sha256", chain_id=1, contract=CONTRACT, anchor_tx=TX
    )

    assert (bundle.count, bundle.proof, bundle.root) == (0, (), bundle.leaf)
    assert bundle.kind == ("plain" if salt is None else "hiding")
    verify_offline(bundle, content=SECRET)
    assert ProofBundle.from_json(bundle.to_json()) == bundle
    with pytest.raises(NotInBatchError):
        verify_offline(dataclasses.replace(bundle, root=b"\x01" * 32))

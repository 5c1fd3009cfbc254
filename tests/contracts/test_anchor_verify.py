"""DataAnchor.verifyInclusion: a leaf (raw value, double-hashed as OpenZeppelin's StandardMerkleTree
does) and its proof against an anchored batch root, answered with the anchor's attribution."""

from __future__ import annotations

import hashlib

import pytest

from offchain.anchoring.merkle import MerkleTree, leaf_hash

MAX_PROOF_LENGTH = 64
NOT_ANCHORED = (False, 0, 0, 0)


def _values(n: int, label: str = "leaf") -> list[bytes]:
    return [hashlib.sha256(f"{label}-{i}".encode()).digest() for i in range(n)]


@pytest.fixture
def batch(data_anchor, tenant_owner, tenant_id, block_time):
    """Anchor the tree of ``n`` leaves; return (tree, anchoring timestamp)."""

    def anchor(n: int) -> tuple[MerkleTree, int]:
        tree = MerkleTree.of(_values(n))
        receipt = data_anchor.anchorBatch(tenant_id, tree.root, tree.count, "", sender=tenant_owner)
        return tree, block_time(receipt)

    return anchor


@pytest.mark.parametrize("n", [1, 2, 3, 5, 8, 13])
def test_every_leaf_of_an_anchored_batch_verifies_with_its_proof(data_anchor, tenant_id, batch, n):
    tree, anchored_at = batch(n)

    answers = [tuple(data_anchor.verifyInclusion(tree.root, v, tree.proof(v))) for v in tree.values]

    assert answers == [(True, tenant_id, anchored_at, 0)] * n


def test_a_one_leaf_batch_verifies_with_an_empty_proof(data_anchor, tenant_id, batch):
    tree, anchored_at = batch(1)

    assert tree.root == leaf_hash(tree.values[0])
    assert data_anchor.verifyInclusion(tree.root, tree.values[0], []) == (
        True,
        tenant_id,
        anchored_at,
        0,
    )


def test_a_value_outside_the_batch_does_not_verify(data_anchor, batch):
    tree, _ = batch(5)
    outsider = _values(1, "outsider")[0]

    assert data_anchor.verifyInclusion(tree.root, outsider, tree.proof(tree.values[0])) == (
        NOT_ANCHORED
    )


def test_a_leaf_with_another_leafs_proof_does_not_verify(data_anchor, batch):
    tree, _ = batch(5)

    answer = data_anchor.verifyInclusion(tree.root, tree.values[0], tree.proof(tree.values[1]))

    assert answer == NOT_ANCHORED


def test_a_tree_node_passed_as_leaf_does_not_verify(data_anchor, batch):
    # The leaf is hashed twice before use, so an inner node cannot pass for a leaf.
    tree, _ = batch(4)
    index = tree.tree_indices[0]
    parent_proof = tree.proof(tree.values[0])[1:]

    assert data_anchor.verifyInclusion(tree.root, tree.nodes[(index - 1) // 2], parent_proof) == (
        NOT_ANCHORED
    )


def test_an_unknown_root_answers_not_anchored(data_anchor):
    tree = MerkleTree.of(_values(3))

    assert data_anchor.verifyInclusion(tree.root, tree.values[0], tree.proof(tree.values[0])) == (
        NOT_ANCHORED
    )


def test_the_zero_root_answers_not_anchored(data_anchor):
    assert data_anchor.verifyInclusion(b"\x00" * 32, b"\x01" * 32, [b"\x02" * 32]) == NOT_ANCHORED


def test_a_single_digest_is_not_a_batch_root(data_anchor, tenant_owner, tenant_id):
    value = _values(1)[0]
    digest = leaf_hash(value)  # what a one-leaf tree's root would be
    data_anchor.anchor(tenant_id, digest, sender=tenant_owner)

    assert data_anchor.verifyInclusion(digest, value, []) == NOT_ANCHORED


def test_an_empty_proof_against_a_batch_of_several_leaves_reverts(data_anchor, batch, reverts):
    tree, _ = batch(3)

    with reverts(data_anchor.AnchorEmptyProof, root=tree.root, count=3):
        data_anchor.verifyInclusion(tree.root, tree.values[0], [])


@pytest.mark.parametrize("root", ["anchored", "unknown"])
def test_a_proof_longer_than_64_elements_reverts(data_anchor, batch, reverts, root):
    tree, _ = batch(3)
    value = tree.root if root == "anchored" else b"\x05" * 32

    with reverts(data_anchor.AnchorProofTooLong, length=65, maxLength=MAX_PROOF_LENGTH):
        data_anchor.verifyInclusion(value, tree.values[0], [b"\x01" * 32] * 65)


def test_a_proof_of_64_elements_is_checked_not_rejected(data_anchor, batch):
    tree, _ = batch(3)

    assert data_anchor.verifyInclusion(tree.root, tree.values[0], [b"\x01" * 32] * 64) == (
        NOT_ANCHORED
    )


def test_a_revoked_root_still_verifies_and_reports_when_it_was_revoked(
    data_anchor, tenant_owner, tenant_id, batch, block_time
):
    tree, anchored_at = batch(4)
    revoked = data_anchor.revoke(tree.root, 9, sender=tenant_owner)
    value = tree.values[2]

    assert data_anchor.verifyInclusion(tree.root, value, tree.proof(value)) == (
        True,
        tenant_id,
        anchored_at,
        block_time(revoked),
    )


def test_a_suspended_tenants_batch_still_verifies(data_anchor, registry, admin, tenant_id, batch):
    tree, anchored_at = batch(4)
    registry.suspend(tenant_id, 1, sender=admin)
    value = tree.values[1]

    assert data_anchor.verifyInclusion(tree.root, value, tree.proof(value)) == (
        True,
        tenant_id,
        anchored_at,
        0,
    )

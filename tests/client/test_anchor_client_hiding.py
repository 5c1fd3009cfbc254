"""Proof bundles of both kinds, hiding and plain, verified on chain through the client
(``verifyInclusion`` and ``anchorOf``) and offline; and what an observer of the chain learns."""

from __future__ import annotations

import dataclasses

import pytest

from offchain.anchoring.bundle import bundles_for, single_bundle, verify_offline, verify_onchain
from offchain.anchoring.commitment import new_salt, salted_leaf
from offchain.anchoring.merkle import MerkleTree, digest_bytes
from offchain.exceptions import NotInBatchError, SaltMismatchError, UnknownAnchorError

FILES = [f"decision {i}: {'yes' if i % 3 else 'no'}\n".encode() for i in range(6)]


def _anchor_batch(as_owner, client, tenant_id, hiding: bool, files=FILES):
    digests = [digest_bytes(f) for f in files]
    openings = [(d, new_salt()) for d in digests] if hiding else None
    leaves = [salted_leaf(s, d) for d, s in openings] if openings else digests
    tree = MerkleTree.of(leaves)
    result = as_owner.anchor.anchor_batch(tenant_id, tree.root, tree.count)
    return tree, bundles_for(
        tree,
        algorithm="sha256",
        chain_id=client.w3.eth.chain_id,
        contract=client.addresses.anchor,
        anchor_tx=result.tx_hash,
        openings=openings,
    )


@pytest.mark.parametrize("hiding", [True, False], ids=["hiding", "plain"])
def test_every_bundle_of_a_batch_verifies_on_chain_and_offline(as_owner, client, tenant_id, hiding):
    tree, bundles = _anchor_batch(as_owner, client, tenant_id, hiding)

    for content, bundle in zip(FILES, bundles, strict=True):
        verify_offline(bundle, content=content)
        seen = verify_onchain(bundle, client.w3, content=content)
        inclusion = client.anchor.verify_inclusion(tree.root, bundle.leaf, bundle.proof)
        assert (seen.tenant_id, inclusion.anchored) == (tenant_id, True)
        assert bundle.kind == ("hiding" if hiding else "plain")


@pytest.mark.parametrize("hiding", [True, False], ids=["hiding", "plain"])
def test_a_file_anchored_alone_verifies_on_chain_with_its_bundle(
    as_owner, client, tenant_id, hiding
):
    digest = digest_bytes(FILES[0])
    salt = new_salt() if hiding else None
    value = salted_leaf(salt, digest) if salt else digest
    result = as_owner.anchor.anchor(tenant_id, value)
    bundle = single_bundle(
        digest,
        salt,
        algorithm="sha256",
        chain_id=client.w3.eth.chain_id,
        contract=client.addresses.anchor,
        anchor_tx=result.tx_hash,
    )

    seen = verify_onchain(bundle, client.w3, content=FILES[0])

    assert (seen.tenant_id, seen.block_number, bundle.root) == (
        tenant_id,
        result.block_number,
        value,
    )


def test_an_observer_of_the_chain_finds_yes_or_no_behind_a_plain_anchor_only(
    as_owner, client, tenant_id
):
    plain, hidden = digest_bytes(b"no"), salted_leaf(new_salt(), digest_bytes(b"yes"))
    as_owner.anchor.anchor(tenant_id, plain)
    as_owner.anchor.anchor(tenant_id, hidden)

    def anchored(value: bytes) -> bool:
        try:
            return client.anchor.record(value).tenant_id == tenant_id
        except UnknownAnchorError:
            return False

    found = [guess for guess in (b"yes", b"no") if anchored(digest_bytes(guess))]
    assert found == [b"no"]  # "yes" was anchored too, hidden: the observer cannot tell


def test_a_wrong_salt_fails_before_the_chain_is_asked(as_owner, client, tenant_id):
    _, bundles = _anchor_batch(as_owner, client, tenant_id, hiding=True)
    wrong = dataclasses.replace(bundles[2], salt=new_salt())

    with pytest.raises(SaltMismatchError, match="wrong salt"):
        verify_onchain(wrong, client.w3, content=FILES[2])


def test_a_bundle_for_a_file_from_another_batch_fails_with_its_own_error(
    as_owner, client, tenant_id
):
    _, ours = _anchor_batch(as_owner, client, tenant_id, hiding=True)
    theirs, _ = _anchor_batch(as_owner, client, tenant_id, hiding=True, files=FILES[:4])
    claimed = dataclasses.replace(ours[1], root=theirs.root, count=theirs.count)

    with pytest.raises(NotInBatchError, match="the leaf is from another batch"):
        verify_onchain(claimed, client.w3, content=FILES[1])

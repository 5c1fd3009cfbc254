"""Python Merkle trees against DataAnchor on chain: random trees of 1..1025 leaves verify, a flipped
bit anywhere does not, and proof bundles verify against the contract through web3.py."""

from __future__ import annotations

import dataclasses
import random

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from offchain.anchoring.bundle import ProofBundle, bundles_for, verify_onchain
from offchain.anchoring.merkle import MerkleTree
from offchain.exceptions import BundleVerificationError

NOT_ANCHORED = (False, 0, 0, 0)
SETTINGS = settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _tree(n: int, seed: int) -> MerkleTree:
    rng = random.Random(seed)
    return MerkleTree.of(rng.randbytes(32) for _ in range(n))


def _flip(value: bytes, bit: int) -> bytes:
    flipped = bytearray(value)
    flipped[bit // 8] ^= 1 << (bit % 8)
    return bytes(flipped)


@SETTINGS
@given(
    n=st.integers(1, 1025), seed=st.integers(0, 2**32), picks=st.lists(st.integers(0), max_size=3)
)
@example(n=1, seed=0, picks=[])
@example(n=2, seed=1, picks=[])
@example(n=3, seed=2, picks=[])
@example(n=1024, seed=3, picks=[])
@example(n=1025, seed=4, picks=[511, 512, 1023])
def test_random_python_trees_verify_on_chain(
    chain, data_anchor, tenant_owner, tenant_id, n, seed, picks
):
    snapshot = chain.snapshot()
    try:
        tree = _tree(n, seed)
        data_anchor.anchorBatch(tenant_id, tree.root, tree.count, "", sender=tenant_owner)
        chosen = {0, n - 1, *(p % n for p in picks)}

        for index in sorted(chosen):
            value = tree.values[index]
            answer = data_anchor.verifyInclusion(tree.root, value, tree.proof(value))
            assert answer.anchored, f"leaf #{index} of {n} does not verify"
    finally:
        chain.restore(snapshot)


@SETTINGS
@given(
    n=st.integers(2, 1025),
    seed=st.integers(0, 2**32),
    pick=st.integers(0),
    where=st.sampled_from(["leaf", "proof", "root"]),
    position=st.integers(0),
    bit=st.integers(0, 255),
)
@example(n=2, seed=0, pick=0, where="leaf", position=0, bit=0)
@example(n=1025, seed=1, pick=1024, where="proof", position=10, bit=255)
@example(n=1025, seed=2, pick=0, where="root", position=0, bit=128)
def test_a_flipped_bit_anywhere_fails_on_chain(
    chain, data_anchor, tenant_owner, tenant_id, n, seed, pick, where, position, bit
):
    snapshot = chain.snapshot()
    try:
        tree = _tree(n, seed)
        data_anchor.anchorBatch(tenant_id, tree.root, tree.count, "", sender=tenant_owner)
        value = tree.values[pick % n]
        root, proof = tree.root, tree.proof(value)
        if where == "leaf":
            value = _flip(value, bit)
        elif where == "root":
            root = _flip(root, bit)
        else:
            index = position % len(proof)
            proof[index] = _flip(proof[index], bit)

        assert tuple(data_anchor.verifyInclusion(root, value, proof)) == NOT_ANCHORED
    finally:
        chain.restore(snapshot)


# ------------------------------------------------------------------------------ proof bundles


@pytest.fixture
def anchored_files(tmp_path, chain, data_anchor, tenant_owner, tenant_id):
    """Five files, their tree anchored; returns (paths, bundles, receipt)."""
    paths = []
    for i in range(5):
        path = tmp_path / f"report-{i}.txt"
        path.write_bytes(f"quarterly report {i}\n".encode())
        paths.append(path)
    tree = MerkleTree.from_files(paths)
    receipt = data_anchor.anchorBatch(
        tenant_id, tree.root, tree.count, "ipfs://reports", sender=tenant_owner
    )
    bundles = bundles_for(
        tree,
        algorithm="sha256",
        chain_id=chain.chain_id,
        contract=data_anchor.address,
        anchor_tx=receipt.txn_hash,
        names=[p.name for p in paths],
    )
    return paths, bundles, receipt


def test_a_bundle_read_back_from_disk_verifies_against_the_contract(
    chain, tenant_id, anchored_files, block_time, tmp_path
):
    paths, bundles, receipt = anchored_files
    bundles[3].write(tmp_path / "report-3.proof.json")

    bundle = ProofBundle.read(tmp_path / "report-3.proof.json")
    attestation = verify_onchain(bundle, chain.provider.web3, path=paths[3])

    assert (
        attestation.tenant_id,
        attestation.timestamp,
        attestation.block_number,
        attestation.revoked_at,
    ) == (tenant_id, block_time(receipt), receipt.block_number, 0)


def test_a_bundle_for_another_chain_fails_on_chain_verification(chain, anchored_files):
    _, bundles, _ = anchored_files
    bundle = dataclasses.replace(bundles[0], chain_id=chain.chain_id + 1)

    with pytest.raises(BundleVerificationError, match="is for chain"):
        verify_onchain(bundle, chain.provider.web3)


def test_a_bundle_naming_an_address_without_code_fails(chain, anchored_files, stranger):
    _, bundles, _ = anchored_files
    bundle = dataclasses.replace(bundles[0], contract=stranger.address)

    with pytest.raises(BundleVerificationError, match="no contract at"):
        verify_onchain(bundle, chain.provider.web3)


def test_a_bundle_whose_root_is_not_anchored_fails(chain, data_anchor, anchored_files):
    _, bundles, _ = anchored_files
    bundle = bundles_for(
        MerkleTree.of([b"\x01" * 32, b"\x02" * 32]),
        algorithm="sha256",
        chain_id=chain.chain_id,
        contract=data_anchor.address,
        anchor_tx=bundles[0].anchor_tx,
    )[0]

    with pytest.raises(BundleVerificationError, match="is not an anchored batch"):
        verify_onchain(bundle, chain.provider.web3)


def test_a_bundle_naming_another_transaction_fails(
    chain, data_anchor, tenant_owner, tenant_id, anchored_files
):
    _, bundles, _ = anchored_files
    other = data_anchor.anchor(tenant_id, b"\x07" * 32, sender=tenant_owner)
    bundle = dataclasses.replace(bundles[0], anchor_tx=bytes.fromhex(other.txn_hash[2:]))

    with pytest.raises(BundleVerificationError, match="did not anchor root"):
        verify_onchain(bundle, chain.provider.web3)


def test_a_bundle_checked_with_another_file_fails(chain, anchored_files):
    paths, bundles, _ = anchored_files

    with pytest.raises(BundleVerificationError, match="not the file this bundle proves"):
        verify_onchain(bundles[0], chain.provider.web3, path=paths[1])


def test_a_bundle_of_a_revoked_batch_fails_by_default(
    chain, data_anchor, tenant_owner, anchored_files
):
    _, bundles, _ = anchored_files
    data_anchor.revoke(bundles[0].root, 3, sender=tenant_owner)

    with pytest.raises(BundleVerificationError, match="revoked the anchor"):
        verify_onchain(bundles[0], chain.provider.web3)


def test_a_bundle_of_a_revoked_batch_reports_the_revocation_when_allowed(
    chain, data_anchor, tenant_owner, anchored_files, block_time
):
    _, bundles, _ = anchored_files
    revoked = data_anchor.revoke(bundles[0].root, 3, sender=tenant_owner)

    attestation = verify_onchain(bundles[0], chain.provider.web3, allow_revoked=True)

    assert (attestation.revoked, attestation.revoked_at) == (True, block_time(revoked))

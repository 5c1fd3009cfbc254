"""POST /proofs/verify: a bundle checked offline, against the mirror, and optionally the chain."""

from __future__ import annotations

import json
from pathlib import Path

import pytest


@pytest.fixture(scope="module")
def bundles(stack):
    return {
        json.loads(p.read_text())["name"]: json.loads(p.read_text())
        for p in sorted(Path(stack.scenario.bundles_dir).rglob("*.bundle.json"))
    }


def test_every_bundle_of_the_batch_verifies_against_the_mirror(api, bundles):
    for name, bundle in bundles.items():
        answer = api.post("/proofs/verify", json=bundle).json()
        assert answer["verified"] is True, (name, answer)
        assert (answer["tenantId"], answer["onChain"]) == (1, False)


def test_on_chain_verification_agrees(api, bundles):
    bundle = bundles["README.md"]
    answer = api.post("/proofs/verify", params={"onchain": "true"}, json=bundle).json()
    assert answer["verified"] is True
    assert answer["onChain"] is True
    assert "the mirror and the chain agree" in answer["message"]


def test_a_tampered_proof_does_not_verify(api, bundles):
    bundle = dict(bundles["README.md"])
    bundle["proof"] = ["0x" + "00" * 32, *bundle["proof"][1:]]
    answer = api.post("/proofs/verify", json=bundle).json()
    assert answer["verified"] is False
    assert "the proof leads from leaf" in answer["message"]


def test_a_digest_that_is_not_the_leaf_does_not_verify(api, bundles):
    answer = api.post(
        "/proofs/verify", params={"digest": "0x" + "11" * 32}, json=bundles["README.md"]
    ).json()
    assert answer["verified"] is False
    assert "is not the bundle's leaf" in answer["message"]


def test_a_bundle_for_another_chain_does_not_verify(api, bundles):
    bundle = {**bundles["README.md"], "chainId": 1}
    answer = api.post("/proofs/verify", json=bundle).json()
    assert (answer["verified"], answer["message"]) == (
        False,
        "the bundle is for chain 1, the mirror follows chain 31337",
    )


def test_a_root_never_anchored_does_not_verify(api):
    leaf = "0x" + "22" * 32
    bundle = {
        "schema": 1, "algorithm": "sha256", "leafEncoding": ["bytes32"], "leaf": leaf,
        "proof": [], "root": "0x" + _leaf_hash(leaf), "count": 1, "chainId": 31337,
        "contract": api.get("/status").json()["contracts"]["DataAnchor"],
        "anchorTx": "0x" + "33" * 32,
    }  # fmt: skip
    answer = api.post("/proofs/verify", json=bundle).json()
    assert answer["verified"] is False
    assert "is not an anchored batch" in answer["message"]


def _leaf_hash(leaf: str) -> str:
    from offchain.anchoring.merkle import leaf_hash

    return leaf_hash(bytes.fromhex(leaf[2:])).hex()

"""POST /proofs/verify: a bundle checked offline, against the mirror, and optionally the chain.

The scenario's batch is anchored with hiding leaves (the default): each bundle carries its salt,
and a file's digest posted with it (what the console sends) must open the leaf."""

from __future__ import annotations

import hashlib
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


def test_a_digest_that_is_not_the_files_does_not_verify(api, bundles):
    answer = api.post(
        "/proofs/verify", params={"digest": "0x" + "11" * 32}, json=bundles["README.md"]
    ).json()
    assert answer["verified"] is False
    assert "it is not the file this bundle proves" in answer["message"]


def test_the_files_digest_opens_a_hiding_bundles_leaf(api, bundles, stack):
    bundle = bundles["README.md"]
    digest = _sha256(Path(stack.scenario.sample_dir) / "README.md")

    answer = api.post("/proofs/verify", params={"digest": digest}, json=bundle).json()

    assert (bundle["kind"], bundle["digest"]) == ("hiding", digest)
    assert answer["verified"] is True, answer
    assert answer["message"].startswith("hiding leaf is in batch")


def test_a_wrong_salt_does_not_verify(api, bundles, stack):
    bundle = {**bundles["README.md"], "salt": "0x" + "00" * 32}
    digest = _sha256(Path(stack.scenario.sample_dir) / "README.md")

    answer = api.post("/proofs/verify", params={"digest": digest}, json=bundle).json()

    assert answer["verified"] is False
    assert "wrong salt" in answer["message"]


def test_a_bundle_claiming_another_batch_does_not_verify(api, bundles):
    names = sorted(bundles)
    bundle = {**bundles[names[0]], "root": "0x" + "44" * 32}

    answer = api.post("/proofs/verify", json=bundle).json()

    assert answer["verified"] is False
    assert "the leaf is from another batch" in answer["message"]


def test_an_old_schema_1_bundle_is_still_read(api, bundles):
    old = {k: v for k, v in bundles["README.md"].items() if k not in ("kind", "digest", "salt")}

    answer = api.post("/proofs/verify", json={**old, "schema": 1}).json()

    assert answer["verified"] is True, answer


def test_a_plain_digest_anchored_alone_verifies_with_a_count_0_bundle(api, stack):
    digest = _sha256(stack.scenario.single_file)
    bundle = {
        "schema": 2, "kind": "plain", "algorithm": "sha256", "leafEncoding": ["bytes32"],
        "leaf": digest, "proof": [], "root": digest, "count": 0, "chainId": 31337,
        "contract": api.get("/status").json()["contracts"]["DataAnchor"],
        "anchorTx": "0x" + "33" * 32,
    }  # fmt: skip

    answer = api.post("/proofs/verify", params={"digest": digest}, json=bundle).json()

    assert answer["verified"] is True, answer
    assert answer["message"].startswith("plain digest is anchored by tenant")


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


def _sha256(path: Path) -> str:
    return "0x" + hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _leaf_hash(leaf: str) -> str:
    from offchain.anchoring.merkle import leaf_hash

    return leaf_hash(bytes.fromhex(leaf[2:])).hex()

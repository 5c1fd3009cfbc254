"""offchain.anchoring.bundle: proof bundles written, read back and verified offline (on-chain
verification is in tests/contracts/test_merkle_onchain.py)."""

from __future__ import annotations

import dataclasses
import json

import pytest

from offchain.anchoring.bundle import ProofBundle, bundles_for, verify_offline
from offchain.anchoring.merkle import MerkleTree, digest_bytes
from offchain.exceptions import BundleFormatError, BundleVerificationError

CONTRACT = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
TX = "0x" + "ab" * 32
CONTENTS = [f"invoice {i}\n".encode() for i in range(4)]


@pytest.fixture
def tree() -> MerkleTree:
    return MerkleTree.of(digest_bytes(c) for c in CONTENTS)


@pytest.fixture
def bundles(tree) -> list[ProofBundle]:
    return bundles_for(
        tree,
        algorithm="sha256",
        chain_id=31337,
        contract=CONTRACT.lower(),
        anchor_tx=TX,
        names=[f"invoice-{i}.txt" for i in range(4)],
    )


def test_one_bundle_per_leaf_each_proving_its_leaf_against_the_root(tree, bundles):
    assert [(b.leaf, b.root, b.count) for b in bundles] == [(v, tree.root, 4) for v in tree.values]


def test_bundle_json_carries_every_field_the_format_names(bundles):
    data = json.loads(bundles[1].to_json())

    assert data == {
        "schema": 2,
        "kind": "plain",
        "algorithm": "sha256",
        "leafEncoding": ["bytes32"],
        "leaf": "0x" + bundles[1].leaf.hex(),
        "proof": ["0x" + p.hex() for p in bundles[1].proof],
        "root": "0x" + bundles[1].root.hex(),
        "count": 4,
        "chainId": 31337,
        "contract": CONTRACT,
        "anchorTx": TX,
        "name": "invoice-1.txt",
    }


def test_a_bundle_without_a_name_omits_the_field(tree):
    [bundle, *_] = bundles_for(
        tree, algorithm="sha256", chain_id=1, contract=CONTRACT, anchor_tx=TX
    )

    assert "name" not in json.loads(bundle.to_json())


def test_a_written_bundle_reads_back_equal(tmp_path, bundles):
    path = bundles[2].write(tmp_path / "sub" / "invoice-2.proof.json")

    assert ProofBundle.read(path) == bundles[2]


def test_writing_a_bundle_leaves_no_temporary_file(tmp_path, bundles):
    bundles[0].write(tmp_path / "a.json")
    bundles[1].write(tmp_path / "a.json")

    assert [p.name for p in tmp_path.iterdir()] == ["a.json"]


def test_bundles_need_one_name_per_leaf(tree):
    with pytest.raises(ValueError, match="3 names for 4 leaves"):
        bundles_for(
            tree, algorithm="sha256", chain_id=1, contract=CONTRACT, anchor_tx=TX, names=["a"] * 3
        )


# ---------------------------------------------------------------------------- verify offline


def test_a_bundle_verifies_offline_with_its_file(bundles):
    verify_offline(bundles[3], content=CONTENTS[3])


def test_a_bundle_verifies_offline_with_the_files_path(tmp_path, bundles):
    path = tmp_path / "invoice-0.txt"
    path.write_bytes(CONTENTS[0])

    verify_offline(bundles[0], path=path)


def test_a_bundle_checked_against_another_file_fails_naming_both_digests(bundles):
    with pytest.raises(BundleVerificationError, match="it is not the file this bundle proves"):
        verify_offline(bundles[0], content=CONTENTS[1])


@pytest.mark.parametrize("where", ["leaf", "proof", "root"])
def test_a_tampered_bundle_fails_offline(bundles, where):
    bundle = bundles[1]
    flip = bytes([bundle.root[0] ^ 1]) + bundle.root[1:]
    if where == "leaf":
        bundle = dataclasses.replace(bundle, leaf=bytes([bundle.leaf[0] ^ 1]) + bundle.leaf[1:])
    elif where == "proof":
        first = bundle.proof[0]
        bundle = dataclasses.replace(
            bundle, proof=(bytes([first[0] ^ 1]) + first[1:], *bundle.proof[1:])
        )
    else:
        bundle = dataclasses.replace(bundle, root=flip)

    with pytest.raises(BundleVerificationError, match="the proof leads from leaf"):
        verify_offline(bundle)


def test_a_keccak_bundle_checks_the_file_with_keccak():
    tree = MerkleTree.of([digest_bytes(c, "keccak256") for c in CONTENTS])
    bundle = bundles_for(tree, algorithm="keccak256", chain_id=1, contract=CONTRACT, anchor_tx=TX)[
        2
    ]

    verify_offline(bundle, content=CONTENTS[2])


def test_content_and_path_together_are_refused(tmp_path, bundles):
    with pytest.raises(ValueError, match="not both"):
        verify_offline(bundles[0], content=CONTENTS[0], path=tmp_path / "x")


# ----------------------------------------------------------------------------- bad bundles


def _valid(bundles) -> dict:
    return json.loads(bundles[0].to_json())


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.pop("root"), "field 'root' is missing"),
        (lambda d: d.update(schema=3), "schema 3 is not supported"),
        (lambda d: d.update(kind="secret"), "kind 'secret' is not supported"),
        (lambda d: d.update(kind="hiding"), "field 'digest' is missing"),
        (lambda d: d.update(algorithm="md5"), "unsupported digest algorithm 'md5'"),
        (lambda d: d.update(leafEncoding=["uint256"]), "leafEncoding"),
        (lambda d: d.update(leaf="0x1234"), "leaf must be 0x and 64 hex digits"),
        (lambda d: d.update(leaf="0x" + "zz" * 32), "leaf is not hex"),
        (lambda d: d.update(proof=["0x" + "11" * 32] * 65), "proof has 65 elements, at most 64"),
        (lambda d: d.update(proof=["nope"]), r"proof\[0\] must be 0x and 64 hex digits"),
        (lambda d: d.update(count=-1), "count must be at least 0"),
        (lambda d: d.update(count=0), r"alone \(count 0\) has an empty proof"),
        (lambda d: d.update(schema=1, count=0), "count must be at least 1"),
        (lambda d: d.update(chainId="31337"), "field 'chainId' must be a int, got str"),
        (lambda d: d.update(chainId=True), "field 'chainId' must be a int, got bool"),
        (lambda d: d.update(contract="0x1234"), "contract must be a 0x address"),
        (lambda d: d.update(anchorTx=None), "field 'anchorTx' must be a str"),
        (lambda d: d.update(name=7), "name must be a string"),
    ],
    ids=lambda x: x if isinstance(x, str) else "",
)
def test_a_malformed_bundle_is_refused_naming_the_problem(bundles, change, message):
    data = _valid(bundles)
    change(data)

    with pytest.raises(BundleFormatError, match=message):
        ProofBundle.from_dict(data, "b.json")


def test_a_schema_1_bundle_is_still_read_as_plain(bundles):
    data = _valid(bundles)
    del data["kind"]
    data["schema"] = 1

    old = ProofBundle.from_dict(data)

    assert old == bundles[0]
    verify_offline(old, content=CONTENTS[0])


def test_a_bundle_that_is_not_json_is_refused_naming_the_file(tmp_path):
    path = tmp_path / "b.json"
    path.write_text("{not json")

    with pytest.raises(BundleFormatError, match=r"b\.json is not a valid proof bundle: not JSON"):
        ProofBundle.read(path)


def test_a_json_array_is_not_a_bundle():
    with pytest.raises(BundleFormatError, match="expected a JSON object"):
        ProofBundle.from_json("[]")


def test_a_missing_bundle_file_is_reported_as_unreadable(tmp_path):
    with pytest.raises(BundleFormatError, match="cannot read it"):
        ProofBundle.read(tmp_path / "missing.json")


def test_the_contract_address_is_stored_checksummed(bundles):
    assert bundles[0].contract == CONTRACT

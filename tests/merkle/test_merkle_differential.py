"""offchain.anchoring.merkle against OpenZeppelin's JavaScript StandardMerkleTree
(@openzeppelin/merkle-tree).

One Node process builds every tree of a batch; roots, node arrays, leaf positions and every proof
must be identical, and each library must accept the other's dump.
"""

from __future__ import annotations

import json
import random
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from offchain.anchoring.merkle import MerkleTree, process_proof

ROOT = Path(__file__).resolve().parents[2]
SIZES = [*range(1, 41), 63, 64, 65, 127, 128, 129, 255, 256, 257, 1023, 1024, 1025]

# Reads [[hex values], ...] and, for each, prints what OpenZeppelin's tree says; also loads the
# Python dump it is given and reports whether StandardMerkleTree.load accepts it.
NODE_SCRIPT = r"""
const { StandardMerkleTree } = require("@openzeppelin/merkle-tree");
let input = "";
process.stdin.on("data", (d) => (input += d)).on("end", () => {
  const out = JSON.parse(input).map(({ values, dump }) => {
    const tree = StandardMerkleTree.of(values.map((v) => [v]), ["bytes32"]);
    let loads = true;
    try {
      const other = StandardMerkleTree.load(dump);
      loads = values.every((v, i) =>
        StandardMerkleTree.verify(tree.root, ["bytes32"], [v], other.getProof(i)));
    } catch (e) {
      loads = String(e);
    }
    return {
      root: tree.root,
      dump: tree.dump(),
      proofs: values.map((_, i) => tree.getProof(i)),
      loadsPythonDump: loads,
    };
  });
  process.stdout.write(JSON.stringify(out));
});
"""


def openzeppelin(trees: list[MerkleTree]) -> list[dict]:
    """Ask the JavaScript library about the same values as each Python tree."""
    node = shutil.which("node")
    if node is None:
        pytest.fail(
            "node is not installed: the differential test needs it (npm ci installs the lib)"
        )
    request = [{"values": ["0x" + v.hex() for v in t.values], "dump": t.dump()} for t in trees]
    result = subprocess.run(
        [node, "-e", NODE_SCRIPT],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    answers: list[dict] = json.loads(result.stdout)
    return answers


def _random_tree(n: int, rng: random.Random) -> MerkleTree:
    return MerkleTree.of(rng.randbytes(32) for _ in range(n))


@pytest.fixture(scope="module")
def pairs() -> list[tuple[MerkleTree, dict]]:
    rng = random.Random(20261123)
    trees = [_random_tree(n, rng) for n in SIZES]
    return list(zip(trees, openzeppelin(trees), strict=True))


def _hex(values: list[bytes]) -> list[str]:
    return ["0x" + v.hex() for v in values]


def test_roots_equal_openzeppelins_for_every_size_from_1_to_1025(pairs):
    assert [t.root.hex() for t, _ in pairs] == [js["root"][2:] for _, js in pairs]


def test_node_arrays_and_leaf_positions_equal_openzeppelins_dump(pairs):
    mismatched = [t.count for t, js in pairs if t.dump() != js["dump"]]

    assert mismatched == []


def test_every_proof_equals_openzeppelins(pairs):
    mismatched = [
        (t.count, i)
        for t, js in pairs
        for i, value in enumerate(t.values)
        if _hex(t.proof(value)) != js["proofs"][i]
    ]

    assert mismatched == []


def test_openzeppelin_loads_and_verifies_the_python_dump(pairs):
    assert {js["loadsPythonDump"] is True for _, js in pairs} == {True}


def test_python_loads_openzeppelins_dump(pairs):
    assert all(MerkleTree.load(js["dump"]) == t for t, js in pairs)


@settings(max_examples=5, deadline=None)
@given(values=st.lists(st.binary(min_size=32, max_size=32), min_size=1, max_size=300, unique=True))
def test_arbitrary_value_lists_give_openzeppelins_root_and_proofs(values):
    tree = MerkleTree.of(values)

    [js] = openzeppelin([tree])

    assert (tree.root.hex(), [_hex(tree.proof(v)) for v in tree.values]) == (
        js["root"][2:],
        js["proofs"],
    )


UNSORTED_SCRIPT = r"""
const { StandardMerkleTree } = require("@openzeppelin/merkle-tree");
let input = "";
process.stdin.on("data", (d) => (input += d)).on("end", () => {
  const out = JSON.parse(input).map((values) => {
    const tree = StandardMerkleTree.of(values.map((v) => [v]), ["bytes32"], { sortLeaves: false });
    return { dump: tree.dump(), proofs: values.map((_, i) => tree.getProof(i)) };
  });
  process.stdout.write(JSON.stringify(out));
});
"""


def test_python_loads_openzeppelins_unsorted_dump_and_gives_its_proofs():
    """``StandardMerkleTree.of(values, enc, {sortLeaves: false})`` keeps the leaves in the order
    given; its proofs verify on chain all the same, so :meth:`MerkleTree.load` takes its dump."""
    rng = random.Random(20261204)
    lists = [[rng.randbytes(32) for _ in range(n)] for n in (1, 2, 3, 4, 5, 7, 8, 33)]
    result = subprocess.run(
        [shutil.which("node") or "node", "-e", UNSORTED_SCRIPT],
        input=json.dumps([_hex(values) for values in lists]),
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    for values, js in zip(lists, json.loads(result.stdout), strict=True):
        tree = MerkleTree.load(js["dump"])

        assert [_hex(tree.proof(v)) for v in values] == js["proofs"]
        assert all(process_proof(v, tree.proof(v)) == tree.root for v in values)

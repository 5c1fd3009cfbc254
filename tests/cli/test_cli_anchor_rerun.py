"""``leasehold anchor DIR`` again after a file changed: a new batch, and no proof destroyed.

Hiding (the default): a rerun on the same content reuses the salts its bundles hold (or those of a
set kept under ``.previous/``), so it finds the same root; a change gets fresh salts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest


@pytest.fixture
def dataset(tmp_path):
    root = tmp_path / "dataset"
    root.mkdir()
    for name, text in {"a.txt": "alpha", "b.txt": "bravo", "c.txt": "charlie"}.items():
        (root / name).write_text(text)
    return root


def anchor(leasehold, path):
    result = leasehold("anchor", str(path), "--tenant", "1", "--account", "3", "--json")
    assert result.code == 0, result.err
    return result.json()


def test_a_rerun_after_a_change_keeps_every_earlier_proof_and_each_still_verifies(
    leasehold, chain_client, dataset, isolated
):
    first = anchor(leasehold, dataset)
    out = Path(first["out"])
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    original_b = (dataset / "b.txt").read_text()
    (dataset / "b.txt").write_text("bravo, edited")

    second = anchor(leasehold, dataset)

    assert second["root"] != first["root"]
    assert second["already"] is False
    kept_dir = out / ".previous" / first["root"]
    kept = {p.relative_to(kept_dir): p.read_bytes() for p in kept_dir.rglob("*") if p.is_file()}
    assert kept == before
    assert sorted(second["kept"]) == sorted(str(kept_dir / name) for name in before)
    for name in ("a.txt", "b.txt", "c.txt"):
        bundle = json.loads((out / f"{name}.bundle.json").read_text())
        assert bundle["root"] == second["root"]
    (dataset / "b.txt").write_text(original_b)
    old = leasehold(
        "verify", str(dataset / "b.txt"), "--bundle", str(kept_dir / "b.txt.bundle.json"), "--json"
    )
    assert old.code == 0, old.err
    assert old.json()["root"] == first["root"]
    assert chain_client.anchor.record(bytes.fromhex(first["root"][2:])).count == 3


def test_a_rerun_with_nothing_changed_keeps_no_copies(leasehold, dataset, isolated):
    first = anchor(leasehold, dataset)

    again = anchor(leasehold, dataset)

    assert again["already"] is True
    assert again["kept"] == []
    assert not (Path(first["out"]) / ".previous").exists()


def test_going_back_to_an_earlier_content_keeps_each_distinct_proof_once(
    leasehold, dataset, isolated
):
    first = anchor(leasehold, dataset)
    (dataset / "a.txt").write_text("alpha 2")
    anchor(leasehold, dataset)
    (dataset / "a.txt").write_text("alpha")
    third = anchor(leasehold, dataset)
    (dataset / "a.txt").write_text("alpha 2")

    fourth = anchor(leasehold, dataset)

    previous = Path(first["out"]) / ".previous"
    assert third["root"] == first["root"]
    assert sorted(p.name for p in previous.iterdir()) == sorted({first["root"], fourth["root"]})
    assert fourth["kept"] == []  # the bundles it replaced were kept by the run before

"""``leasehold anchor PATH`` and ``leasehold verify``: batches, bundles, single files, hiding
(the default) and ``--plain``."""

from __future__ import annotations

import json
import os

import pytest

from offchain.anchoring.merkle import digest_file


@pytest.fixture
def folder(tmp_path):
    """A directory of five files (two with equal content) and a hidden one that is skipped."""
    root = tmp_path / "dataset"
    for name, text in {
        "a.txt": "alpha",
        "b.txt": "bravo",
        "sub/c.csv": "x,y\n1,2\n",
        "sub/deeper/d.bin": "delta",
        "copy-of-a.txt": "alpha",
    }.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    (root / ".hidden").write_text("not anchored")
    return root


def anchor(leasehold, *args):
    return leasehold("anchor", *args, "--tenant", "1", "--account", "3", "--json")


@pytest.mark.parametrize(("flags", "count"), [((), 5), (("--plain",), 4)], ids=["hiding", "plain"])
def test_directory_is_anchored_as_one_batch_with_a_bundle_per_file(
    leasehold, chain_client, folder, isolated, flags, count
):
    report = anchor(leasehold, str(folder), *flags).json()
    # hiding: each file its own salted leaf; plain: equal files share their digest's leaf
    assert (report["kind"], report["files"], report["count"]) == ("batch", 5, count)
    assert report["hiding"] is not bool(flags)
    record = chain_client.anchor.record(bytes.fromhex(report["root"][2:]))
    assert (record.tenant_id, record.count) == (1, count)
    bundles = sorted(p.relative_to(report["out"]).as_posix() for p in _bundles(report["out"]))
    assert bundles == [
        "a.txt.bundle.json",
        "b.txt.bundle.json",
        "copy-of-a.txt.bundle.json",
        "sub/c.csv.bundle.json",
        "sub/deeper/d.bin.bundle.json",
    ]


@pytest.mark.parametrize("flags", [(), ("--plain",)], ids=["hiding", "plain"])
def test_every_bundle_verifies_its_file_on_chain(leasehold, folder, isolated, flags):
    report = anchor(leasehold, str(folder), *flags).json()
    for bundle in _bundles(report["out"]):
        name = json.loads(bundle.read_text())["name"]
        result = leasehold("verify", str(folder / name), "--bundle", str(bundle), "--json")
        assert result.code == 0, result.err
        assert result.json()["verified"] is True
        assert result.json()["tenantId"] == 1
        assert result.json()["kind"] == ("plain" if flags else "hiding")


def test_hiding_bundles_hold_each_files_salt_and_the_chain_holds_no_digest(
    leasehold, chain_client, folder, isolated
):
    from offchain.exceptions import UnknownAnchorError

    report = anchor(leasehold, str(folder)).json()
    bundles = [json.loads(p.read_text()) for p in _bundles(report["out"])]
    assert len({b["salt"] for b in bundles}) == 5
    assert {b["digest"] for b in bundles} == {
        "0x" + digest_file(folder / b["name"]).hex() for b in bundles
    }
    tree = json.loads((folder.parent / "dataset.bundles" / "tree.json").read_text())
    leaves = {v["value"][0] for v in tree["values"]}
    assert not leaves & {b["digest"] for b in bundles}
    assert not (folder.parent / "dataset.bundles" / ".salts.pending.json").exists()
    for b in bundles:
        with pytest.raises(UnknownAnchorError):
            chain_client.anchor.record(bytes.fromhex(b["digest"][2:]))


def test_a_wrong_salt_does_not_verify_and_says_so(leasehold, folder, isolated, tmp_path):
    report = anchor(leasehold, str(folder)).json()
    bundle = json.loads((folder.parent / "dataset.bundles" / "b.txt.bundle.json").read_text())
    bundle["salt"] = "0x" + "00" * 32
    edited = tmp_path / "edited.bundle.json"
    edited.write_text(json.dumps(bundle))

    result = leasehold("verify", str(folder / "b.txt"), "--bundle", str(edited))

    assert report["hiding"] is True
    assert result.code == 6
    assert result.out.startswith("NOT verified:")
    assert "wrong salt" in result.out


def test_a_changed_file_does_not_verify_and_exits_6(leasehold, folder, isolated):
    report = anchor(leasehold, str(folder)).json()
    (folder / "b.txt").write_text("bravo, edited")
    bundle = next(p for p in _bundles(report["out"]) if p.name == "b.txt.bundle.json")
    result = leasehold("verify", str(folder / "b.txt"), "--bundle", str(bundle))
    assert result.code == 6
    assert result.out.startswith("NOT verified:")
    assert "it is not the file this bundle proves" in result.out


def test_offline_verification_needs_no_chain(leasehold, folder, isolated):
    report = anchor(leasehold, str(folder)).json()
    bundle = next(p for p in _bundles(report["out"]) if p.name == "a.txt.bundle.json")
    result = leasehold(
        "--rpc", "http://127.0.0.1:9", "verify", str(folder / "a.txt"), "--bundle", str(bundle),
        "--offline", chain=False,
    )  # fmt: skip
    assert result.code == 0
    assert "offline check only" in result.out


def test_malformed_bundle_is_a_usage_error_naming_the_field(leasehold, folder, tmp_path):
    broken = tmp_path / "broken.bundle.json"
    broken.write_text(json.dumps({"schema": 1, "algorithm": "sha256"}))
    result = leasehold("verify", str(folder / "a.txt"), "--bundle", str(broken))
    assert result.code == 2
    assert "field 'leafEncoding' is missing" in result.err


def test_rerun_rewrites_missing_bundles_without_anchoring_again(
    leasehold, chain_client, folder, isolated
):
    first = anchor(leasehold, str(folder), "--plain").json()
    lost = next(p for p in _bundles(first["out"]) if p.name == "b.txt.bundle.json")
    lost.unlink()
    again = anchor(leasehold, str(folder), "--plain").json()
    assert again["already"] is True
    assert (again["root"], again["txHash"]) == (first["root"], first["txHash"])
    assert lost.exists()


def test_a_lost_hiding_bundle_cannot_be_rebuilt_so_a_rerun_anchors_anew(
    leasehold, folder, isolated
):
    first = anchor(leasehold, str(folder)).json()
    lost = next(p for p in _bundles(first["out"]) if p.name == "b.txt.bundle.json")
    lost.unlink()  # its salt is gone with it

    again = anchor(leasehold, str(folder)).json()

    assert (again["already"], again["root"] != first["root"]) == (False, True)
    assert lost.exists()


def test_bundles_are_never_left_half_written(leasehold, folder, isolated, monkeypatch):
    real_replace = os.replace
    moved = []

    def failing_replace(source, target):
        if len(moved) == 2:
            raise OSError(28, "No space left on device", str(target))
        moved.append(target)
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", failing_replace)
    result = anchor(leasehold, str(folder))
    assert result.code == 1
    assert "No space left on device" in result.err
    out = folder.parent / "dataset.bundles"
    written = list(out.rglob("*"))
    assert all(json.loads(p.read_text()) for p in written if p.is_file())
    assert not [p for p in folder.parent.iterdir() if ".staging-" in p.name]
    monkeypatch.setattr(os, "replace", real_replace)
    # The salts were saved before the root was sent: the rerun finds the same root.
    again = anchor(leasehold, str(folder)).json()
    assert again["already"] is True
    assert len(again["bundles"]) == 5
    assert not (out / ".salts.pending.json").exists()


def test_single_plain_file_is_anchored_alone_and_verifies_without_a_bundle(
    leasehold, chain_client, folder, isolated
):
    report = anchor(leasehold, str(folder / "a.txt"), "--plain").json()
    assert (report["kind"], report["anchored"], report["bundle"]) == (
        "digest",
        "0x" + digest_file(folder / "a.txt").hex(),
        None,
    )
    result = leasehold("verify", str(folder / "a.txt"), "--json")
    assert result.code == 0
    assert result.json()["verified"] is True


def test_single_hiding_file_anchors_a_commitment_and_verifies_with_its_bundle(
    leasehold, chain_client, folder, isolated, tmp_path
):
    report = anchor(leasehold, str(folder / "a.txt"), "--out", str(tmp_path)).json()
    bundle = tmp_path / "a.txt.bundle.json"
    assert (report["hiding"], report["bundle"]) == (True, str(bundle))
    assert report["anchored"] != report["digest"] == "0x" + digest_file(folder / "a.txt").hex()
    assert chain_client.anchor.record(bytes.fromhex(report["anchored"][2:])).count == 0
    assert json.loads(bundle.read_text())["count"] == 0

    with_bundle = leasehold("verify", str(folder / "a.txt"), "--bundle", str(bundle), "--json")
    without = leasehold("verify", str(folder / "a.txt"))
    again = anchor(leasehold, str(folder / "a.txt"), "--out", str(tmp_path)).json()

    assert with_bundle.code == 0, with_bundle.out
    assert with_bundle.json()["kind"] == "hiding"
    assert without.code == 6
    assert "needs its --bundle" in without.out
    assert (again["already"], again["anchored"]) == (True, report["anchored"])


def test_a_file_never_anchored_does_not_verify(leasehold, folder):
    result = leasehold("verify", str(folder / "b.txt"))
    assert result.code == 6
    assert "is not anchored on its own" in result.out


def test_revoked_single_anchor_fails_unless_allowed(leasehold, stack):
    revoked = stack.scenario.revoked_file
    assert leasehold("verify", str(revoked)).code == 6
    assert leasehold("verify", str(revoked), "--allow-revoked").code == 0


def test_empty_directory_is_a_usage_error(leasehold, tmp_path):
    (tmp_path / "empty").mkdir()
    result = leasehold("anchor", str(tmp_path / "empty"), "--tenant", "1", "--account", "3")
    assert result.code == 2
    assert "a directory with at least one file" in result.err


def test_stranger_cannot_anchor_for_a_tenant(leasehold, folder, isolated):
    result = leasehold("anchor", str(folder), "--tenant", "1", "--account", "9")
    assert result.code == 5
    assert "AnchorUnauthorized(tenantId=1" in result.err


def _bundles(out):
    from pathlib import Path

    return sorted(Path(out).rglob("*.bundle.json"))

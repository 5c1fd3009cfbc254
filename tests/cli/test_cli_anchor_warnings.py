"""``leasehold anchor``: what it says about symlinks, a ``--uri`` it cannot store, and its counts
in words (``1 file was``, ``3 files were``)."""

from __future__ import annotations

import os

import pytest


def anchor(leasehold, *args):
    return leasehold("anchor", *args, "--tenant", "1", "--account", "3")


@pytest.fixture
def outside(tmp_path):
    """A file and a directory outside the dataset."""
    secret = tmp_path / "elsewhere" / "secret.txt"
    secret.parent.mkdir()
    secret.write_text("outside the dataset")
    (tmp_path / "elsewhere" / "more").mkdir()
    (tmp_path / "elsewhere" / "more" / "x.txt").write_text("x")
    return secret


def test_a_symlink_out_of_the_directory_is_warned_about_and_anchored_by_content(
    leasehold, tmp_path, outside, isolated
):
    root = tmp_path / "data"
    root.mkdir()
    (root / "a.txt").write_text("a")
    os.symlink(outside, root / "link.txt")

    result = anchor(leasehold, str(root))

    assert result.code == 0, result.err
    assert result.err.strip().splitlines() == [
        f"warning: {root / 'link.txt'} links to {outside}, outside {root}: that file's content "
        "is anchored under the name link.txt"
    ]
    assert (root.parent / "data.bundles" / "link.txt.bundle.json").is_file()
    assert (
        leasehold(
            "verify",
            str(outside),
            "--bundle",
            str(root.parent / "data.bundles/link.txt.bundle.json"),
        ).code
        == 0
    )


def test_linked_directories_and_broken_links_are_skipped_with_a_warning(
    leasehold, tmp_path, outside, isolated
):
    root = tmp_path / "data"
    root.mkdir()
    (root / "a.txt").write_text("a")
    os.symlink(outside.parent / "more", root / "more")
    os.symlink(tmp_path / "nowhere", root / "gone.txt")

    result = anchor(leasehold, str(root))

    assert result.code == 0, result.err
    assert result.err.strip().splitlines() == [
        f"warning: {root / 'gone.txt'} is a broken symlink (to {tmp_path / 'nowhere'}): skipped",
        f"warning: {root / 'more'} links to the directory {outside.parent / 'more'}: "
        "not followed, skipped",
    ]
    assert "1 file anchored as root" in result.out


def test_a_symlink_inside_the_directory_needs_no_warning(leasehold, tmp_path, isolated):
    root = tmp_path / "data"
    root.mkdir()
    (root / "a.txt").write_text("a")
    os.symlink(root / "a.txt", root / "alias.txt")

    result = anchor(leasehold, str(root), "--plain")

    assert result.code == 0, result.err
    assert "warning" not in result.err


def test_uri_on_a_single_file_is_warned_as_ignored(leasehold, tmp_path, isolated):
    single = tmp_path / "one.txt"
    single.write_text("one")

    result = anchor(leasehold, str(single), "--uri", "ipfs://somewhere")

    assert result.code == 0, result.err
    assert result.err.strip() == (
        "warning: --uri is ignored for a single file: DataAnchor.anchor records no URI "
        "(anchor a directory to record one with its batch)"
    )


@pytest.mark.parametrize(
    ("names", "first", "again"),
    [
        (["a"], "1 file anchored as root", "1 file was already anchored as root"),
        (["a", "b", "c"], "3 files anchored as root", "3 files were already anchored as root"),
    ],
)
def test_counts_are_in_words_that_agree(leasehold, tmp_path, isolated, names, first, again):
    root = tmp_path / "data"
    root.mkdir()
    for name in names:
        (root / name).write_text(name)
    bundles = "1 proof bundle in" if len(names) == 1 else f"{len(names)} proof bundles in"

    once = anchor(leasehold, str(root), "--plain")
    twice = anchor(leasehold, str(root), "--plain")

    assert (once.code, twice.code) == (0, 0)
    assert once.out.startswith(first)
    assert bundles in once.out
    assert twice.out.startswith(again)
    assert bundles in twice.out

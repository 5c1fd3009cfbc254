"""Data anchors (DataAnchor): ``leasehold anchor`` and ``verify`` files, ``leasehold anchors``."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from offchain.chain.values import hex32
from offchain.cli._env import Env, account_option, pass_env
from offchain.cli._output import (
    EXIT_UNVERIFIED,
    emit_json,
    err,
    json_option,
    out,
    report_tx,
    show_record,
    tx_json_option,
)
from offchain.cli._params import HASH, TENANT_ID, UINT32
from offchain.cli.units import show_time


@click.command("anchor")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option(
    "--tenant",
    "tenant_id",
    type=TENANT_ID,
    required=True,
    help="Tenant the anchor is attributed to.",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where to write the proof bundles. Default: PATH.bundles/ for a directory, the file's "
    "own directory for a file.",
)
@click.option(
    "--uri",
    default="",
    help="Where the batch can be found (stored on chain; a directory only: a single file's "
    "anchor has no URI).",
)
@click.option(
    "--algorithm",
    type=click.Choice(["sha256", "keccak256"]),
    default="sha256",
    show_default=True,
    help="How each file is hashed into its leaf.",
)
@click.option(
    "--plain",
    "--public",
    "plain",
    is_flag=True,
    help="Anchor the bare digests (for public data): anyone can test a guess of a file's "
    "content against them. Default: a salted commitment per file, salt kept in its bundle.",
)
@account_option
@click.option(
    "--json", "as_json", is_flag=True, help="Print the report (root, tx, bundles) as JSON."
)
@pass_env
def anchor_cmd(
    env: Env,
    path: Path,
    tenant_id: int,
    out_dir: Path | None,
    uri: str,
    algorithm: str,
    plain: bool,
    account: str | None,
    as_json: bool,
) -> None:
    """Anchor a file, or every file under a directory as one Merkle batch.

    Each file is committed to with a fresh random salt, written only into its proof bundle: the
    chain and the other files' bundles reveal nothing of its content (--plain anchors the bare
    digests instead). A file is anchored alone ('leasehold verify FILE --bundle B' checks it;
    a --plain one needs no bundle). A directory's files are hashed (with a progress bar), put in
    a Merkle tree whose root is anchored, and one proof bundle per file is written to --out,
    atomically, with the tree as tree.json. Running it again after an interruption writes the
    missing bundles without anchoring twice. Keep the bundles: a lost salt cannot be recovered.
    """
    from offchain.anchoring.files import anchor_directory, anchor_file

    client = env.client(account)
    if path.is_dir():
        for warning in link_warnings(path):
            err.print(f"warning: {warning}", highlight=False, markup=False)
        report = anchor_directory(
            client,
            env.chain_id(),
            path,
            tenant_id,
            out_dir,
            uri,
            algorithm,
            show_progress=not as_json,
            console=err.console(),
            hiding=not plain,
        )
    else:
        if uri:
            err.print(
                "warning: --uri is ignored for a single file: DataAnchor.anchor records no URI "
                "(anchor a directory to record one with its batch)",
                highlight=False,
                markup=False,
            )
        report = anchor_file(client, path, tenant_id, algorithm, hiding=not plain, out_dir=out_dir)
    if as_json:
        emit_json(report)
        return
    if report["kind"] == "digest":
        verb = "was already anchored" if report["already"] else "anchored"
        what = "commitment" if report["hiding"] else "digest"
        out.print(
            f"{path} {verb}: {what} {report['anchored']} (tenant {tenant_id}, "
            f"block {report['blockNumber']})"
        )
        if report["bundle"]:
            out.print(f"its proof bundle (with the salt: keep it) is {report['bundle']}")
    else:
        count = report["count"]
        verb = "anchored"
        if report["already"]:
            verb = f"{'was' if count == 1 else 'were'} already anchored"
        out.print(
            f"{plural(count, 'file')} {verb} as root {report['root']} "
            f"(tenant {tenant_id}, block {report['blockNumber']})"
        )
        out.print(f"{plural(len(report['bundles']), 'proof bundle')} in {report['out']}")


def plural(count: int, noun: str) -> str:
    """``1 file``, ``3 files``."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def link_warnings(root: Path) -> list[str]:
    """What ``anchor DIR`` does with each symlink that leaves ``root`` or leads nowhere.

    Files are read through their links (the target's content is anchored under the link's
    name); linked directories are not followed; hidden entries are skipped like the files.
    """
    inside = root.resolve()
    found: list[str] = []
    for directory, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted([*dirnames, *filenames]):
            link = Path(directory) / name
            if name.startswith(".") or not link.is_symlink():
                continue
            target = link.resolve()
            if not target.exists():
                found.append(f"{link} is a broken symlink (to {os.readlink(link)}): skipped")
            elif target.is_dir():
                found.append(f"{link} links to the directory {target}: not followed, skipped")
            elif not target.is_relative_to(inside):
                found.append(
                    f"{link} links to {target}, outside {root}: that file's content is "
                    f"anchored under the name {link.relative_to(root)}"
                )
    return found


@click.command("verify")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--bundle",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The file's proof bundle (a batch member, or a file anchored alone with hiding).",
)
@click.option(
    "--offline",
    is_flag=True,
    help="Check the file against the bundle's proof only, without the chain.",
)
@click.option("--allow-revoked", is_flag=True, help="Succeed even if the anchor was revoked.")
@click.option(
    "--algorithm",
    type=click.Choice(["sha256", "keccak256"]),
    default="sha256",
    show_default=True,
    help="Digest of a file anchored alone (bundles name theirs).",
)
@json_option
@pass_env
def verify_cmd(
    env: Env,
    path: Path,
    bundle: Path | None,
    offline: bool,
    allow_revoked: bool,
    algorithm: str,
    as_json: bool,
) -> None:
    """Check that PATH was anchored: with its --bundle (hiding or plain), else as a plain digest."""
    from offchain.anchoring.verify import verify_file

    report = verify_file(
        env, path, bundle, offline=offline, allow_revoked=allow_revoked, algorithm=algorithm
    )
    if as_json:
        emit_json(report)
    else:
        out.print(report["message"])
    if not report["verified"]:
        sys.exit(EXIT_UNVERIFIED)


@click.group()
def anchors() -> None:
    """Look up and revoke anchors (DataAnchor)."""


@anchors.command("show")
@click.argument("digest", type=HASH)
@json_option
@pass_env
def anchors_show(env: Env, digest: bytes, as_json: bool) -> None:
    """Show the anchor under DIGEST (a file digest or a batch root)."""
    from offchain.cli._reads import anchor_json

    view = anchor_json(env.client().anchor.record(digest))
    if as_json:
        emit_json(view)
        return
    show_record(
        f"anchor {view['digest']}",
        [
            ("kind", f"batch of {view['count']}" if view["kind"] == "batch" else "single digest"),
            ("tenant", str(view["tenantId"])),
            ("anchored", f"{show_time(view['timestamp'])} (block {view['blockNumber']})"),
            (
                "revoked",
                f"{show_time(view['revokedAt'])} (reason {view['revokeReason']})"
                if view["revokedAt"]
                else "no",
            ),
        ],
    )


@anchors.command("revoke")
@click.argument("digest", type=HASH)
@click.option(
    "--reason", type=UINT32, default=0, show_default=True, help="Tenant-defined reason code."
)
@account_option
@tx_json_option
@pass_env
def anchors_revoke(
    env: Env, digest: bytes, reason: int, account: str | None, as_json: bool
) -> None:
    """Revoke the anchor under DIGEST; its record stays (tenant owner or operator)."""
    result = env.client(account).anchor.revoke(digest, reason)
    report_tx(as_json, result, f"anchor {hex32(digest)} revoked")

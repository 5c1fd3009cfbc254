"""What ``leasehold anchor`` and ``leasehold verify`` do, apart from printing.

Anchoring a directory: hash every file (with a progress bar), build the batch with
:class:`offchain.anchoring.merkle.MerkleTree`, anchor its root, then write one proof bundle per file
(:mod:`offchain.anchoring.bundle`) and the tree (``tree.json``, OpenZeppelin's ``standard-v1``).
Bundles are staged in a temporary directory beside the output and each is moved into place with an
atomic rename, so an interrupted run leaves complete bundles or none, never a half-written file; and
a rerun finds the root already anchored by the same tenant and only writes what is missing.

A proof is never destroyed: when a rerun after a change anchors a new root, each bundle (and
``tree.json``) it replaces is first moved under ``.previous/<its root>/`` in the bundles
directory, where it still proves its file against the root anchored before."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from offchain.anchoring.bundle import ProofBundle, bundles_for, verify_offline, verify_onchain
from offchain.anchoring.merkle import MerkleTree, digest_file
from offchain.chain.values import hex32
from offchain.exceptions import (
    BundleVerificationError,
    InvalidValueError,
    UnknownAnchorError,
)

BUNDLE_SUFFIX = ".bundle.json"
TREE_FILE = "tree.json"
PREVIOUS_DIR = ".previous"


def collect_files(root: Path, exclude: Path | None = None) -> list[Path]:
    """Regular files under ``root`` in a stable order, skipping hidden entries and ``exclude``."""
    excluded = exclude.resolve() if exclude is not None else None
    found: list[Path] = []
    for directory, dirnames, filenames in os.walk(root, followlinks=False):
        here = Path(directory)
        dirnames[:] = sorted(
            d
            for d in dirnames
            if not d.startswith(".") and (excluded is None or (here / d).resolve() != excluded)
        )
        found.extend(
            here / name
            for name in sorted(filenames)
            if not name.startswith(".") and (here / name).is_file()
        )
    return found


def _hash_all(files: list[Path], algorithm: str, show_progress: bool, console: Any) -> list[bytes]:
    sizes = [f.stat().st_size for f in files]
    if not show_progress:
        return [digest_file(f, algorithm) for f in files]
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
        TransferSpeedColumn,
    )

    digests: list[bytes] = []
    columns = (
        TextColumn("hashing"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        TextColumn("{task.fields[name]}"),
    )
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("hash", total=sum(sizes) or 1, name="")
        for path, size in zip(files, sizes, strict=True):
            progress.update(task, name=path.name)
            digests.append(digest_file(path, algorithm))
            progress.advance(task, size)
    return digests


def _anchor_tx_of(client: Any, root: bytes, block_number: int) -> str:
    """The hash of the transaction that emitted ``BatchAnchored(root)`` in ``block_number``."""
    from offchain.chain.abi import load_abi
    from offchain.chain.decode import event_topic

    entry = next(e for e in load_abi("DataAnchor") if e.get("name") == "BatchAnchored")
    logs = client.w3.eth.get_logs(
        {
            "address": client.addresses.anchor,
            "fromBlock": block_number,
            "toBlock": block_number,
            "topics": [hex32(event_topic(entry)), hex32(root)],
        }
    )
    if not logs:
        raise InvalidValueError("batch root", hex32(root), "a root whose anchoring log exists")
    return hex32(bytes(logs[0]["transactionHash"]))


def _check_writable(directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=directory, prefix=".write-test-"):
        pass


@contextlib.contextmanager
def _staging(out_dir: Path) -> Iterator[Path]:
    stage = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.staging-", dir=out_dir.parent))
    try:
        yield stage
    finally:
        shutil.rmtree(stage, ignore_errors=True)


@dataclass(frozen=True, slots=True)
class BatchPlan:
    """A directory hashed into a batch, ready to anchor."""

    root_dir: Path
    out_dir: Path
    names: tuple[str, ...]  # files relative to root_dir, POSIX separators
    digests: tuple[bytes, ...]  # same order as names
    tree: MerkleTree  # one leaf per distinct digest
    algorithm: str


def plan_directory(
    path: Path,
    out_dir: Path | None,
    algorithm: str,
    *,
    show_progress: bool = False,
    console: Any = None,
) -> BatchPlan:
    """Hash every file under ``path`` and build the batch tree (nothing is sent or written).

    Raises:
        InvalidValueError: the directory holds no file.
        OSError: the output directory cannot be written (checked before any gas is spent).
    """
    out_dir = (out_dir or path.parent / f"{path.name}.bundles").resolve()
    files = collect_files(path, exclude=out_dir)
    if not files:
        raise InvalidValueError("directory", str(path), "a directory with at least one file")
    names = tuple(f.relative_to(path).as_posix() for f in files)
    _check_writable(out_dir)
    digests = tuple(_hash_all(files, algorithm, show_progress, console))
    first_name: dict[bytes, str] = {}
    for name, digest in zip(names, digests, strict=True):
        first_name.setdefault(digest, name)  # files with equal content share one leaf
    tree = MerkleTree.of(list(first_name), list(first_name.values()))
    return BatchPlan(path, out_dir, names, digests, tree, algorithm)


def _root_of(content: bytes) -> str:
    """The root a bundle or ``tree.json`` proves against, as 0x hex (``unknown`` if unreadable)."""
    try:
        data = json.loads(content)
        root = data["root"] if "root" in data else data["tree"][0]
    except (ValueError, KeyError, IndexError, TypeError):
        return "unknown"
    return root if isinstance(root, str) and root.startswith("0x") else "unknown"


def _keep_previous(target: Path, replacement: Path, out_dir: Path) -> Path | None:
    """Move ``target`` under ``.previous/<its root>/`` if ``replacement`` would change it."""
    try:
        old = target.read_bytes()
    except FileNotFoundError:
        return None
    if old == replacement.read_bytes():
        return None
    kept = out_dir / PREVIOUS_DIR / _root_of(old) / target.relative_to(out_dir)
    candidate, n = kept, 1
    while candidate.exists():
        if candidate.read_bytes() == old:
            return None  # this proof is kept already
        n += 1
        candidate = kept.with_name(f"{kept.name}.{n}")
    candidate.parent.mkdir(parents=True, exist_ok=True)
    os.replace(target, candidate)
    return candidate


def write_bundles(
    plan: BatchPlan,
    chain_id: int,
    contract: str,
    anchor_tx: str,
    kept: list[str] | None = None,
) -> list[str]:
    """Write one bundle per file and ``tree.json`` into ``plan.out_dir``; return their paths.

    Everything is written into a staging directory first, then renamed into place file by file.
    A file it would replace with different content (a bundle of an earlier root) is moved under
    ``.previous/<root>/`` first, and its new path appended to ``kept``.
    """
    by_leaf = {
        b.leaf: b
        for b in bundles_for(
            plan.tree,
            algorithm=plan.algorithm,
            chain_id=chain_id,
            contract=contract,
            anchor_tx=anchor_tx,
        )
    }
    written: list[str] = []
    with _staging(plan.out_dir) as stage:
        staged: list[tuple[Path, Path]] = []
        for name, digest in zip(plan.names, plan.digests, strict=True):
            relative = Path(name + BUNDLE_SUFFIX)
            target = stage / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(replace(by_leaf[digest], name=name).to_json())
            staged.append((target, plan.out_dir / relative))
        tree_file = stage / TREE_FILE
        tree_file.write_text(json.dumps(plan.tree.dump(), indent=1) + "\n")
        staged.append((tree_file, plan.out_dir / TREE_FILE))
        for source, target in staged:
            target.parent.mkdir(parents=True, exist_ok=True)
            previous = _keep_previous(target, source, plan.out_dir)
            if previous is not None and kept is not None:
                kept.append(str(previous))
            os.replace(source, target)  # atomic: the old file or the new one, never half
            written.append(str(target))
    return written


def anchor_directory(
    client: Any,
    chain_id: int,
    path: Path,
    tenant_id: int,
    out_dir: Path | None,
    uri: str,
    algorithm: str,
    *,
    show_progress: bool = True,
    console: Any = None,
) -> dict[str, Any]:
    """Anchor every file under ``path`` as one batch and write their bundles (see module doc)."""
    plan = plan_directory(path, out_dir, algorithm, show_progress=show_progress, console=console)
    tree = plan.tree
    already = False
    try:
        record = client.anchor.record(tree.root)
    except UnknownAnchorError:
        record = None
    if record is not None and record.tenant_id == tenant_id and record.count == tree.count:
        already = True  # a rerun: the root is ours, only the bundles may be missing
        tx_hash = _anchor_tx_of(client, tree.root, record.block_number)
        block_number = record.block_number
    else:
        result = client.anchor.anchor_batch(tenant_id, tree.root, tree.count, uri)
        tx_hash, block_number = result.tx_hash, result.block_number
    kept: list[str] = []
    written = write_bundles(plan, chain_id, client.addresses.anchor, tx_hash, kept)
    return {
        "kind": "batch",
        "root": hex32(tree.root),
        "count": tree.count,
        "files": len(plan.names),
        "tenantId": tenant_id,
        "algorithm": algorithm,
        "txHash": tx_hash,
        "blockNumber": block_number,
        "already": already,
        "out": str(plan.out_dir),
        "bundles": written[:-1],
        "tree": written[-1],
        "kept": kept,
    }


def anchor_file(client: Any, path: Path, tenant_id: int, algorithm: str) -> dict[str, Any]:
    """Anchor one file's digest alone (a rerun by the same tenant is a no-op)."""
    digest = digest_file(path, algorithm)
    try:
        record = client.anchor.record(digest)
    except UnknownAnchorError:
        record = None
    if record is not None and record.tenant_id == tenant_id and not record.count:
        return {
            "kind": "digest",
            "digest": hex32(digest),
            "tenantId": tenant_id,
            "algorithm": algorithm,
            "txHash": None,
            "blockNumber": record.block_number,
            "already": True,
        }
    result = client.anchor.anchor(tenant_id, digest)
    return {
        "kind": "digest",
        "digest": hex32(digest),
        "tenantId": tenant_id,
        "algorithm": algorithm,
        "txHash": result.tx_hash,
        "blockNumber": result.block_number,
        "already": False,
    }


def verify_file(
    env: Any,
    path: Path,
    bundle_path: Path | None,
    *,
    offline: bool,
    allow_revoked: bool,
    algorithm: str,
) -> dict[str, Any]:
    """Check ``path`` against its bundle (offline, then on chain) or as a single anchored digest.

    Returns a report with ``verified`` and a one-line ``message``; malformed bundles and missing
    chains raise (they are errors, not verdicts).
    """
    if bundle_path is not None:
        bundle = ProofBundle.read(bundle_path)
        base = {
            "file": str(path),
            "bundle": str(bundle_path),
            "leaf": hex32(bundle.leaf),
            "root": hex32(bundle.root),
            "onChain": not offline,
        }
        try:
            verify_offline(bundle, path=path)
        except BundleVerificationError as exc:
            return {**base, "verified": False, "message": f"NOT verified: {exc}"}
        if offline:
            return {
                **base,
                "verified": True,
                "message": f"{path}: the proof leads to root {hex32(bundle.root)} "
                "(offline check only; run without --offline to ask the chain)",
            }
        env.chain_id()  # a clear error when nothing answers at --rpc
        try:
            seen = verify_onchain(bundle, env.w3(), path=path, allow_revoked=allow_revoked)
        except BundleVerificationError as exc:
            return {**base, "verified": False, "message": f"NOT verified: {exc}"}
        revoked = f", revoked at {seen.revoked_at}" if seen.revoked else ""
        return {
            **base,
            "verified": True,
            "tenantId": seen.tenant_id,
            "timestamp": seen.timestamp,
            "blockNumber": seen.block_number,
            "revokedAt": seen.revoked_at,
            "message": f"{path} verified: in batch {hex32(bundle.root)} anchored by tenant "
            f"{seen.tenant_id} in block {seen.block_number}{revoked}",
        }
    if offline:
        raise InvalidValueError("--offline", "without --bundle", "a bundle to check offline")
    digest = digest_file(path, algorithm)
    base = {"file": str(path), "digest": hex32(digest), "onChain": True}
    try:
        record = env.client().anchor.record(digest)
    except UnknownAnchorError:
        return {
            **base,
            "verified": False,
            "message": f"NOT verified: {path} ({algorithm} {hex32(digest)}) is not anchored "
            "on its own; a file anchored in a batch needs --bundle",
        }
    if record.revoked_at and not allow_revoked:
        return {
            **base,
            "verified": False,
            "tenantId": record.tenant_id,
            "revokedAt": record.revoked_at,
            "message": f"NOT verified: tenant {record.tenant_id} revoked the anchor of {path} "
            f"at {record.revoked_at} (reason {record.revoke_reason})",
        }
    return {
        **base,
        "verified": True,
        "tenantId": record.tenant_id,
        "timestamp": record.timestamp,
        "blockNumber": record.block_number,
        "revokedAt": record.revoked_at,
        "message": f"{path} verified: anchored by tenant {record.tenant_id} in block "
        f"{record.block_number}",
    }


__all__ = [
    "BatchPlan",
    "anchor_directory",
    "anchor_file",
    "collect_files",
    "plan_directory",
    "verify_file",
    "write_bundles",
]

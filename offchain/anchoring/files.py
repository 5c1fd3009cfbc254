"""What ``leasehold anchor`` does, apart from printing (``verify``: :mod:`~.verify`).

Anchoring a directory: hash every file (with a progress bar), build the batch with
:class:`offchain.anchoring.merkle.MerkleTree`, anchor its root, then write one proof bundle per file
(:mod:`offchain.anchoring.bundle`) and the tree (``tree.json``, OpenZeppelin's ``standard-v1``).
Bundles are staged in a temporary directory beside the output and each is moved into place with an
atomic rename, so an interrupted run leaves complete bundles or none, never a half-written file; and
a rerun finds the root already anchored by the same tenant and only writes what is missing.

A proof is never destroyed: when a rerun after a change anchors a new root, each bundle (and
``tree.json``) it replaces is first moved under ``.previous/<its root>/`` in the bundles
directory, where it still proves its file against the root anchored before.

Hiding is the default: each file's leaf is a salted commitment to its digest
(:mod:`offchain.anchoring.commitment`), the salt written only into its bundle. The salts are saved
in ``.salts.pending.json`` before the root is sent and that file is removed once every bundle is
written, so a crash in between costs no second anchor. A rerun reuses salts only when the current
bundles (or one set under ``.previous/``) open every file's current digest: the same content
finds the same root; any change gets fresh salts for every file. ``plain`` leaves (the digests
themselves) are for public data and are chosen explicitly."""

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

from offchain.anchoring.bundle import (
    ProofBundle,
    bundles_for,
    single_bundle,
)
from offchain.anchoring.commitment import (
    Kind,
    discard_pending,
    new_salt,
    read_pending,
    salted_leaf,
    write_pending,
)
from offchain.anchoring.merkle import MerkleTree, digest_file
from offchain.chain.values import hex32
from offchain.exceptions import (
    InvalidValueError,
    UnknownAnchorError,
)

BUNDLE_SUFFIX = ".bundle.json"
TREE_FILE = "tree.json"
PREVIOUS_DIR = ".previous"
PENDING_SALTS = ".salts.pending.json"


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


def _anchor_tx_of(client: Any, root: bytes, block_number: int, event: str = "BatchAnchored") -> str:
    """The hash of the transaction that emitted ``event(root)`` in ``block_number``."""
    from offchain.chain.abi import load_abi
    from offchain.chain.decode import event_topic

    entry = next(e for e in load_abi("DataAnchor") if e.get("name") == event)
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
    tree: MerkleTree  # plain: one leaf per distinct digest; hiding: one per file
    algorithm: str
    salts: tuple[bytes, ...] | None = None  # hiding: one per file, same order as names

    @property
    def kind(self) -> Kind:
        """``hiding`` when the leaves are salted commitments, else ``plain``."""
        return "plain" if self.salts is None else "hiding"

    def leaves(self) -> tuple[bytes, ...]:
        """Each file's leaf value, same order as :attr:`names`."""
        if self.salts is None:
            return self.digests
        return tuple(salted_leaf(s, d) for s, d in zip(self.salts, self.digests, strict=True))


def plan_directory(
    path: Path,
    out_dir: Path | None,
    algorithm: str,
    *,
    show_progress: bool = False,
    console: Any = None,
    hiding: bool = True,
) -> BatchPlan:
    """Hash every file under ``path`` and build the batch tree (nothing is sent).

    With ``hiding`` (the default) each file gets a salt (reused from its bundles when they open
    every current digest, else fresh) and the salts are saved in ``out_dir`` until
    :func:`write_bundles` has written them into the bundles.

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
    if hiding:
        salts = _salts_for(out_dir, names, digests, algorithm)
        leaves = [salted_leaf(s, d) for s, d in zip(salts, digests, strict=True)]
        write_pending(
            out_dir / PENDING_SALTS,
            algorithm,
            {n: (d, s) for n, d, s in zip(names, digests, salts, strict=True)},
        )
        tree = MerkleTree.of(leaves, list(names))
        return BatchPlan(path, out_dir, names, digests, tree, algorithm, salts)
    first_name: dict[bytes, str] = {}
    for name, digest in zip(names, digests, strict=True):
        first_name.setdefault(digest, name)  # files with equal content share one leaf
    tree = MerkleTree.of(list(first_name), list(first_name.values()))
    return BatchPlan(path, out_dir, names, digests, tree, algorithm)


def _salts_for(
    out_dir: Path, names: tuple[str, ...], digests: tuple[bytes, ...], algorithm: str
) -> tuple[bytes, ...]:
    """Salts that open every file's digest, from the pending file or a set of bundles, or fresh."""
    wanted = dict(zip(names, digests, strict=True))
    for found in _salt_sources(out_dir, names, wanted, algorithm):
        if all(n in found and found[n][0] == wanted[n] for n in names):
            return tuple(found[n][1] for n in names)
    return tuple(new_salt() for _ in names)


def _salt_sources(
    out_dir: Path, names: tuple[str, ...], wanted: dict[str, bytes], algorithm: str
) -> Iterator[dict[str, tuple[bytes, bytes]]]:
    """The pending salts, then the current bundles', then each set kept under ``.previous/``."""
    yield read_pending(out_dir / PENDING_SALTS, algorithm)
    previous = out_dir / PREVIOUS_DIR
    for directory in [out_dir, *(sorted(previous.iterdir()) if previous.is_dir() else [])]:
        yield _bundle_salts(directory, names, wanted, algorithm)


def _bundle_salts(
    directory: Path, names: tuple[str, ...], wanted: dict[str, bytes], algorithm: str
) -> dict[str, tuple[bytes, bytes]]:
    """``{name: (digest, salt)}`` of the hiding bundles in ``directory`` that match ``wanted``."""
    found: dict[str, tuple[bytes, bytes]] = {}
    for name in names:
        bundle = _read_quietly(directory / (name + BUNDLE_SUFFIX))
        if (
            bundle is None
            or bundle.salt is None
            or bundle.digest != wanted[name]
            or bundle.algorithm != algorithm
        ):
            return found  # one miss is enough: this set cannot rebuild the batch
        found[name] = (bundle.digest, bundle.salt)
    return found


def _read_quietly(path: Path) -> ProofBundle | None:
    from offchain.exceptions import BundleFormatError

    try:
        return ProofBundle.read(path) if path.is_file() else None
    except BundleFormatError:
        return None


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
    ``.previous/<root>/`` first, and its new path appended to ``kept``. Once every bundle is in
    place, the pending salts of a hiding plan are removed: the bundles hold them now.
    """
    openings = None if plan.salts is None else list(zip(plan.digests, plan.salts, strict=True))
    by_leaf = {
        b.leaf: b
        for b in bundles_for(
            plan.tree,
            algorithm=plan.algorithm,
            chain_id=chain_id,
            contract=contract,
            anchor_tx=anchor_tx,
            openings=openings,
        )
    }
    written: list[str] = []
    with _staging(plan.out_dir) as stage:
        staged: list[tuple[Path, Path]] = []
        for name, leaf in zip(plan.names, plan.leaves(), strict=True):
            relative = Path(name + BUNDLE_SUFFIX)
            target = stage / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(replace(by_leaf[leaf], name=name).to_json())
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
    discard_pending(plan.out_dir / PENDING_SALTS)
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
    hiding: bool = True,
) -> dict[str, Any]:
    """Anchor every file under ``path`` as one batch and write their bundles (see module doc).

    ``hiding`` (the default) commits to each file with a fresh salt; ``False`` anchors the plain
    digests, for public data.
    """
    plan = plan_directory(
        path, out_dir, algorithm, show_progress=show_progress, console=console, hiding=hiding
    )
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
        "hiding": hiding,
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


def anchor_file(
    client: Any,
    path: Path,
    tenant_id: int,
    algorithm: str,
    *,
    hiding: bool = True,
    out_dir: Path | None = None,
) -> dict[str, Any]:
    """Anchor one file alone (``DataAnchor.anchor``); a rerun by the same tenant is a no-op.

    Plain: the file's digest is anchored and nothing is written. Hiding (the default): the
    anchored value is the salted commitment to the digest, and the salt is written to the file's
    bundle, ``<out_dir or the file's directory>/<name>.bundle.json`` (a rerun reuses its salt).
    """
    digest = digest_file(path, algorithm)
    bundle_path = (out_dir or path.parent) / (path.name + BUNDLE_SUFFIX)
    pending = bundle_path.with_name(f".{bundle_path.name}.pending")
    salt = _single_salt(bundle_path, pending, path.name, digest, algorithm) if hiding else None
    value = digest if salt is None else salted_leaf(salt, digest)
    report = {
        "kind": "digest",
        "hiding": hiding,
        "digest": hex32(digest),
        "anchored": hex32(value),
        "tenantId": tenant_id,
        "algorithm": algorithm,
        "bundle": str(bundle_path) if hiding else None,
    }
    try:
        record = client.anchor.record(value)
    except UnknownAnchorError:
        record = None
    if record is not None and record.tenant_id == tenant_id and not record.count:
        tx_hash = _anchor_tx_of(client, value, record.block_number, "Anchored") if hiding else None
        block_number, already = record.block_number, True
    else:
        if salt is not None:
            _check_writable(bundle_path.parent)
            write_pending(pending, algorithm, {path.name: (digest, salt)})
        result = client.anchor.anchor(tenant_id, value)
        tx_hash, block_number, already = result.tx_hash, result.block_number, False
    if salt is not None and tx_hash is not None:
        chain_id = int(client.w3.eth.chain_id)
        single_bundle(
            digest,
            salt,
            algorithm=algorithm,
            chain_id=chain_id,
            contract=client.addresses.anchor,
            anchor_tx=tx_hash,
            name=path.name,
        ).write(bundle_path)
        discard_pending(pending)
    return {**report, "txHash": None if already else tx_hash, "blockNumber": block_number,
            "already": already}  # fmt: skip


def _single_salt(
    bundle_path: Path, pending: Path, name: str, digest: bytes, algorithm: str
) -> bytes:
    """The salt of a file anchored alone before (from its pending salt or bundle), or a new one."""
    saved = read_pending(pending, algorithm).get(name)
    if saved is not None and saved[0] == digest:
        return saved[1]
    bundle = _read_quietly(bundle_path)
    if (
        bundle is not None
        and bundle.salt is not None
        and bundle.count == 0
        and bundle.digest == digest
        and bundle.algorithm == algorithm
    ):
        return bundle.salt
    return new_salt()


__all__ = [
    "BatchPlan",
    "anchor_directory",
    "anchor_file",
    "collect_files",
    "plan_directory",
    "write_bundles",
]

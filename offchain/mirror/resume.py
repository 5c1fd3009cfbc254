"""Resuming from a snapshot: load it and let the chain confirm it (for the mirror).

A snapshot is used only when its block is still canonical with the recorded hash and timestamp,
and its journal heads equal the contracts' at that block hash. A node without that block's state
cannot answer the journal check; the snapshot is then trusted on its hash, except during a repair
(``strict``), when only a confirmed snapshot may replace a state found wrong."""

from __future__ import annotations

from offchain.chain.rpc import RpcClient
from offchain.exceptions import RpcError, SnapshotError
from offchain.mirror.audit import Auditor
from offchain.mirror.state import MirrorState
from offchain.mirror.store import SnapshotInfo, SnapshotStore


def resume(
    store: SnapshotStore, rpc: RpcClient, auditor: Auditor, *, strict: bool
) -> tuple[MirrorState, SnapshotInfo]:
    """The snapshot's state, once the chain confirms it.

    Raises:
        SnapshotError: the file cannot be read or the chain refutes it (set it aside).
        RpcError, ConnectionError: the chain could not be asked (keep the file, retry later).
    """
    try:
        state, info = store.load()
    except SnapshotError:
        raise
    except Exception as exc:  # whatever the file holds, it must not stop the mirror
        raise SnapshotError(str(store.path), f"cannot be read ({exc!r})") from None
    confirm(state, info, rpc, auditor, strict=strict)
    return state, info


def confirm(
    state: MirrorState, info: SnapshotInfo, rpc: RpcClient, auditor: Auditor, *, strict: bool
) -> None:
    """Raise :class:`SnapshotError` unless the chain confirms the snapshot (module docstring)."""
    where = info.path
    header = rpc.call("eth_getBlockByNumber", [hex(info.block_number), False])
    if not isinstance(header, dict) or header.get("hash") != info.block_hash:
        raise SnapshotError(
            where,
            f"its block {info.block_number} ({info.block_hash[:10]}…) is not on the chain "
            f"any more (the chain has {(header or {}).get('hash', 'no such block')})",
        )
    raw = header.get("timestamp", "0x0")
    timestamp = int(raw, 16) if isinstance(raw, str) else int(raw)
    if timestamp != info.block_timestamp:
        raise SnapshotError(
            where,
            f"its block {info.block_number} has timestamp {info.block_timestamp} where the "
            f"chain has {timestamp}: the file was edited",
        )
    try:
        check = auditor.check_journal(state)
        error, ok, described = check.error, check.ok, check.describe()
    except (RpcError, ConnectionError):
        raise  # the chain could not be asked: keep the file, retry later
    except Exception as exc:  # an answer that does not decode (no state there, e.g. eth-tester)
        error, ok, described = f"undecodable journal() answer ({exc})", False, ""
    if error and strict:
        raise SnapshotError(where, f"its journal cannot be checked ({error})")
    if not error and not ok:
        raise SnapshotError(where, described)

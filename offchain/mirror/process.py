"""``python -m offchain.mirror``: a mirror process, with JSON progress lines on stdout.

Scale-out: the chain is the engine, mirrors are read replicas of it. Any number of mirror
processes, on one machine or many, follow the same chain independently, each with its own snapshot
file; for the same block hash they hold the same state (``MirrorState.digest`` is equal, a test runs
two processes and compares). To serve N replicas behind a load balancer:

1. Run each replica with its own ``--snapshot`` path (never share one SQLite file between
   processes) and the same ``--rpc`` list (several URLs give each replica failover).
2. Health-check each replica on its status: ``phase == "live"``, ``lag_blocks`` and
   ``lag_seconds`` small (the node unreachable leaves the first put and grows the second), RPC up,
   ``journal.ok``; take a replica out of rotation when it fails. ``leasehold mirror serve`` answers
   this on ``GET /health`` (503 when it fails).
3. Make reads consistent across replicas by block: every answer carries ``(block number, block
   hash)``; a client that needs read-your-writes passes the block of its transaction and the
   replica waits for it (``wait_for_block``) or the balancer retries another replica. Sticky
   sessions are not needed.
4. A new replica starts from a copy of a healthy replica's snapshot file (taken at a finalized
   block, so it is valid on every replica) to skip the backfill.
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
import threading
from collections.abc import Sequence
from typing import Any

from offchain.exceptions import ManifestError
from offchain.mirror import mirror as facade
from offchain.mirror.follow_types import FollowerConfig
from offchain.mirror.mirror import Mirror, MirrorConfig
from offchain.mirror.notify import Notification


def main(argv: Sequence[str] | None = None) -> int:
    """Run a mirror process (``python -m offchain.mirror --help``)."""
    parser = argparse.ArgumentParser(
        prog="python -m offchain.mirror", description=(facade.__doc__ or "").split("\n")[0]
    )
    parser.add_argument("--manifest", required=True, help="deployments/<chain-id>.json")
    parser.add_argument("--rpc", action="append", required=True, help="JSON-RPC URL (repeatable)")
    parser.add_argument("--ws", help="websocket URL for newHeads")
    parser.add_argument("--snapshot", help="SQLite snapshot file of this replica")
    parser.add_argument("--poll-interval", type=float, default=1.0)
    parser.add_argument("--snapshot-interval", type=float, default=30.0)
    defaults = FollowerConfig()
    parser.add_argument("--chunk-blocks", type=int, default=defaults.chunk_blocks)
    parser.add_argument("--max-chunk-blocks", type=int, default=defaults.max_chunk_blocks)
    parser.add_argument("--concurrency", type=int, default=defaults.concurrency)
    parser.add_argument("--confirmations", type=int, default=defaults.confirmations)
    parser.add_argument(
        "--finality", default="auto", choices=["auto", "finalized", "safe", "depth"]
    )
    parser.add_argument("--until-block", type=int, help="exit once this block is applied")
    parser.add_argument(
        "--progress", action="store_true", help="print one JSON line per applied block or chunk"
    )
    parser.add_argument("--digest", action="store_true", help="print the state digest at exit")
    parser.add_argument("--log-level", default="WARNING")
    args = parser.parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(name)s %(message)s")

    config = MirrorConfig(
        follower=FollowerConfig(
            poll_interval=args.poll_interval,
            chunk_blocks=args.chunk_blocks,
            max_chunk_blocks=args.max_chunk_blocks,
            concurrency=args.concurrency,
            confirmations=args.confirmations,
            finality=args.finality,
            freeze_gc=True,  # a process of its own: freezing the collector affects only us
        ),
        snapshot_path=args.snapshot,
        snapshot_interval=args.snapshot_interval,
    )
    try:
        mirror = Mirror.from_manifest(args.manifest, args.rpc, ws_url=args.ws, config=config)
    except ManifestError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2

    def emit(record: dict[str, Any]) -> None:
        print(json.dumps(record), flush=True)

    if args.progress:

        def progress(note: Notification) -> None:
            emit({"event": note.kind, "block": note.number, "hash": note.block_hash,
                  "changes": len(note.changes), "final": note.final,
                  **({"reason": note.reason} if note.reason else {})})  # fmt: skip

        mirror.subscribe(progress)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    mirror.start()
    try:
        while not done.is_set():
            if args.until_block is not None and mirror.state.number >= args.until_block:
                break
            done.wait(0.05)
    finally:
        mirror.stop()
    if args.digest:
        view = mirror.view()
        emit({"event": "digest", "block": view.number, "hash": view.block_hash,
              "digest": mirror.state.digest(), "counts": mirror.state.counts()})  # fmt: skip
    return 0

"""A real resync beside a restart, and the backfill's memory: ``python bench/resync_bench.py``.

No chain: the event mix of ``bench/backfill_bench.py`` (generated JSON-RPC logs, 750 bytes of JSON
per log) is served by an in-memory node that answers each ``eth_getLogs`` with the JSON bytes of
the logs asked for, parsed by the package's ``parse_json`` as :class:`~offchain.chain.rpc.RpcClient`
does (on the chunk reader's worker threads). Each measurement runs in a fresh process:

- *resync*: a fresh :class:`~offchain.mirror.state.MirrorState` and
  :class:`~offchain.mirror.follower.Follower` backfill every block from the deploy block (parse,
  decode, apply, parent-hash chaining; the hooks mark a :class:`SnapshotStore` as the mirror's
  do), then the first snapshot is written;
- *restart*: :meth:`SnapshotStore.load` of that snapshot (the same state: digests compared);
- *memory* (``--memory``): VmRSS before the backfill, VmHWM during it (the peak, reset before it
  through ``/proc/self/clear_refs``), VmRSS after it and after ``malloc_trim(0)``; in another
  process the state's live objects, by ``tracemalloc`` (growth over the backfill, and its peak).
"""

from __future__ import annotations

import argparse
import ctypes
import gc
import json
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(1, str(ROOT / "tests" / "mirror"))
sys.path.insert(2, str(ROOT / "bench"))


class _JsonNode:
    """``eth_getLogs`` and headers as JSON bytes, parsed as the RPC client parses an answer."""

    def __init__(self, fragments: list[bytes], parse: Any) -> None:
        self.fragments = fragments  # fragments[n - 1]: block n's logs, JSON without brackets
        self.parse = parse
        self.urls = ["memory"]
        self.largest = 0  # the most logs in one eth_getLogs answer

    def batch(self, calls: list[tuple[str, list[Any]]]) -> list[Any]:
        parts = []
        for i, (method, params) in enumerate(calls):
            if method == "eth_getLogs":
                lo, hi = int(params[0]["fromBlock"], 16), int(params[0]["toBlock"], 16)
                logs = b",".join(f for f in self.fragments[lo - 1 : hi] if f)
                self.largest = max(self.largest, logs.count(b'"logIndex"'))
                result = b"[" + logs + b"]"
            else:
                n = int(params[0], 16)
                header = {"number": hex(n), "hash": "0x" + f"{n:064x}"}
                header["parentHash"] = "0x" + f"{max(n - 1, 0):064x}"
                header["timestamp"] = hex(1_700_000_000 + 12 * n)
                result = json.dumps(header).encode()
            parts.append(b'{"jsonrpc":"2.0","id":%d,"result":%s}' % (i, result))
        answers = self.parse(b"[" + b",".join(parts) + b"]")
        return [answer["result"] for answer in answers]

    def call(self, method: str, params: list[Any]) -> Any:
        return self.batch([(method, params)])[0]


class _Hooks:
    def __init__(self, store: Any) -> None:
        self.store = store

    def applied(self, number: int, block_hash: str, changes: Any, final: bool) -> None:
        pass

    def retracted(self, number: int, block_hash: str, inverse: Any) -> None:
        pass

    def finalized(self, number: int, block_hash: str, changes: Any) -> None:
        self.store.mark(changes)


def _status(field: str) -> int:
    """``VmRSS`` / ``VmHWM`` of this process in bytes."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no {field} in /proc/self/status")


def _fragments(events: int) -> list[bytes]:
    import msgspec
    from backfill_bench import generate

    return [msgspec.json.encode(block)[1:-1] for block in generate(events)]


def one(args: argparse.Namespace) -> dict[str, Any]:
    """In a fresh process: resync into a snapshot, then restart from it (or measure memory)."""
    from _synthetic_logs import ADDRESSES

    from offchain.chain.decode import Decoder
    from offchain.chain.rpc import parse_json
    from offchain.mirror.follow_types import FollowerConfig
    from offchain.mirror.follower import Follower
    from offchain.mirror.state import MirrorState
    from offchain.mirror.store import SnapshotStore

    fragments = _fragments(args.events)
    identity = {"chainId": 1, "contracts": {}}
    path = Path(args.snapshot)
    store = SnapshotStore(path, identity)
    if args.mode == "trace":
        tracemalloc.start()
    gc.collect()
    rss0, traced0 = _status("VmRSS"), tracemalloc.get_traced_memory()[0]
    Path("/proc/self/clear_refs").write_text("5")  # VmHWM := VmRSS
    config = FollowerConfig(
        chunk_blocks=500,
        target_logs=args.target_logs,
        concurrency=3,
        max_chunk_blocks=args.max_chunk_blocks,
    )
    state = MirrorState()
    wall, cpu = time.perf_counter(), time.process_time()
    node = _JsonNode(fragments, parse_json)
    follower = Follower(
        node,
        Decoder(ADDRESSES),
        state,
        config=config,
        hooks=_Hooks(store),
        start_block=1,
    )
    follower.backfill(1, len(fragments))
    follower.close()
    resync_s, resync_cpu = time.perf_counter() - wall, time.process_time() - cpu
    started = time.perf_counter()
    store.write(state, state.number, state.block_hash, state.timestamp)
    write_s = time.perf_counter() - started
    store.close()
    largest, chunks = node.largest, follower.status.backfill_chunks
    del follower, store, node
    gc.collect()
    out: dict[str, Any] = {
        "events": sum(f.count(b'"logIndex"') for f in fragments),
        "entries": sum(len(t) for t in state.tables.values()),
        "resync_s": resync_s,
        "resync_cpu_s": resync_cpu,
        "write_s": write_s,
        "snapshot_mb": path.stat().st_size / 1e6,
        "largest": largest,
        "chunks": chunks,
    }
    if args.mode == "trace":
        current, peak = tracemalloc.get_traced_memory()
        out |= {"live": current - traced0, "traced_peak": peak - traced0}
        return out
    out |= {"rss_before": rss0, "rss_peak": _status("VmHWM"), "rss_after": _status("VmRSS")}
    ctypes.CDLL("libc.so.6").malloc_trim(0)
    out["rss_trimmed"] = _status("VmRSS")
    digest = state.digest()
    del state
    gc.collect()
    started, cpu = time.perf_counter(), time.process_time()
    loaded, _ = SnapshotStore(path, identity).load()
    out["restart_s"] = time.perf_counter() - started
    out["restart_cpu_s"] = time.process_time() - cpu
    ctypes.CDLL("libc.so.6").malloc_trim(0)
    out["rss_reloaded"] = _status("VmRSS")  # the same state, rebuilt compactly by the load
    assert loaded.digest() == digest, "the restored state differs from the resynced one"
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3, help="fresh processes")
    parser.add_argument("--target-logs", type=int, default=2_500, help="logs per answer aimed at")
    parser.add_argument("--max-chunk-blocks", type=int, default=200_000, help="widest range read")
    parser.add_argument("--mode", choices=["time", "trace"], help=argparse.SUPPRESS)
    parser.add_argument("--snapshot", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.mode:
        print(json.dumps(one(args)))
        return 0
    runs: dict[str, list[dict[str, Any]]] = {"time": [], "trace": []}
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(args.rounds):
            for mode in ("time", "trace") if i == 0 else ("time",):
                snapshot = Path(tmp) / f"{mode}-{i}.sqlite"
                command = [sys.executable, __file__, "--mode", mode, "--snapshot", str(snapshot)]
                command += ["--events", str(args.events), "--target-logs", str(args.target_logs)]
                command += ["--max-chunk-blocks", str(args.max_chunk_blocks)]
                done = subprocess.run(command, capture_output=True, text=True)
                if done.returncode:
                    raise SystemExit(f"{mode} run failed:\n{done.stderr[-3000:]}")
                runs[mode].append(json.loads(done.stdout.splitlines()[-1]))
                snapshot.unlink()
            r = runs["time"][-1]
            print(f"  round {i + 1}: resync {r['resync_s']:.2f}s, restart {r['restart_s']:.3f}s",
                  flush=True)  # fmt: skip
    timed, traced = runs["time"], runs["trace"][0]
    events, entries = timed[0]["events"], timed[0]["entries"]

    def med(key: str) -> float:
        return statistics.median(r[key] for r in timed)

    resync, restart = med("resync_s"), med("restart_s")
    steady = med("rss_after") - med("rss_before")
    peak = med("rss_peak") - med("rss_before")
    trimmed = med("rss_trimmed") - med("rss_before")
    live = traced["live"]
    mb = 1e6
    print(f"\n{events:,} events, {entries:,} entries in the state; medians of {len(timed)} "
          f"fresh processes; target {args.target_logs:,} logs per answer, chunks of at most "
          f"{args.max_chunk_blocks:,} blocks\n")  # fmt: skip
    print("| measure | result | detail |\n|---|---|---|")
    rows = [
        ("resync from the deploy block (parse, decode, apply, chaining)", f"{resync:.2f} s",
         f"{events / resync:,.0f} ev/s; process CPU {med('resync_cpu_s'):.2f} s"),
        ("backfill chunks", f"{timed[0]['chunks']:,}",
         f"largest eth_getLogs answer: {timed[0]['largest']:,} logs"),
        ("first snapshot write", f"{med('write_s'):.2f} s", f"{timed[0]['snapshot_mb']:.0f} MB"),
        ("restart from the snapshot (load)", f"{restart:.3f} s",
         f"process CPU {med('restart_cpu_s'):.3f} s; same state digest"),
        ("resync / restart", f"{resync / restart:.1f}x", "by CPU: "
         f"{med('resync_cpu_s') / med('restart_cpu_s'):.1f}x; resync + write: "
         f"{(resync + med('write_s')) / restart:.1f}x"),
        ("live objects after the backfill (tracemalloc)", f"{live / mb:.1f} MB",
         f"{live / entries:,.0f} B per entry; "
         f"tracemalloc peak {traced['traced_peak'] / mb:.1f} MB"),
        ("steady RSS growth after the backfill", f"{steady / mb:.1f} MB",
         f"{steady / entries:,.0f} B per entry; {steady / live:.2f}x live (goal <= 2x)"),
        ("peak RSS growth during the backfill", f"{peak / mb:.1f} MB",
         f"{peak / steady:.2f}x steady (goal <= 1.5x)"),
        ("RSS growth after malloc_trim(0)", f"{trimmed / mb:.1f} MB",
         f"{trimmed / live:.2f}x live; peak {peak / trimmed:.2f}x this"),
        ("RSS growth with the state reloaded from its snapshot instead",
         f"{(med('rss_reloaded') - med('rss_before')) / mb:.1f} MB",
         f"{(med('rss_reloaded') - med('rss_before')) / live:.2f}x live; after malloc_trim(0)"),
    ]  # fmt: skip
    for row in rows:
        print("| " + " | ".join(row) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())

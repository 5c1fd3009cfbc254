"""Backfill stages in process, before and after a change: ``python bench/backfill_bench.py``.

No chain: the event mix of ``bench/mirror_bench.py`` (leases opened one per block, six rounds of
settlements in ``claim`` batches of 100 with their ``EarningsClaimed``, closes in batches of 100,
anchors for the rest) is generated as JSON-RPC logs from the ABIs (``tests/mirror/_synthetic_logs``)
and served to the real :class:`~offchain.mirror.follower.Follower` by an in-memory stand-in for the
node, so what is timed is the mirror's own work in a backfill:

- *parse*: ``parse_json`` of ``eth_getLogs`` answers of 2,000 blocks (the JSON bytes a node sends);
- *decode*: ``Decoder.decode_many`` as the follower calls it (timed by wrapping it);
- *apply*: the rest of ``Follower.backfill``: the events applied to the typed state with its
  indexes and journal heads, and what the follower hands its hooks for each chunk.

The same measurement runs on the ``offchain`` package of a git revision (``--against``, default
``HEAD``: extracted with ``git archive`` and imported as ``offchain_before``, the checkout is not
touched; its layout may be the flat one of before the move to subpackages, see :data:`MODULES`)
and on the working tree, alternating in one process, so both see the same machine. Both
must end with the same state digest, and with journal heads equal to an independent replay
(``offchain.mirror.journal.replay``). Times are CPU seconds of the applying thread (``--clock
process`` for every thread's, the chunk reader's workers included; ``--clock wall`` for wall time),
which a shared machine disturbs less than wall time; the table shows the best run and the median.
``--instructions`` counts with callgrind, the chunk reader's work run inline on the counted
thread. ``--profile FILE`` runs the working tree once under cProfile instead.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import io
import json
import operator
import os
import re
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(1, str(ROOT / "tests" / "mirror"))
CHUNK = 2_000  # blocks per answer for the parse stage (as bench/mirror_bench.py's raw floor)
STAGES = ("parse", "decode", "apply", "decode+apply")
# cpu: the applying thread; process: every thread (the chunk reader's workers too); wall.
CLOCKS: dict[str, Callable[[], float]] = {
    "cpu": time.thread_time,
    "process": time.process_time,
    "wall": time.perf_counter,
}


# ----------------------------------------------------------------------------------- the logs


def generate(events: int) -> list[list[dict[str, Any]]]:
    """Blocks of logs (one transaction per block), the event mix of ``bench/mirror_bench.py``."""
    from _synthetic_logs import GPU, OWNER, PROVIDER, Logs

    from offchain.chain.decode import keccak256

    logs = Logs()
    blocks: list[list[dict[str, Any]]] = [[]]  # blocks[n - 1]: block n's logs (block 1 empty)
    price, duration, rounds = 10**6, 100_000, 6
    now = [1_700_000_000]

    def block(*events: tuple[str, str, dict[str, Any]]) -> None:
        logs.next_block()
        now[0] += 12
        for contract, name, values in events:
            log = logs.event(contract, name, **values)
            log["transactionIndex"] = "0x0"  # what Anvil adds to every log
            log["blockTimestamp"] = hex(now[0])
        blocks.append(logs.logs[len(logs.logs) - len(events) :])

    reg, mkt = "TenantRegistry", "LeaseMarket"
    role = {"role": b"\x07" * 32, "account": PROVIDER, "sender": OWNER}
    block((reg, "RoleGranted", role), (reg, "RoleChanged", {**role, "granted": True}))
    block(
        (
            reg,
            "TenantRegistered",
            {
                "tenantId": 1,
                "owner": OWNER,
                "status": 2,
                "createdAt": now[0],
                "metadataURI": "ipfs://bench",
                "metadataHash": b"\x01" * 32,
            },
        )
    )
    block((reg, "QuotaSet", {"tenantId": 1, "resourceClass": GPU, "maxUnits": 2**62}))
    block((mkt, "Deposited", {"tenantId": 1, "from": OWNER, "amount": 10**21}))
    pool = {
        "poolId": 1,
        "provider": PROVIDER,
        "resourceClass": GPU,
        "capacity": 2**32 - 1,
        "pricePerUnitSecond": price,
        "minDuration": 60,
        "maxDuration": 10**6,
    }
    block((mkt, "PoolCreated", pool))
    leases = round(events * 0.12)
    opened: dict[int, int] = {}
    for lease_id in range(1, leases + 1):
        start = opened[lease_id] = now[0] + 12
        lease = {"leaseId": lease_id, "tenantId": 1, "poolId": 1, "units": 1}
        lease |= {"pricePerUnitSecond": price, "start": start, "end": start + duration}
        block((mkt, "LeaseOpened", lease | {"cost": price * duration, "openedBy": OWNER}))
    paid = dict.fromkeys(opened, 0)
    ids = list(opened)
    for _ in range(rounds):
        now[0] += 3_600
        for first in range(0, leases, 100):
            settled = []
            for i in ids[first : first + 100]:
                elapsed = min(duration, now[0] + 12 - opened[i])
                amount, paid[i] = (elapsed - paid[i]) * price, elapsed
                settled.append({"leaseId": i, "amount": amount, "paidUntil": opened[i] + elapsed})
            total = sum(s["amount"] for s in settled)
            block(
                *[(mkt, "LeaseSettled", s) for s in settled],
                (mkt, "EarningsClaimed", {"provider": PROVIDER, "to": PROVIDER, "amount": total}),
            )
    now[0] += 200_000
    for first in range(0, leases, 100):
        closes = [
            {"leaseId": i, "reason": 1, "reasonCode": 0, "toProvider": (duration - paid[i]) * price}
            | {"refunded": 0, "by": OWNER}
            for i in ids[first : first + 100]
        ]
        block(*[(mkt, "LeaseClosed", c) for c in closes])
    done = sum(len(b) for b in blocks)
    for i in range(max(0, events - done)):
        digest = keccak256(i.to_bytes(8, "big"))
        block(("DataAnchor", "Anchored", {"digest": digest, "tenantId": 1, "timestamp": now[0]}))
    return blocks


def expected_heads(blocks: list[list[dict[str, Any]]]) -> dict[str, list[Any]]:
    """Each contract's journal ``(seq, head)`` by ``offchain.mirror.journal`` (not the state's
    code)."""
    from _synthetic_logs import ADDRESSES

    from offchain.chain.decode import Decoder
    from offchain.mirror.journal import replay

    decoder = Decoder(ADDRESSES)
    per: dict[str, list[tuple[list[bytes], bytes]]] = {}
    for log in (log for block in blocks for log in block):
        event = decoder.decode(log)
        assert event is not None
        if event.spec.journaled:
            topics = [bytes.fromhex(t[2:]) for t in log["topics"]]
            per.setdefault(event.contract, []).append((topics, bytes.fromhex(log["data"][2:])))
    return {name: [s.seq, s.head.hex()] for name, s in ((n, replay(p)) for n, p in per.items())}


# ------------------------------------------------------------------------------- the code


def extract(revision: str, into: Path) -> str:
    """Extract ``revision``'s ``offchain`` under ``into`` as the package ``offchain_before``."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "--format=tar", revision, "offchain"],
        check=True,
        capture_output=True,
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    package = into / "offchain_before"
    (into / "offchain").rename(package)
    for path in package.rglob("*.py"):
        path.write_text(re.sub(r"\boffchain\b", "offchain_before", path.read_text()))
    sys.path.insert(0, str(into))
    return "offchain_before"


# Where each name a backfill uses lives, newest layout first: the subpackages (``offchain/chain/``,
# ``offchain/mirror/``; the ``offchain.mirror`` face finds MirrorState wherever the state's split
# put it), then the flat layout of older revisions (``offchain/_rpc.py``, ``offchain/decode.py``,
# ``offchain/state.py``...). The first module that imports and defines the name wins, so a revision
# on either side of the move to subpackages can be compared with the working tree.
MODULES: dict[str, tuple[str, ...]] = {
    "parse_json": ("chain.rpc", "_rpc"),
    "Decoder": ("chain.decode", "decode"),
    "Follower": ("mirror.follower", "follower"),
    "FollowerConfig": ("mirror.follow_types", "mirror.follower", "follower"),
    "MirrorState": ("mirror.state", "mirror", "state"),
    "SnapshotStore": ("mirror.store", "store"),
}


def _module(package: str, name: str) -> ModuleType | None:
    """``package.name``, or None when that module (or a package on its path) does not exist."""
    qualified = f"{package}.{name}"
    try:
        return importlib.import_module(qualified)
    except ModuleNotFoundError as missing:  # None only when that module itself is absent
        if missing.name == qualified or qualified.startswith(f"{missing.name}."):
            return None
        raise


def locate(package: str, name: str) -> Any:
    """``name`` from the first of its :data:`MODULES` candidates in ``package`` that defines it."""
    for candidate in MODULES[name]:
        module = _module(package, candidate)
        if module is not None and hasattr(module, name):
            return getattr(module, name)
    tried = ", ".join(f"{package}.{c}" for c in MODULES[name])
    raise ImportError(f"{name} is in none of {tried}")


class Code:
    """One version of the mirror: what a backfill uses, whatever the package's layout."""

    def __init__(self, package: str) -> None:
        self.package = package
        self.parse_json: Callable[[bytes], Any] = locate(package, "parse_json")
        self.Decoder: Any = locate(package, "Decoder")
        self.Follower: Any = locate(package, "Follower")
        self.FollowerConfig: Any = locate(package, "FollowerConfig")
        self.MirrorState: Any = locate(package, "MirrorState")
        self.SnapshotStore: Any = locate(package, "SnapshotStore")


# ------------------------------------------------------------------------------ measurement


class _Node:
    """The two calls a backfill makes, answered from memory (logs already parsed)."""

    def __init__(self, blocks: list[list[dict[str, Any]]]) -> None:
        self.blocks = blocks  # blocks[n - 1] are block n's logs
        self.urls = ["memory"]

    def batch(self, calls: list[tuple[str, list[Any]]]) -> list[Any]:
        out: list[Any] = []
        for method, params in calls:
            if method == "eth_getLogs":
                lo, hi = int(params[0]["fromBlock"], 16), int(params[0]["toBlock"], 16)
                out.append([log for block in self.blocks[lo - 1 : hi] for log in block])
            else:
                number = int(params[0], 16)
                out.append({"number": hex(number), "hash": "0x" + f"{number:064x}",
                            "parentHash": "0x" + f"{max(number - 1, 0):064x}",
                            "timestamp": hex(1_700_000_000 + 12 * number)})  # fmt: skip
        return out

    def call(self, method: str, params: list[Any]) -> Any:
        return self.batch([(method, params)])[0]


class _Hooks:
    """What the mirror does with a chunk: mark its changes for the next snapshot (``--store``)."""

    def __init__(self, snapshots: Any) -> None:
        self.snapshots = snapshots

    def applied(self, number: int, block_hash: str, changes: Any, final: bool) -> None:
        pass

    def retracted(self, number: int, block_hash: str, inverse: Any) -> None:
        pass

    def finalized(self, number: int, block_hash: str, changes: Any) -> None:
        if self.snapshots is not None:
            self.snapshots.mark(changes)


def parse(code: Code, bodies: list[bytes], clock: Callable[[], float]) -> tuple[float, list[Any]]:
    gc.collect()
    started = clock()
    parsed = [code.parse_json(body)["result"] for body in bodies]
    return clock() - started, parsed


def backfill(
    code: Code,
    blocks: list[list[dict[str, Any]]],
    clock: Callable[[], float],
    store: Path | None,
    profile: str | None = None,
    count: str | None = None,
) -> dict[str, Any]:
    """One ``Follower.backfill`` over every block: seconds in decode and in all, and the end.

    ``count`` ("decode" or "decode+apply") runs that part inside ``operator.call``, the function
    callgrind is told to count in (``--instructions``)."""
    from _synthetic_logs import ADDRESSES

    decoder = code.Decoder(ADDRESSES)
    spent = [0.0]

    def timed(decode: Callable[..., Any]) -> Callable[..., Any]:
        def timed_decode(*args: Any) -> Any:
            started = clock()
            out = operator.call(decode, *args) if count == "decode" else decode(*args)
            spent[0] += clock() - started
            return out

        return timed_decode

    # decode_chunk: the backfill's decoding since it checks the logs' block hashes on the way
    for name in ("decode_many", "decode_chunk"):
        if hasattr(decoder, name):
            setattr(decoder, name, timed(getattr(decoder, name)))
    snapshots = code.SnapshotStore(store, {"chainId": 1}) if store is not None else None
    config = code.FollowerConfig(chunk_blocks=500, target_logs=2_500, concurrency=3)
    state = code.MirrorState()
    follower = code.Follower(
        _Node(blocks), decoder, state, config=config, hooks=_Hooks(snapshots), start_block=1
    )
    gc.collect()
    started = clock()
    if profile:
        import cProfile

        cProfile.runctx("follower.backfill(1, len(blocks))", globals(), locals(), profile)
    elif count == "decode+apply":
        operator.call(follower.backfill, 1, len(blocks))
    else:
        follower.backfill(1, len(blocks))
    total = clock() - started
    follower.close()
    return {
        "events": follower.status.events_applied,
        "decode_s": spent[0],
        "backfill_s": total,
        "digest": state.digest(),
        "heads": {k: [j.seq, j.head.hex()] for k, j in sorted(state.journals.items())},
    }


def by_block(parsed: list[list[dict[str, Any]]], n_blocks: int) -> list[list[dict[str, Any]]]:
    blocks: list[list[dict[str, Any]]] = [[] for _ in range(n_blocks)]
    for chunk in parsed:
        for log in chunk:
            blocks[int(log["blockNumber"], 16) - 1].append(log)
    return blocks


# ----------------------------------------------------------------------- instruction counts


def _inline_workers() -> None:
    """Run what is submitted to a thread pool at once, in the submitting thread: callgrind then
    counts the chunk reader's work (its reads and checks on worker threads) with the rest."""
    from concurrent.futures import Future, ThreadPoolExecutor

    def submit(self: Any, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        future: Future[Any] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # handed over as a worker would
            future.set_exception(exc)
        return future

    ThreadPoolExecutor.submit = submit  # type: ignore[method-assign]


def count_one(args: argparse.Namespace) -> None:
    """In a process under callgrind: run one stage of one version inside ``operator.call``
    (the chunk reader's workers run inline, so their instructions are counted too)."""
    import msgspec

    _inline_workers()
    sys.path.insert(0, str(args.code_dir))
    code = Code(args.package)
    bodies = msgspec.msgpack.decode(args.bodies.read_bytes())
    if args.count == "parse":
        parsed = operator.call(lambda: [code.parse_json(b)["result"] for b in bodies])
    else:
        parsed = [code.parse_json(b)["result"] for b in bodies]
    blocks = max(int(log["blockNumber"], 16) for chunk in parsed for log in chunk)
    backfill(code, by_block(parsed, blocks), time.thread_time, None, count=args.count)


def time_one(args: argparse.Namespace) -> None:
    """In a fresh process: parse and backfill with one version, ``--repeat`` times; print the
    best times (JSON) and how the state ended."""
    import msgspec

    sys.path.insert(0, str(args.code_dir))
    code = Code(args.package)
    clock = CLOCKS[args.clock]
    bodies = msgspec.msgpack.decode(args.bodies.read_bytes())
    runs = []
    for _ in range(args.repeat):
        parse_s, parsed = parse(code, bodies, clock)
        blocks = max(int(log["blockNumber"], 16) for chunk in parsed for log in chunk)
        r = backfill(code, by_block(parsed, blocks), clock, args.store_path)
        if args.store_path is not None:
            args.store_path.unlink(missing_ok=True)
        runs.append({**r, "parse_s": parse_s})
        del parsed
    best = {key: min(run[key] for run in runs) for key in ("parse_s", "decode_s", "backfill_s")}
    print(json.dumps({**runs[-1], **best}))


def instructions(sides: dict[str, tuple[str, Path]], bodies: list[bytes], tmp: Path) -> None:
    """Instructions per event of each stage of each version, counted by callgrind: the same
    every run, whatever else the machine does (about a minute per 20,000 events)."""
    path = tmp / "bodies.msgpack"
    import msgspec

    path.write_bytes(msgspec.msgpack.encode(bodies))
    events = sum(len(msgspec.json.decode(b)["result"]) for b in bodies)
    counts: dict[str, dict[str, int]] = {}
    for name, (package, code_dir) in sides.items():
        counts[name] = {}
        for stage in ("parse", "decode", "decode+apply"):
            out = tmp / "callgrind.out"
            command = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}"]
            command += ["--collect-atstart=no", "--toggle-collect=_operator_call"]
            command += [sys.executable, __file__, "--count", stage, "--package", package]
            command += ["--code-dir", str(code_dir), "--bodies", str(path)]
            done = subprocess.run(command, capture_output=True, text=True)
            found = re.search(r"Collected : (\d+)", done.stderr)
            if done.returncode or found is None:
                raise SystemExit(f"callgrind run failed:\n{done.stderr[-3000:]}")
            counts[name][stage] = int(found.group(1))
            print(f"  {name}, {stage}: {int(found.group(1)) / events:,.0f} instructions per event")
        counts[name]["apply"] = counts[name]["decode+apply"] - counts[name]["decode"]
    before, now = counts.values()
    print(
        f"\n| instructions per event ({events:,} events) | "
        + " | ".join(sides)
        + " | after/before |"
    )
    print("|---|---|---|---|")
    for stage in STAGES:
        b, a = before[stage] / events, now[stage] / events
        print(f"| {stage} | {b:,.0f} | {a:,.0f} | {a / b:.2f}x (speed {b / a:.2f}x) |")


# ---------------------------------------------------------------------------------- driving


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument(
        "--against", default="HEAD", help="git revision to compare with (any layout)"
    )
    parser.add_argument("--rounds", type=int, default=10, help="runs of each, alternating")
    parser.add_argument("--store", action="store_true", help="hooks mark a SnapshotStore")
    parser.add_argument("--clock", choices=list(CLOCKS), default="cpu")
    parser.add_argument("--profile", metavar="FILE", help="cProfile the working tree once")
    parser.add_argument(
        "--instructions", action="store_true", help="count instructions with callgrind instead"
    )
    parser.add_argument("--repeat", type=int, default=2, help="runs per process (best kept)")
    for hidden in ("--count", "--package"):
        parser.add_argument(hidden, help=argparse.SUPPRESS)
    for hidden in ("--code-dir", "--bodies", "--store-path"):
        parser.add_argument(hidden, type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--time-one", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.count is not None:
        count_one(args)
        return 0
    if args.time_one:
        time_one(args)
        return 0
    clock = CLOCKS[args.clock]
    import msgspec

    started = time.perf_counter()
    blocks = generate(args.events)
    heads = expected_heads(blocks)
    bodies = [
        msgspec.json.encode(
            {
                "jsonrpc": "2.0",
                "id": 1,
                "result": [log for b in blocks[lo : lo + CHUNK] for log in b],
            }
        )
        for lo in range(0, len(blocks), CHUNK)
    ]
    events = sum(len(b) for b in blocks)
    size = sum(len(b) for b in bodies) / events
    print(f"{events:,} events in {len(blocks):,} blocks, {size:.0f} bytes of JSON per log "
          f"(generated in {time.perf_counter() - started:.1f}s)", flush=True)  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        store = Path(tmp) / "snapshot.sqlite" if args.store else None
        after = Code("offchain")
        if args.profile:
            _, parsed = parse(after, bodies, clock)
            backfill(after, by_block(parsed, len(blocks)), clock, store, args.profile)
            print(f"profile written to {args.profile}")
            return 0
        package = extract(args.against, Path(tmp))
        if args.instructions:
            here = {args.against: (package, Path(tmp)), "working tree": ("offchain", ROOT)}
            instructions(here, bodies, Path(tmp))
            return 0
        path = Path(tmp) / "bodies.msgpack"
        path.write_bytes(msgspec.msgpack.encode(bodies))
        sides = {args.against: (package, Path(tmp)), "working tree": ("offchain", ROOT)}
        rates: dict[str, dict[str, list[float]]] = {n: {s: [] for s in STAGES} for n in sides}
        ends = set()
        for i in range(args.rounds):
            order = list(sides.items())[:: 1 if i % 2 == 0 else -1]  # ABBA: no order bias
            for name, (package_name, code_dir) in order:
                command = [sys.executable, __file__, "--time-one", "--package", package_name]
                command += ["--code-dir", str(code_dir), "--bodies", str(path)]
                command += ["--repeat", str(args.repeat), "--clock", args.clock]
                command += ["--store-path", str(store)] if store is not None else []
                done = subprocess.run(command, capture_output=True, text=True)
                if done.returncode:
                    raise SystemExit(f"{name}: measurement failed\n{done.stderr[-3000:]}")
                r = json.loads(done.stdout.splitlines()[-1])
                assert r["events"] == events, r["events"]
                assert r["heads"] == heads, f"{name}: journal heads {r['heads']} != {heads}"
                ends.add(r["digest"])
                for stage, seconds in (
                    ("parse", r["parse_s"]),
                    ("decode", r["decode_s"]),
                    ("apply", r["backfill_s"] - r["decode_s"]),
                    ("decode+apply", r["backfill_s"]),
                ):
                    rates[name][stage].append(events / seconds)
            line = ", ".join(f"{n} {rates[n]['decode+apply'][-1]:,.0f}" for n in sides)
            print(f"  round {i + 1}: decode+apply ev/s: {line}", flush=True)
    assert len(ends) == 1, f"the two versions end in different states: {ends}"
    print(f"\nboth end in the same state (digest {ends.pop()[:16]}…), journal heads equal an "
          f"independent replay; load average {os.getloadavg()[0]:.1f}\n")  # fmt: skip
    before, now = rates.values()
    clock_name = {"cpu": "CPU", "process": "process CPU", "wall": "wall"}[args.clock]
    columns = " | ".join(f"{n}: best / median" for n in sides)
    print(f"| ev/s ({clock_name} time, {args.rounds} runs each) | {columns} | after/before |")
    print("|---|---|---|---|")
    for stage in STAGES:
        cells = [
            f"{max(r[stage]):,.0f} / {statistics.median(r[stage]):,.0f}" for r in (before, now)
        ]
        ratio = statistics.median(now[stage]) / statistics.median(before[stage])
        print(f"| {stage} | {cells[0]} | {cells[1]} | {ratio:.2f}x |")
    return 0


if __name__ == "__main__":
    sys.exit(main())

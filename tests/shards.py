"""Run the eth-tester part of the suite as two ape test processes side by side.

``make test-python`` calls this. The in-process eth-tester chain is single-threaded Python, so one
``ape test`` process keeps one core busy and leaves the other idle; two processes, each with its own
chain, finish in a little over half the time on the two-core machines CI runs on. The split is by
folder: ``tests/contracts`` (the contracts' ape tests, about half the time) in one process, every
other folder in the other. Each process writes to its own log under ``.artifacts/shards/``; the logs
are printed whole once both have ended (interleaved pytest output would be unreadable), and a line
every minute says which shards still run. The exit status is the first failing shard's, or 0.

``LEASEHOLD_TEST_JOBS=1`` runs the shards one after the other (for a machine with one core, or to
read a failure as it happens). Arguments after ``--`` go to every ``ape test`` (``-k``, ``-x``).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

ROOT = Path(__file__).resolve().parents[1]
LOGS = ROOT / ".artifacts" / "shards"
FIRST = ["tests/contracts"]
NOT_TESTS = {"forge", "__pycache__"}


def shard_paths() -> list[list[str]]:
    """The shards: tests/contracts, and every other test folder or top-level test file."""
    rest = sorted(
        f"tests/{entry.name}"
        for entry in (ROOT / "tests").iterdir()
        if (entry.is_dir() and entry.name not in NOT_TESTS and f"tests/{entry.name}" not in FIRST)
        or (entry.is_file() and entry.name.startswith("test_") and entry.suffix == ".py")
    )
    return [FIRST, rest]


@dataclass
class Shard:
    name: str
    paths: list[str]
    log: Path
    process: subprocess.Popen[bytes] | None = None
    handle: IO[bytes] | None = field(default=None, repr=False)

    def start(self, extra: list[str]) -> None:
        command = [
            str(ROOT / ".venv" / "bin" / "ape"),
            "test",
            *self.paths,
            "-m",
            "not anvil",
            "--network",
            "ethereum:local:test",
            *extra,
        ]
        self.handle = self.log.open("wb")
        self.process = subprocess.Popen(
            command, cwd=ROOT, stdout=self.handle, stderr=subprocess.STDOUT
        )

    def finish(self) -> int:
        assert self.process is not None
        assert self.handle is not None
        code = self.process.wait()
        self.handle.close()
        return code


def main(argv: list[str]) -> int:
    extra = argv[argv.index("--") + 1 :] if "--" in argv else []
    LOGS.mkdir(parents=True, exist_ok=True)
    shards = [
        Shard(
            name=paths[0].removeprefix("tests/") if len(paths) == 1 else "others",
            paths=paths,
            log=LOGS / f"{i}.log",
        )
        for i, paths in enumerate(shard_paths())
    ]
    sequential = os.environ.get("LEASEHOLD_TEST_JOBS", "2") == "1"

    def stop(signum: int, _frame: object) -> None:
        for shard in shards:
            if shard.process is not None and shard.process.poll() is None:
                shard.process.terminate()
        sys.exit(128 + signum)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    codes: dict[str, int] = {}
    started = time.monotonic()
    next_tick = started + 60
    batches = [[shard] for shard in shards] if sequential else [shards]
    for batch in batches:
        for shard in batch:
            print(
                f"shard {shard.name}: ape test {' '.join(shard.paths)}"
                f" (log: {shard.log.relative_to(ROOT)})",
                flush=True,
            )
            shard.start(extra)
        while any(shard.process is not None and shard.process.poll() is None for shard in batch):
            time.sleep(1)
            if time.monotonic() >= next_tick:
                next_tick += 60
                running = [
                    s.name for s in batch if s.process is not None and s.process.poll() is None
                ]
                minutes = round((time.monotonic() - started) / 60)
                print(f"  {minutes} min: still running: {', '.join(running)}", flush=True)
        for shard in batch:
            codes[shard.name] = shard.finish()
    for shard in shards:
        print(f"\n===== shard {shard.name} (exit {codes[shard.name]}) =====", flush=True)
        sys.stdout.write(shard.log.read_text(errors="replace"))
    failed = [name for name, code in codes.items() if code != 0]
    print(f"\nshards: {', '.join(f'{n} exit {c}' for n, c in codes.items())}", flush=True)
    return codes[failed[0]] if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

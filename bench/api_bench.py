"""Benchmark of the mirror's HTTP API on loopback; writes bench/API.md.

    python bench/api_bench.py            # or: make bench-api (ask the lead for the target)

What it measures, on a devnet with the demo scenario played and ``leasehold mirror serve`` running
as its own process (one uvicorn worker), from this one client process:

1. Latency of ``GET /leases/{id}``: sequential requests on one keep-alive connection (p50, p90,
   p99, max), ids drawn at random from the mirrored leases.
2. Throughput of the same read: several keep-alive connections driven by one asyncio loop in this
   process, for a fixed number of requests (requests per second over the whole run).
3. Change-stream latency: one transaction at a time (Anvil mines each at once); for each, the time
   from ``eth_sendRawTransaction`` returning (the block exists) to its ``change`` event arriving
   on ``GET /events`` (p50, p99, max).

Targets (issue 6): p50 <= 1 ms, >= 2,000 requests/s, change within 100 ms p99 of the block. The
machine is shared (2 cores): the table records the load average next to the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import os
import platform
import random
import socket
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import _readme  # bench/, on the path when this runs as a script

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from offchain.chain.devnet import dev_account  # noqa: E402 -- after the path set-up
from offchain.demo.runner import Stack  # noqa: E402


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def lease_ids(api: str) -> list[int]:
    host, port = _host_port(api)
    conn = http.client.HTTPConnection(host, port)
    conn.request("GET", "/leases?limit=1000")
    items = json.loads(conn.getresponse().read())["items"]
    conn.close()
    return [x["leaseId"] for x in items]


def _host_port(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    return str(parts.hostname), int(parts.port or 80)


def sequential_latency(api: str, ids: list[int], n: int, warmup: int) -> list[float]:
    """Seconds per request, one keep-alive connection, one request at a time."""
    host, port = _host_port(api)
    conn = http.client.HTTPConnection(host, port)
    conn.connect()
    conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    rng = random.Random(7)
    samples: list[float] = []
    for i in range(warmup + n):
        path = f"/leases/{rng.choice(ids)}"
        started = time.perf_counter()
        conn.request("GET", path)
        response = conn.getresponse()
        body = response.read()
        elapsed = time.perf_counter() - started
        if response.status != 200 or not body:
            raise SystemExit(f"GET {path} answered {response.status}")
        if i >= warmup:
            samples.append(elapsed)
    conn.close()
    return samples


async def _worker(host: str, port: int, paths: list[str], counter: list[int]) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    sock = writer.get_extra_info("socket")
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    for path in paths:
        writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
        status = await reader.readline()
        if b" 200 " not in status:
            raise SystemExit(f"GET {path}: {status!r}")
        length = 0
        while True:
            line = await reader.readline()
            if line in (b"\r\n", b""):
                break
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        await reader.readexactly(length)
        counter[0] += 1
    writer.close()


def throughput(api: str, ids: list[int], total: int, connections: int) -> tuple[float, int]:
    """Requests per second with ``connections`` keep-alive connections from one asyncio loop."""
    host, port = _host_port(api)
    rng = random.Random(11)
    per = total // connections
    plans = [[f"/leases/{rng.choice(ids)}" for _ in range(per)] for _ in range(connections)]
    counter = [0]

    async def run() -> None:
        await asyncio.gather(*(_worker(host, port, plan, counter) for plan in plans))

    started = time.perf_counter()
    asyncio.run(run())
    elapsed = time.perf_counter() - started
    return counter[0] / elapsed, counter[0]


class StreamTimer:
    """Reads GET /events on a thread; records when each block's change event arrived."""

    def __init__(self, api: str) -> None:
        self.arrived: dict[int, float] = {}
        self.ready = threading.Event()
        host, port = _host_port(api)
        self.sock = socket.create_connection((host, port))
        self.sock.sendall(f"GET /events HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
        threading.Thread(target=self._run, daemon=True).start()
        if not self.ready.wait(10):
            raise SystemExit("the event stream did not open")

    def _run(self) -> None:
        buffer = b""
        while True:
            chunk = self.sock.recv(65536)
            now = time.perf_counter()
            if not chunk:
                return
            self.ready.set()
            buffer += chunk
            while b"\n\n" in buffer:
                message, buffer = buffer.split(b"\n\n", 1)
                for line in message.split(b"\n"):
                    start = line.find(b"data: {")
                    if start >= 0 and b"event: change" in message:
                        data = json.loads(line[start + 6 :])
                        self.arrived.setdefault(int(data["block"]), now)


def stream_latency(stack: Stack, n: int) -> list[float]:
    """Seconds from a transaction's block existing to its change event arriving."""
    timer = StreamTimer(stack.api_url)
    client = stack.client(dev_account(9))
    w3 = client.w3
    contract = client.registry.contract
    account = dev_account(9)
    nonce = w3.eth.get_transaction_count(account.address)
    samples: list[float] = []
    for i in range(n):
        tx = contract.functions.register(f"ipfs://bench-{i}", bytes(32)).build_transaction(
            {"from": account.address, "nonce": nonce, "gas": 200_000}
        )
        signed = account.sign_transaction(tx)
        nonce += 1
        w3.eth.send_raw_transaction(signed.raw_transaction)
        sent = time.perf_counter()  # automine: the block exists once the call returns
        block = int(w3.eth.block_number)
        deadline = time.monotonic() + 5
        while block not in timer.arrived:
            if time.monotonic() > deadline:
                raise SystemExit(f"no change event for block {block}")
            time.sleep(0.0005)
        samples.append(timer.arrived[block] - sent)
    return samples


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "API.md")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="leasehold-api-bench-"))
    stack = Stack(workdir)
    try:
        stack.start_chain()
        stack.deploy()
        stack.play()
        stack.serve()
        ids = lease_ids(stack.api_url)
        load_before = os.getloadavg()[0]
        latency = sequential_latency(stack.api_url, ids, args.requests, warmup=500)
        rate, done = throughput(stack.api_url, ids, args.requests * 2, args.connections)
        events = stream_latency(stack, args.events)
        load_after = os.getloadavg()[0]
    finally:
        stack.stop()

    ms = 1000.0
    rows = [
        ("GET /leases/{id}, p50", f"{statistics.median(latency) * ms:.3f} ms", "<= 1 ms"),
        ("GET /leases/{id}, p90", f"{percentile(latency, 0.90) * ms:.3f} ms", ""),
        ("GET /leases/{id}, p99", f"{percentile(latency, 0.99) * ms:.3f} ms", ""),
        ("GET /leases/{id}, sequential", f"{len(latency) / sum(latency):,.0f} req/s", ""),
        (
            f"GET /leases/{{id}}, {args.connections} connections, one process",
            f"{rate:,.0f} req/s",
            ">= 2,000 req/s",
        ),
        ("change event after its block, p50", f"{statistics.median(events) * ms:.1f} ms", ""),
        (
            "change event after its block, p99",
            f"{percentile(events, 0.99) * ms:.1f} ms",
            "<= 100 ms",
        ),
        ("change event after its block, max", f"{max(events) * ms:.1f} ms", ""),
    ]
    table = ["| measure | result | target |", "|---|---|---|"]
    table += [f"| {a} | {b} | {c} |" for a, b, c in rows]
    text = "\n".join(
        [
            "# Mirror HTTP API benchmark",
            "",
            "Regenerate with `python bench/api_bench.py` (about a minute; starts its own Anvil and",
            "`leasehold mirror serve`, one uvicorn worker, and stops them).",
            "",
            *table,
            "",
            f"{len(latency)} sequential requests after 500 warm-up ones; {done} requests over "
            f"{args.connections} keep-alive connections from one asyncio loop; {len(events)} "
            "transactions sent one at a time, each timed from `eth_sendRawTransaction` "
            "returning (Anvil automines: the block exists) to its `change` event on "
            "`GET /events` (the mirror follows new heads over Anvil's websocket).",
            "",
            f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python "
            f"{platform.python_version()}, load average {load_before:.2f} before and "
            f"{load_after:.2f} after (the machine is shared with other work).",
            "",
        ]
    )
    args.out.write_text(text)
    if args.out == ROOT / "bench" / "API.md":  # docs/benchmarks.md shows the page below its title
        _readme.sync("api", text[text.index(table[0]) :])
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())

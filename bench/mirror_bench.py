"""Mirror benchmarks, side by side in one run: ``python bench/mirror_bench.py`` (about 15 minutes).

1. Starts Anvil (no step tracing), deploys the three contracts with ape and generates ~100,000
   events one transaction at a time (leases opened, settled and closed in batches of 100, and
   anchors), then mines 100 empty blocks so all of them lie below Anvil's finalized block.
2. Backfill, same chain, same run: the raw floor (HTTP ``eth_getLogs`` + JSON parse, no decoding),
   the mirror (fetch + decode + apply to state + journal heads), web3.py's
   ``contract.events.<Event>.get_logs`` in chunks, and ape's ``ContractEvent.range`` and
   ``.query``.
3. Reads: a lease by id and an anchor by digest from a pinned view and through ``Mirror.lease``,
   against web3.py's ``contract.functions.lease(id).call()`` and a hand-rolled keep-alive
   ``eth_call``.
4. Live lag: block mined (automine; its receipt first answers) -> visible in the mirror, polling
   every 10 ms and with ``eth_subscribe("newHeads")``; also from sending the transaction, which
   adds Anvil's mining.
5. Memory and restart with 1,000,000 anchors fed as generated logs through the real decoder and
   state (no chain): bytes per anchor record, snapshot write, restart from the snapshot, against a
   resync at the measured backfill speed.

Prints the results as a table and writes them to ``bench/MIRROR.md`` (``--no-write`` to skip).
Not a test: the figures depend on the machine.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import _readme  # bench/, on the path when this runs as a script
from eth_abi import encode as abi_encode
from eth_hash.auto import keccak

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from offchain.chain.abi import CONTRACTS  # noqa: E402
from offchain.chain.decode import Decoder, contract_abi  # noqa: E402
from offchain.chain.manifest import Deployment, Manifest, packaged_abi_sha256  # noqa: E402
from offchain.chain.rpc import RpcClient, parse_json  # noqa: E402
from offchain.mirror import Mirror, MirrorConfig, MirrorState  # noqa: E402
from offchain.mirror.follow_types import FollowerConfig  # noqa: E402
from offchain.mirror.store import SnapshotStore  # noqa: E402

MNEMONIC = "test test test test test test test test test test test junk"
PROVIDER_ROLE = keccak(b"leasehold.role.provider")
GPU = b"gpu.h100".ljust(32, b"\x00")
CHUNK = 2_000  # blocks per eth_getLogs for the raw floor, web3.py and the mirror's first chunk
REFERENCE = {  # the figures for this 2-core machine
    "web3": "~2,200 ev/s",
    "ape": "~7,000 ev/s",
    "raw": "~75,000 ev/s",
    "web3_call": "~4 ms",
    "raw_call": "~0.27 ms",
}


def selector(signature: str) -> bytes:
    return keccak(signature.encode())[:4]


# --------------------------------------------------------------------------------------- chain


@contextmanager
def anvil(port: int) -> Iterator[str]:
    """Anvil with the test mnemonic, a high gas limit and no step tracing; stopped by its pid."""
    binary = ROOT / "node_modules" / ".bin" / "anvil"
    process = subprocess.Popen(
        [
            str(binary if binary.exists() else "anvil"),
            "--port",
            str(port),
            "--silent",
            "--mnemonic",
            MNEMONIC,
            "--accounts",
            "10",
            "--balance",
            "1000000",
            "--gas-limit",
            "100000000",
            "--hardfork",
            "cancun",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        rpc = RpcClient(url, attempts=40, backoff=0.05, max_backoff=0.25)
        rpc.call("eth_chainId")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


class Chain:
    """Deployment and event generation over raw JSON-RPC (unlocked Anvil accounts)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.rpc = RpcClient(url, timeout=120)
        self.accounts = self.rpc.call("eth_accounts")
        self.admin, self.owner, self.provider = self.accounts[0], self.accounts[1], self.accounts[3]
        self.addresses: dict[str, str] = {}
        self.deploy_blocks: dict[str, int] = {}
        self.sent = 0
        self.last_tx = ""

    def send(self, sender: str, to: str, data: bytes, value: int = 0, gas: int = 500_000) -> str:
        """Send one transaction; every 32 wait for it to be mined, so Anvil's pool stays short."""
        tx = self.rpc.call(
            "eth_sendTransaction",
            [
                {
                    "from": sender,
                    "to": to,
                    "data": "0x" + data.hex(),
                    "value": hex(value),
                    "gas": hex(gas),
                }
            ],
        )
        self.sent += 1
        self.last_tx = tx
        if self.sent % 32 == 0:
            self.flush()
        return str(tx)

    def flush(self) -> None:
        """Wait until the last transaction is mined; it must have succeeded."""
        if not self.last_tx:
            return
        while (receipt := self.rpc.call("eth_getTransactionReceipt", [self.last_tx])) is None:
            time.sleep(0.001)
        if receipt["status"] != "0x1":
            raise RuntimeError(f"transaction {self.last_tx} reverted")

    def call(self, to: str, data: bytes) -> bytes:
        return bytes.fromhex(
            self.rpc.call("eth_call", [{"to": to, "data": "0x" + data.hex()}, "latest"])[2:]
        )

    def deploy(self) -> None:
        """Deploy with ape (it holds the compiled bytecode), connected to this Anvil."""
        os.environ["APE_FOUNDRY_HOST"] = self.url
        from ape import accounts, networks, project

        with networks.ethereum.local.use_provider("foundry"):
            admin = accounts.test_accounts[0]
            registry = project.TenantRegistry.deploy(admin, 3 * 24 * 3600, sender=admin)
            anchor = project.DataAnchor.deploy(registry, sender=admin)
            market = project.LeaseMarket.deploy(registry, "0x" + "00" * 20, sender=admin)
            for name, contract in (
                ("TenantRegistry", registry),
                ("DataAnchor", anchor),
                ("LeaseMarket", market),
            ):
                self.addresses[name] = contract.address
                receipt = self.rpc.call("eth_getTransactionReceipt", [contract.txn_hash])
                self.deploy_blocks[name] = int(receipt["blockNumber"], 16)

    def manifest(self) -> Manifest:
        contracts = {}
        for name in CONTRACTS:
            block = self.deploy_blocks[name]
            header = self.rpc.call("eth_getBlockByNumber", [hex(block), False])
            contracts[name] = Deployment(
                name,
                self.addresses[name],
                block,
                header["hash"],
                "",
                packaged_abi_sha256(name),
                {"asset": "0x" + "00" * 20} if name == "LeaseMarket" else {},
            )
        return Manifest(chain_id=int(self.rpc.call("eth_chainId"), 16), contracts=contracts)

    def generate(self, events: int, progress: Callable[[str], None]) -> None:
        """About ``events`` events in few transactions: 12% leases opened (one per transaction),
        72% settlements (``claim`` of 100 leases per transaction, six rounds an hour apart), 12%
        closes (``reclaim`` of 100 per transaction), 2% anchors; Anvil slows down as storage
        grows, so one event per transaction throughout would take most of an hour."""
        reg, anc, mkt = (self.addresses[n] for n in ("TenantRegistry", "DataAnchor", "LeaseMarket"))
        self.send(
            self.admin,
            reg,
            selector("grantRole(bytes32,address)")
            + abi_encode(["bytes32", "address"], [PROVIDER_ROLE, self.provider]),
        )
        self.send(
            self.owner,
            reg,
            selector("register(string,bytes32)")
            + abi_encode(["string", "bytes32"], ["ipfs://bench", b"\x01" * 32]),
        )
        tenant = 1
        self.send(
            self.admin,
            reg,
            selector("setQuota(uint64,bytes32,uint64)")
            + abi_encode(["uint64", "bytes32", "uint64"], [tenant, GPU, 2**62]),
        )
        self.send(
            self.owner,
            mkt,
            selector("deposit(uint64,uint256)")
            + abi_encode(["uint64", "uint256"], [tenant, 10**21]),
            value=10**21,
        )
        self.send(
            self.provider,
            mkt,
            selector("createPool(bytes32,uint32,uint96,uint32,uint32)")
            + abi_encode(
                ["bytes32", "uint32", "uint96", "uint32", "uint32"],
                [GPU, 2**32 - 1, 10**6, 60, 10**6],
            ),
        )
        rounds = 6
        leases = round(events * 0.12)
        open_lease = selector("openLease(uint64,uint32,uint32,uint32,uint96)")
        self.flush()
        first_id = int.from_bytes(self.call(mkt, selector("journal()"))[:32], "big") + 1
        started = time.perf_counter()
        for i in range(leases):
            self.send(
                self.owner,
                mkt,
                open_lease
                + abi_encode(
                    ["uint64", "uint32", "uint32", "uint32", "uint96"],
                    [tenant, 1, 1, 100_000, 10**6],
                ),
                gas=300_000,
            )
            if i % 2_000 == 1_999:
                rate = (i + 1) / (time.perf_counter() - started)
                progress(f"  opened {i + 1:,} leases ({rate:,.0f} tx/s)")
        self.flush()
        ids = list(range(first_id, first_id + leases))  # lease id = its LeaseOpened seq
        claim = selector("claim(address,uint64[])")
        for round_ in range(rounds):
            self.rpc.call("evm_increaseTime", [3_600])
            for start in range(0, len(ids), 100):
                self.send(
                    self.provider,
                    mkt,
                    claim
                    + abi_encode(
                        ["address", "uint64[]"], [self.provider, ids[start : start + 100]]
                    ),
                    gas=20_000_000,
                )
            self.flush()
            progress(f"  settlement round {round_ + 1} of {rounds}")
        self.rpc.call("evm_increaseTime", [200_000])  # past every lease's end
        reclaim = selector("reclaim(uint64[])")
        for start in range(0, len(ids), 100):
            self.send(
                self.owner,
                mkt,
                reclaim + abi_encode(["uint64[]"], [ids[start : start + 100]]),
                gas=20_000_000,
            )
        self.flush()
        progress("  closed them in batches of 100")
        anchor = selector("anchor(uint64,bytes32)")
        done = leases * (2 + rounds) + rounds * ((leases + 99) // 100)
        for i in range(max(0, events - done)):
            self.send(
                self.owner,
                anc,
                anchor + abi_encode(["uint64", "bytes32"], [tenant, keccak(i.to_bytes(8, "big"))]),
                gas=200_000,
            )
        self.flush()
        self.rpc.call("anvil_mine", [hex(100)])

    def logs_filter(self, start: int, end: int) -> dict[str, Any]:
        return {
            "fromBlock": hex(start),
            "toBlock": hex(end),
            "address": [a.lower() for a in self.addresses.values()],
        }


# ------------------------------------------------------------------------------------ measures


def timed(fn: Callable[[], int]) -> tuple[int, float]:
    started = time.perf_counter()
    count = fn()
    return count, time.perf_counter() - started


def raw_floor(chain: Chain, start: int, end: int, parse: Callable[[bytes], Any]) -> int:
    """HTTP eth_getLogs in fixed chunks, one connection, JSON parsed: no decoding."""
    import http.client
    from urllib.parse import urlsplit

    parts = urlsplit(chain.url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)
    count = 0
    for lo in range(start, end + 1, CHUNK):
        body = json.dumps(
            {
                "jsonrpc": "2.0",
                "id": 1,
                "method": "eth_getLogs",
                "params": [chain.logs_filter(lo, min(end, lo + CHUNK - 1))],
            }
        ).encode()
        conn.request("POST", "/", body, {"Content-Type": "application/json"})
        count += len(parse(conn.getresponse().read())["result"])
    conn.close()
    return count


def mirror_backfill(manifest: Manifest, url: str) -> tuple[int, float, Mirror]:
    config = MirrorConfig(
        follower=FollowerConfig(
            chunk_blocks=500, target_logs=2_500, concurrency=3, poll_interval=0.01
        ),
        journal_check_interval=None,
    )
    mirror = Mirror(manifest, url, config=config)
    started = time.perf_counter()
    mirror.sync(timeout=600)
    seconds = time.perf_counter() - started
    assert mirror.follower is not None
    return mirror.follower.status.events_applied, seconds, mirror


def web3_get_logs(chain: Chain, start: int, end: int) -> int:
    from web3 import Web3

    w3 = Web3(Web3.HTTPProvider(chain.url, request_kwargs={"timeout": 120}))
    count = 0
    for name in CONTRACTS:
        abi = contract_abi(name)
        contract = w3.eth.contract(address=chain.addresses[name], abi=abi)
        for entry in (e for e in abi if e["type"] == "event"):
            event = getattr(contract.events, entry["name"])
            for lo in range(start, end + 1, CHUNK):
                count += len(event.get_logs(from_block=lo, to_block=min(end, lo + CHUNK - 1)))
    return count


def ape_range(chain: Chain, start: int, end: int, how: str) -> int:
    from ape import Contract, networks

    count = 0
    with networks.ethereum.local.use_provider("foundry"):
        for name in CONTRACTS:
            abi = contract_abi(name)
            contract = Contract(chain.addresses[name], abi=abi)
            for entry in (e for e in abi if e["type"] == "event"):
                event = getattr(contract, entry["name"])
                if how == "range":
                    count += sum(1 for _ in event.range(start, end + 1))
                else:
                    count += len(event.query("*", start_block=start, stop_block=end))
    return count


def p50_ns(fn: Callable[[], Any], calls: int = 200_000, batch: int = 1_000) -> float:
    """Median over batches of the per-call time, in nanoseconds."""
    per_call = []
    for _ in range(calls // batch):
        started = time.perf_counter_ns()
        for _ in range(batch):
            fn()
        per_call.append((time.perf_counter_ns() - started) / batch)
    return statistics.median(per_call)


def p50_single_ms(fn: Callable[[], Any], calls: int) -> float:
    times = []
    for _ in range(calls):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1e3


def reads(chain: Chain, mirror: Mirror) -> dict[str, float]:
    from web3 import Web3

    view = mirror.view()
    lease_ids = sorted(mirror.state.leases)
    lease_id = lease_ids[len(lease_ids) // 2]
    digest = next(iter(mirror.state.anchors))
    w3 = Web3(Web3.HTTPProvider(chain.url))
    market = w3.eth.contract(
        address=chain.addresses["LeaseMarket"], abi=contract_abi("LeaseMarket")
    )
    data = selector("lease(uint64)") + abi_encode(["uint64"], [lease_id])
    rpc = RpcClient(chain.url)
    call = {"to": chain.addresses["LeaseMarket"], "data": "0x" + data.hex()}
    return {
        "view.lease": p50_ns(lambda: view.lease(lease_id)),
        "view.anchor": p50_ns(lambda: view.anchor(digest)),
        "mirror.lease": p50_ns(lambda: mirror.lease(lease_id)),
        "web3_call_ms": p50_single_ms(lambda: market.functions.lease(lease_id).call(), 300),
        "raw_call_ms": p50_single_ms(lambda: rpc.call("eth_call", [call, "latest"]), 2_000),
    }


def live_lag(
    chain: Chain, manifest: Manifest, ws: bool, blocks: int = 300
) -> tuple[list[float], list[float]]:
    """Milliseconds until the mirror tells a subscriber about a transaction's block: from the block
    being mined (its receipt first answers; what the issue's goal counts) and from sending the
    transaction (Anvil mines it on arrival, so that one includes Anvil's mining)."""
    config = MirrorConfig(
        follower=FollowerConfig(poll_interval=0.01, freeze_gc=True), journal_check_interval=None
    )
    ws_url = chain.url.replace("http://", "ws://") if ws else None
    mirror = Mirror(manifest, chain.url, ws_url=ws_url, config=config)
    seen: dict[int, float] = {}
    mirror.subscribe(lambda note: seen.setdefault(note.number, time.perf_counter()))
    mirror.start()
    mirror.wait_for_block(int(chain.rpc.call("eth_blockNumber"), 16), timeout=600)
    time.sleep(0.5)
    gc.freeze()  # the benchmark's own heap (web3, ape, earlier runs) stays out of collections
    anchor = selector("anchor(uint64,bytes32)")
    lags, lags_from_send = [], []
    rng = random.Random(ws)
    for _ in range(blocks):
        data = anchor + abi_encode(["uint64", "bytes32"], [1, rng.randbytes(32)])
        sent = time.perf_counter()
        tx = chain.rpc.call(
            "eth_sendTransaction",
            [
                {
                    "from": chain.owner,
                    "to": chain.addresses["DataAnchor"],
                    "data": "0x" + data.hex(),
                    "gas": hex(200_000),
                }
            ],
        )
        while (receipt := chain.rpc.call("eth_getTransactionReceipt", [tx])) is None:
            pass
        mined = time.perf_counter()  # the block exists now (at most one receipt poll late)
        number = int(receipt["blockNumber"], 16)
        mirror.wait_for_block(number, timeout=10)
        while number not in seen:
            time.sleep(0.0002)
        # A subscriber told before the receipt answered counts as no lag (the mirror was first).
        lags.append(max(0.0, seen[number] - mined) * 1e3)
        lags_from_send.append((seen[number] - sent) * 1e3)
        time.sleep(rng.uniform(0.0, 0.03))  # do not phase-lock with the poll interval
    mirror.stop(snapshot=False)
    gc.unfreeze()
    return lags, lags_from_send


# ------------------------------------------------------------------------------ memory/restart


def anchored_logs(
    decoder: Decoder, count: int, per_block: int = 100
) -> Iterator[list[dict[str, Any]]]:
    """Anchored logs as a node would send them, ``per_block`` per block, 10,000 per batch."""
    spec = decoder.spec("DataAnchor", "Anchored")
    address = decoder.addresses["DataAnchor"].lower()
    topic0 = "0x" + spec.topic0.hex()
    batch: list[dict[str, Any]] = []
    for i in range(count):
        number = 1 + i // per_block
        batch.append(
            {
                "address": address,
                "topics": [
                    topic0,
                    "0x" + keccak(i.to_bytes(8, "big")).hex(),
                    "0x" + f"{1 + i % 1000:064x}",
                ],
                "data": "0x" + f"{1_700_000_000 + number * 12:064x}" + f"{i + 1:064x}",
                "blockNumber": hex(number),
                "blockHash": "0x" + f"{number:064x}",
                "logIndex": hex(i % per_block),
                "transactionHash": "0x" + f"{i:064x}",
            }
        )
        if len(batch) == 10_000:
            yield batch
            batch = []
    if batch:
        yield batch


def memory_and_restart(
    count: int, backfill_rate: float, progress: Callable[[str], None]
) -> dict[str, float]:
    decoder = Decoder(
        {
            "TenantRegistry": "0x" + "a1" * 20,
            "DataAnchor": "0x" + "b2" * 20,
            "LeaseMarket": "0x" + "c3" * 20,
        }
    )
    batches = list(anchored_logs(decoder, count))
    progress(f"  generated {count:,} Anchored logs")
    gc.collect()
    state = MirrorState()
    gc.disable()  # as the follower does during a backfill
    started = time.perf_counter()
    for batch in batches:  # as a backfill applies final blocks
        state.begin()
        state.apply_final(decoder.decode_many(batch))
        state.end(int(batch[-1]["blockNumber"], 16), batch[-1]["blockHash"])
    replay = time.perf_counter() - started
    gc.enable()
    del state
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    state = MirrorState()
    gc.disable()
    for batch in batches:  # as a backfill applies final blocks
        state.begin()
        state.apply_final(decoder.decode_many(batch))
        state.end(int(batch[-1]["blockNumber"], 16), batch[-1]["blockHash"])
    gc.enable()
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    per_anchor = (after - before) / count
    progress(f"  {per_anchor:.0f} bytes per anchor; in-memory replay {replay:.1f}s")
    del batches
    with tempfile.TemporaryDirectory() as tmp:
        store = SnapshotStore(Path(tmp) / "mirror.sqlite", {"chainId": 1, "contracts": {}})
        store.mark_all(state)
        started = time.perf_counter()
        store.write(state, state.number, state.block_hash, state.timestamp)
        write = time.perf_counter() - started
        store.close()
        size = (Path(tmp) / "mirror.sqlite").stat().st_size
        digest = state.digest()
        del state
        gc.collect()
        started = time.perf_counter()
        loaded, _ = SnapshotStore(
            Path(tmp) / "mirror.sqlite", {"chainId": 1, "contracts": {}}
        ).load()
        restart = time.perf_counter() - started
        assert loaded.digest() == digest, "restored state differs"
    return {
        "bytes_per_anchor": per_anchor,
        "replay_s": replay,
        "snapshot_write_s": write,
        "snapshot_mb": size / 1e6,
        "restart_s": restart,
        "resync_s": count / backfill_rate,
    }


# ---------------------------------------------------------------------------------------- main


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--anchors", type=int, default=1_000_000, help="for memory and restart")
    parser.add_argument("--port", type=int, default=8645)
    parser.add_argument("--no-write", action="store_true", help="do not update bench/MIRROR.md")
    args = parser.parse_args()

    def say(line: str) -> None:
        print(line, flush=True)

    rows: list[tuple[str, str, str, str]] = []
    with anvil(args.port) as url:
        chain = Chain(url)
        say("deploying and generating events (one transaction at a time)...")
        chain.deploy()
        started = time.perf_counter()
        chain.generate(args.events, say)
        say(f"  generated in {time.perf_counter() - started:.0f}s")
        manifest = chain.manifest()
        start = manifest.start_block
        end = int(chain.rpc.call("eth_blockNumber"), 16)

        say("backfill: raw floor, mirror, web3.py, ape ...")
        raw_std = [timed(lambda: raw_floor(chain, start, end, json.loads)) for _ in range(2)]
        raw_fast = [timed(lambda: raw_floor(chain, start, end, parse_json)) for _ in range(2)]
        runs = [mirror_backfill(manifest, url) for _ in range(3)]
        events, seconds, mirror = min(runs, key=lambda r: r[1])
        for _, _, other in runs:
            if other is not mirror:
                other.stop(snapshot=False)
        web3_n, web3_s = timed(lambda: web3_get_logs(chain, start, end))
        ape_n, ape_s = timed(lambda: ape_range(chain, start, end, "range"))
        apeq_n, apeq_s = timed(lambda: ape_range(chain, start, end, "query"))
        raw_n, raw_s = min(raw_std, key=lambda r: r[1])
        rawf_n, rawf_s = min(raw_fast, key=lambda r: r[1])
        mirror_rate = events / seconds
        rate = {
            "raw": raw_n / raw_s,
            "rawf": rawf_n / rawf_s,
            "web3": web3_n / web3_s,
            "ape": ape_n / ape_s,
            "apeq": apeq_n / apeq_s,
        }
        check = mirror.check_journal()
        say(f"  mirror journal check: {check.describe()}")
        rows += [
            (
                "backfill: raw floor, eth_getLogs + json.loads",
                f"{rate['raw']:,.0f} ev/s",
                f"{raw_n:,} events, {raw_s:.2f}s",
                REFERENCE["raw"],
            ),
            (
                "backfill: raw floor, eth_getLogs + msgspec",
                f"{rate['rawf']:,.0f} ev/s",
                f"{rawf_n:,} events, {rawf_s:.2f}s",
                "",
            ),
            (
                "backfill: **mirror** (decode + apply + journal)",
                f"**{mirror_rate:,.0f} ev/s**",
                f"{events:,} events, {seconds:.2f}s (best of 3)",
                "",
            ),
            (
                "backfill: web3.py events.X.get_logs, chunks",
                f"{rate['web3']:,.0f} ev/s",
                f"{web3_n:,} events, {web3_s:.1f}s",
                REFERENCE["web3"],
            ),
            (
                "backfill: ape ContractEvent.range",
                f"{rate['ape']:,.0f} ev/s",
                f"{ape_n:,} events, {ape_s:.1f}s",
                REFERENCE["ape"],
            ),
            (
                "backfill: ape ContractEvent.query",
                f"{rate['apeq']:,.0f} ev/s",
                f"{apeq_n:,} events, {apeq_s:.1f}s",
                "",
            ),
            (
                "mirror / web3.py get_logs (goal >= 25x)",
                f"{mirror_rate / rate['web3']:.1f}x",
                "",
                "",
            ),
            ("mirror / ape range (goal >= 8x)", f"{mirror_rate / rate['ape']:.1f}x", "", ""),
            ("mirror / raw floor json (goal >= 0.6x)", f"{mirror_rate / rate['raw']:.2f}x", "", ""),
            ("mirror / raw floor msgspec", f"{mirror_rate / rate['rawf']:.2f}x", "", ""),
        ]

        say("reads ...")
        r = reads(chain, mirror)
        web3_ns = r["web3_call_ms"] * 1e6
        rows += [
            ("read: view.lease(id), p50", f"{r['view.lease']:.0f} ns", "goal <= 2 us", ""),
            ("read: view.anchor(digest), p50", f"{r['view.anchor']:.0f} ns", "goal <= 2 us", ""),
            ("read: mirror.lease(id) (takes a view), p50", f"{r['mirror.lease']:.0f} ns", "", ""),
            (
                "read: web3.py functions.lease(id).call(), p50",
                f"{r['web3_call_ms']:.2f} ms",
                "",
                REFERENCE["web3_call"],
            ),
            (
                "read: keep-alive raw eth_call, p50",
                f"{r['raw_call_ms']:.3f} ms",
                "",
                REFERENCE["raw_call"],
            ),
            (
                "view.lease vs web3.py call (goal >= 1,000x)",
                f"{web3_ns / r['view.lease']:,.0f}x",
                "",
                "",
            ),
        ]
        mirror.stop(snapshot=False)

        say("live lag ...")
        for ws in (False, True):
            from_mined, from_send = (sorted(x) for x in live_lag(chain, manifest, ws))
            how = "eth_subscribe newHeads" if ws else "polling every 10 ms"
            for lags, what in (
                (from_mined, "block mined -> visible (goal p99 <= 100 ms)"),
                (from_send, "tx sent -> visible (includes Anvil mining)"),
            ):
                p50, p99 = statistics.median(lags), lags[int(len(lags) * 0.99) - 1]
                rows.append(
                    (
                        f"live lag, {how}, {what}: p50 / p99",
                        f"{p50:.1f} / {p99:.1f} ms",
                        f"{len(lags)} blocks",
                        "",
                    )
                )

    say(f"memory and restart with {args.anchors:,} anchors (generated logs) ...")
    m = memory_and_restart(args.anchors, mirror_rate, say)
    rows += [
        (
            "memory per anchor record (goal <= 300 B)",
            f"{m['bytes_per_anchor']:.0f} B",
            "tracemalloc: table, record, digest, tenant index",
            "",
        ),
        (
            "snapshot write, all entries",
            f"{m['snapshot_write_s']:.1f} s",
            f"{m['snapshot_mb']:.0f} MB",
            "",
        ),
        (
            "restart from snapshot (goal <= 5 s)",
            f"{m['restart_s']:.2f} s",
            "load + crc + indexes",
            "",
        ),
        (
            "resync at the measured backfill speed",
            f"{m['resync_s']:.1f} s",
            f"in-memory replay alone: {m['replay_s']:.1f} s",
            "",
        ),
        ("restart vs resync (goal >= 10x)", f"{m['resync_s'] / m['restart_s']:.1f}x", "", ""),
    ]

    table = ["| measure | result | detail | issue's reference |", "|---|---|---|---|"]
    table += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows]
    print("\n".join(table))
    if not args.no_write:
        write_report(table)
    return 0


def write_report(table: list[str]) -> None:
    path = ROOT / "bench" / "MIRROR.md"
    text = path.read_text() if path.exists() else ""
    begin, end = "<!-- results:begin -->", "<!-- results:end -->"
    stamp = (
        f"Run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, `python bench/mirror_bench.py`."
    )
    block = "\n".join([begin, stamp, "", *table, end])
    if begin in text and end in text:
        text = text[: text.index(begin)] + block + text[text.index(end) + len(end) :]
    else:
        text = text + "\n" + block + "\n"
    path.write_text(text)
    print(f"wrote {path.relative_to(ROOT)}")
    _readme.sync("mirror", "\n".join([stamp, "", *table]))


if __name__ == "__main__":
    sys.exit(main())

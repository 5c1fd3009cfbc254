"""Scale-out: mirrors are read replicas of the chain. Two mirror processes, each with its own
snapshot file, follow the same chain independently and hold identical state for the same block
hash (compared by the digest of every table), also after one restarts from its snapshot."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

import pytest
from _mirror_chain import Driver, fast_config

from offchain.mirror.mirror import Mirror

pytestmark = pytest.mark.anvil
ROOT = Path(__file__).resolve().parents[2]


def run_replica(manifest_path: Path, rpc_url: str, snapshot: Path, until: int) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "offchain.mirror",
            "--manifest",
            str(manifest_path),
            "--rpc",
            rpc_url,
            "--snapshot",
            str(snapshot),
            "--until-block",
            str(until),
            "--digest",
            "--poll-interval",
            "0.02",
            "--chunk-blocks",
            "7",
        ],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )


def digest_of(process: subprocess.Popen) -> dict:
    out, _ = process.communicate(timeout=120)
    assert process.returncode == 0, out
    return json.loads(out.strip().splitlines()[-1])


def test_two_replica_processes_hold_the_same_state_at_the_same_block_hash(
    contracts, accounts, chain, manifest, manifest_path, rpc_url, tmp_path, oracle
):
    driver = Driver(contracts, accounts, chain, random.Random(5))
    for _ in range(25):
        driver.step()
    chain.mine(70)  # part of it finalized: backfill, snapshots, then live blocks
    head = chain.blocks.head.number
    first = run_replica(manifest_path, rpc_url, tmp_path / "a.sqlite", head)
    second = run_replica(manifest_path, rpc_url, tmp_path / "b.sqlite", head)
    a, b = digest_of(first), digest_of(second)
    assert (
        (a["block"], a["hash"])
        == (b["block"], b["hash"])
        == (
            head,
            chain.provider.web3.eth.get_block(head)["hash"].to_0x_hex(),
        )
    )
    assert a["digest"] == b["digest"]
    assert a["counts"]["tenant"] > 0

    in_process = Mirror(manifest, rpc_url, config=fast_config())
    try:
        in_process.sync()
        oracle(in_process, driver.digests)
        assert in_process.state.digest() == a["digest"]
    finally:
        in_process.stop(snapshot=False)

    for _ in range(10):  # the chain moves on; replica A restarts from its snapshot
        driver.step()
    head = chain.blocks.head.number
    again, fresh = (
        run_replica(manifest_path, rpc_url, tmp_path / name, head)
        for name in ("a.sqlite", "c.sqlite")
    )
    resumed, scratch = digest_of(again), digest_of(fresh)
    assert (resumed["hash"], resumed["digest"]) == (scratch["hash"], scratch["digest"])

"""Issue 13, case 7's second half: a chain reloaded from a state dump (``leasehold chain up
--state``: Anvil dumps its state when stopped and loads it when started again). The report: with
finality ``auto`` (the default) the mirror never passed block 0 while ``/status`` said live.

On the reloaded chain a fresh mirror and a mirror resuming from its snapshot both reach the head,
keep their snapshot (no resync) and hold the journal heads the contracts answer, read here with
plain ``eth_call``s at the mirror's block hash, independently of the mirror's code.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from web3 import Web3

from offchain.chain import devnet
from offchain.chain.abi import CONTRACTS
from offchain.chain.manifest import load_manifest
from offchain.demo.runner import ROOT, Stack
from offchain.mirror.mirror import Mirror, MirrorConfig

pytestmark = pytest.mark.anvil

ABI_DIR = ROOT / "offchain" / "chain" / "abi"


@pytest.fixture(scope="module")
def reloaded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Stack, Path]]:
    """The demo scenario on an Anvil with a state file, then that Anvil stopped and started again
    from the file; also a mirror snapshot taken before the stop."""
    work = tmp_path_factory.mktemp("state-dump")
    state, directory = work / "chain-state.json", work / "devnet"
    stack = Stack(work)
    stack.net = devnet.start(port=0, directory=directory, state=state)
    try:
        stack.deploy()
        stack.play()
        snapshot = work / "mirror.sqlite"
        before = Mirror(load_manifest(stack.manifest_path), stack.rpc,
                        config=MirrorConfig(snapshot_path=snapshot))  # fmt: skip
        before.sync(timeout=120)
        before.stop(snapshot=True)
        devnet.stop(directory)
        assert state.exists(), "Anvil wrote no state file on stop"
        stack.net = devnet.start(port=0, directory=directory, state=state)
        yield stack, snapshot
    finally:
        devnet.stop(directory)


def journals_on_chain(rpc: str, manifest_path: Path, block_hash: str) -> dict[str, tuple[int, str]]:
    w3 = Web3(Web3.HTTPProvider(rpc))
    addresses = json.loads(manifest_path.read_text())["contracts"]
    out = {}
    for name in CONTRACTS:
        abi = json.loads((ABI_DIR / f"{name}.json").read_text())
        contract = w3.eth.contract(address=addresses[name]["address"], abi=abi)
        seq, head = contract.functions.journal().call(block_identifier=block_hash)
        out[name] = (seq, head.hex())
    return out


def journals_of(mirror: Mirror) -> dict[str, tuple[int, str]]:
    view = mirror.view()
    return {
        name: (view.journal(name).seq, bytes(view.journal(name).head).hex()) for name in CONTRACTS
    }


@pytest.mark.parametrize("start", ["fresh", "from its snapshot"])
def test_a_mirror_reaches_the_head_of_a_chain_reloaded_from_a_state_dump(
    reloaded: tuple[Stack, Path], start: str
) -> None:
    stack, snapshot = reloaded
    assert stack.manifest_path is not None
    config = MirrorConfig(snapshot_path=snapshot if start != "fresh" else None)
    mirror = Mirror(load_manifest(stack.manifest_path), stack.rpc, config=config)
    try:
        head = Web3(Web3.HTTPProvider(stack.rpc)).eth.get_block("latest")
        assert head["number"] > 0
        view = mirror.sync(timeout=120)
        status = mirror.status()
        assert (view.number, view.block_hash) == (head["number"], head["hash"].to_0x_hex())
        assert status.phase == "live", status
        assert status.resyncs == 0, status
        assert not list(snapshot.parent.glob("*.rejected-*"))  # the snapshot held: not set aside
        ours = journals_of(mirror)
        assert all(seq > 0 for seq, _ in ours.values()), ours  # the scenario is there
        assert ours == journals_on_chain(stack.rpc, stack.manifest_path, view.block_hash)
    finally:
        mirror.stop(snapshot=False)

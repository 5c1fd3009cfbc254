"""A reorg deeper than the mirror's finality makes it resync: subscribers and SSE clients are told
with a ``reset`` (issue 13, case 4), and a subscriber that re-reads on it ends equal to the mirror,
which ends equal to the chain."""

from __future__ import annotations

import time
from typing import Any

import pytest
from _mirror_chain import fast_config
from _served import EventReader, Served

from offchain.mirror.entities import Kind
from offchain.mirror.mirror import Mirror
from offchain.mirror.notify import Notification

pytestmark = pytest.mark.anvil


class Replica:
    """What a subscriber knows from the notes alone: every entry applied, retracted, re-read."""

    def __init__(self, mirror: Mirror) -> None:
        self.mirror = mirror
        self.entries: dict[tuple[Kind, Any], Any] = {}
        self.resets: list[Notification] = []

    def __call__(self, note: Notification) -> None:
        if note.kind == "reset":  # what it held may be wrong: re-read it all
            self.resets.append(note)
            self.entries = full_state(self.mirror)
            return
        for change in note.changes:
            if change.after is None:
                self.entries.pop((change.kind, change.key), None)
            else:
                self.entries[(change.kind, change.key)] = change.after


def full_state(mirror: Mirror) -> dict[tuple[Kind, Any], Any]:
    return {(kind, key): value for kind in Kind for key, value in mirror.state.entries(kind)}


def wait_for_hash(mirror: Mirror, chain: Any, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        head = chain.provider.web3.eth.get_block("latest")["hash"].to_0x_hex()
        if mirror.view().block_hash == head:
            return
        time.sleep(0.02)
    raise AssertionError(f"mirror at {mirror.view()}, not the chain's head: {mirror.status()}")


def assert_equal_to_chain(mirror: Mirror) -> None:
    """The oracle: journal heads and every entry against eth_call at the mirror's block hash."""
    check = mirror.check_journal()
    assert check.ok, check.describe()
    report = mirror.audit()
    assert report.ok, report.describe()


def test_a_reorg_below_finality_is_announced_as_a_reset_to_subscribers_and_sse_clients(
    contracts, tenant_owner, chain, manifest, rpc_url
):
    registry, anchor = contracts["TenantRegistry"], contracts["DataAnchor"]
    receipt = registry.register("ipfs://reset", b"\x02" * 32, sender=tenant_owner)
    tenant = receipt.events.filter(registry.TenantRegistered)[0].tenantId
    mirror = Mirror(manifest, rpc_url, config=fast_config(finality="depth", confirmations=2))
    replica = Replica(mirror)
    mirror.subscribe(replica)
    mirror.start()
    served = Served(mirror)
    try:
        reader = EventReader(served.url + "/events")
        wait_for_hash(mirror, chain)
        fork = chain.snapshot()
        doomed = [bytes([0xE0, i]) * 16 for i in range(5)]
        for digest in doomed:
            anchor.anchor(tenant, digest, sender=tenant_owner)
        wait_for_hash(mirror, chain)
        assert all(replica.entries.get((Kind.ANCHOR, d)) is not None for d in doomed)
        head = chain.blocks.head.number
        assert mirror.follower is not None
        assert mirror.follower.final_number >= head - 2

        # Another history from before the doomed blocks, one block longer: the blocks the mirror
        # announced final are not on the chain any more.
        chain.restore(fork)
        kept = [bytes([0xE1, i]) * 16 for i in range(6)]
        for digest in kept:
            anchor.anchor(tenant, digest, sender=tenant_owner)
        assert chain.blocks.head.number == head + 1
        wait_for_hash(mirror, chain)

        assert replica.resets, "no reset note after the mirror dropped announced state"
        reset = reader.next("reset")
        assert reset["block"] == replica.resets[0].number
        assert reset["reason"]
        assert_equal_to_chain(mirror)
        assert replica.entries == full_state(mirror)
        assert all((Kind.ANCHOR, d) not in replica.entries for d in doomed)
        assert all((Kind.ANCHOR, d) in replica.entries for d in kept)
    finally:
        served.close()
        mirror.stop(snapshot=False)

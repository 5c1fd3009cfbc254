"""Reorgs during live follow on Anvil: anvil_reorg of depth 1..5 with replacement transactions, and
evm_revert. The mirror must end equal to the chain and tell subscribers what it retracted."""

from __future__ import annotations

import time
from typing import Any

import pytest
from _mirror_chain import fast_config

from offchain.mirror.entities import Kind
from offchain.mirror.mirror import Mirror
from offchain.mirror.notify import Notification

pytestmark = [pytest.mark.anvil, pytest.mark.fresh_anvil]  # anvil_reorg: own Anvil


@pytest.fixture
def tenant_id(contracts: dict[str, Any], tenant_owner: Any) -> int:
    receipt = contracts["TenantRegistry"].register(
        "ipfs://reorg", b"\x01" * 32, sender=tenant_owner
    )
    return int(receipt.events.filter(contracts["TenantRegistry"].TenantRegistered)[0].tenantId)


@pytest.fixture
def live(manifest: Any, rpc_url: str) -> Any:
    mirror = Mirror(manifest, rpc_url, config=fast_config())
    notes: list[Notification] = []
    mirror.subscribe(notes.append)
    mirror.notes = notes  # type: ignore[attr-defined]
    mirror.start()
    yield mirror
    mirror.stop(snapshot=False)


def wait_for_hash(mirror: Mirror, chain: Any, timeout: float = 20) -> None:
    """Wait until the mirror sits on the chain's head block (by hash, not only by number)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        head = chain.provider.web3.eth.get_block("latest")
        view = mirror.view()
        if view.block_hash == head["hash"].to_0x_hex():
            return
        time.sleep(0.02)
    raise AssertionError(
        f"mirror at {mirror.view()} but chain head {head['number']}: {mirror.status()}"
    )


def assert_anvil_kept_the_contracts(chain: Any, contracts: dict[str, Any]) -> None:
    """Anvil's new fork must still hold the contracts: a node fault is not the mirror's
    (tests/conftest.py says when Anvil built a fork on an empty state)."""
    code = chain.provider.web3.eth.get_code(contracts["TenantRegistry"].address, "latest")
    assert code, "Anvil built the reorganized fork on an empty state: a node fault"


def assert_equal_to_chain(mirror: Mirror, oracle: Any) -> None:
    oracle(mirror)  # the whole state, read independently of the mirror's code
    check = mirror.check_journal()
    assert check.ok, check.describe()
    report = mirror.audit()
    assert report.ok, report.describe()


def anchor_tx(
    contracts: dict[str, Any], owner: Any, tenant_id: int, digest: bytes
) -> dict[str, Any]:
    anchor = contracts["DataAnchor"]
    data = anchor.anchor.encode_input(tenant_id, digest)
    return {
        "from": owner.address,
        "to": anchor.address,
        "data": "0x" + bytes(data).hex(),
        "gas": hex(200_000),
    }


@pytest.mark.parametrize("depth", [1, 2, 3, 4, 5])
def test_anvil_reorg_with_replacement_transactions_leaves_the_mirror_equal_to_the_chain(
    contracts, tenant_owner, tenant_id, live, chain, depth, oracle
):
    anchor = contracts["DataAnchor"]
    for i in range(depth + 2):
        anchor.anchor(tenant_id, bytes([0xA0, i]) * 16, sender=tenant_owner)
    wait_for_hash(live, chain)
    dropped = {bytes([0xA0, i]) * 16 for i in range(2, depth + 2)}
    replacements = [
        [anchor_tx(contracts, tenant_owner, tenant_id, bytes([0xB0, i]) * 16), 0]
        for i in range(depth)
    ]
    head = chain.blocks.head.number
    chain.provider.make_request("anvil_reorg", [depth, replacements])
    assert_anvil_kept_the_contracts(chain, contracts)
    wait_for_hash(live, chain)
    assert_equal_to_chain(live, oracle)
    view = live.view()
    assert all(view.anchor(d) is None for d in dropped)
    assert all(view.anchor(bytes([0xB0, i]) * 16) is not None for i in range(depth))
    retracted = [n.number for n in live.notes if n.kind == "retracted"]
    assert retracted == list(range(head, head - depth, -1))


def test_retraction_notifications_carry_the_undone_anchors(
    contracts, tenant_owner, tenant_id, live, chain, oracle
):
    anchor = contracts["DataAnchor"]
    digest = b"\xc1" * 32
    anchor.anchor(tenant_id, digest, sender=tenant_owner)
    wait_for_hash(live, chain)
    chain.provider.make_request("anvil_reorg", [1, []])
    wait_for_hash(live, chain)
    oracle(live, [digest])
    undone = [c for n in live.notes if n.kind == "retracted" for c in n.changes]
    assert [(c.kind, c.key, c.after) for c in undone if c.kind == Kind.ANCHOR] == [
        (Kind.ANCHOR, digest, None)
    ]


def test_evm_revert_during_live_follow_is_followed_back_and_forth(
    contracts, tenant_owner, tenant_id, live, chain, oracle
):
    anchor, market = contracts["DataAnchor"], contracts["LeaseMarket"]
    snapshot = chain.snapshot()
    reverted = b"\xd1" * 32
    anchor.anchor(tenant_id, reverted, sender=tenant_owner)
    market.deposit(tenant_id, 10**9, value=10**9, sender=tenant_owner)
    wait_for_hash(live, chain)
    assert live.view().anchor(reverted) is not None
    chain.restore(snapshot)
    kept = b"\xd2" * 32
    anchor.anchor(tenant_id, kept, sender=tenant_owner)
    wait_for_hash(live, chain)
    assert_equal_to_chain(live, oracle)
    view = live.view()
    assert (view.anchor(reverted), view.account(tenant_id).free) == (None, 0)
    assert view.anchor(kept) is not None
    assert [n.kind for n in live.notes].count("retracted") >= 2

"""The follower on an in-memory chain: backfill, range splits, live blocks, reorgs, finality."""

from __future__ import annotations

from typing import Any

import pytest
from _fake_node import FakeChain, Writer, serve
from _synthetic_logs import ADDRESSES

from offchain.chain.decode import Decoder
from offchain.chain.rpc import RpcClient
from offchain.exceptions import NodeBehindError, ReorgTooDeepError
from offchain.mirror.entities import Changes, Kind
from offchain.mirror.follow_types import FollowerConfig
from offchain.mirror.follower import Follower
from offchain.mirror.state import MirrorState

DECODER = Decoder(ADDRESSES)


class Hooks:
    def __init__(self) -> None:
        self.applied: list[tuple[int, bool]] = []
        self.changes: list[Changes] = []
        self.retracted: list[tuple[int, Changes]] = []
        self.finalized: list[int] = []

    def applied_(self, number: int, block_hash: str, changes: Changes, final: bool) -> None:
        self.applied.append((number, final))
        self.changes.append(changes)

    def retracted_(self, number: int, block_hash: str, inverse: Changes) -> None:
        self.retracted.append((number, inverse))

    def finalized_(self, number: int, block_hash: str, changes: Changes) -> None:
        self.finalized.append(number)

    # the FollowerHooks protocol
    applied_hook = applied_


class _HooksAdapter:
    def __init__(self, hooks: Hooks) -> None:
        self.h = hooks

    def applied(self, *args: Any) -> None:
        self.h.applied_(*args)

    def retracted(self, *args: Any) -> None:
        self.h.retracted_(*args)

    def finalized(self, *args: Any) -> None:
        self.h.finalized_(*args)


@pytest.fixture
def chain() -> FakeChain:
    return FakeChain(depth=8)


@pytest.fixture
def node(chain):
    with serve(chain) as served:
        yield served


@pytest.fixture
def hooks() -> Hooks:
    return Hooks()


def follower(node, hooks: Hooks | None = None, **config: Any) -> Follower:
    settings = {"chunk_blocks": 4, "concurrency": 2, "poll_interval": 0.0, **config}
    rpc = RpcClient(node.url, attempts=3, backoff=0.001, timeout=5)
    return Follower(
        rpc, DECODER, MirrorState(), config=FollowerConfig(**settings),
        hooks=_HooksAdapter(hooks) if hooks else None, start_block=1,
    )  # fmt: skip


def catch_up(f: Follower, rounds: int = 200) -> None:
    for _ in range(rounds):
        if not f.step() and f.state.number == f.status.head:
            return
    raise AssertionError(f"not caught up: {f.status}")


def reference(chain: FakeChain) -> str:
    """The digest of a state that applied every canonical log at once."""
    state = MirrorState()
    state.begin()
    state.apply_events(DECODER.decode_many([e for b in chain.blocks for e in b.logs]))
    state.end(chain.head.number, chain.head.hash)
    return state.digest()


# -------------------------------------------------------------------------------------- backfill


def test_backfill_applies_every_log_up_to_the_finalized_block(chain, node):
    Writer(chain, ADDRESSES["DataAnchor"]).blocks(30)
    f = follower(node)
    f.step()
    assert f.state.number == chain.head.number - chain.depth
    assert f.state.block_hash == chain.blocks[f.state.number].hash
    assert f.status.backfill_chunks > 1


def test_follower_catches_up_to_the_head_with_the_chains_state(chain, node):
    Writer(chain, ADDRESSES["DataAnchor"]).blocks(30)
    f = follower(node)
    catch_up(f)
    assert (f.state.number, f.state.digest()) == (chain.head.number, reference(chain))


def test_refused_ranges_are_split_until_the_node_answers(chain, node):
    Writer(chain, ADDRESSES["DataAnchor"]).blocks(40)
    chain.max_range = 3
    f = follower(node, chunk_blocks=32)
    catch_up(f)
    assert f.state.digest() == reference(chain)
    assert f.status.range_splits > 0
    assert f.status.chunk_blocks <= 3


def test_too_many_results_are_split_too(chain, node):
    Writer(chain, ADDRESSES["DataAnchor"]).blocks(20, anchors=3)
    chain.max_logs = 7
    f = follower(node, chunk_blocks=16)
    catch_up(f)
    assert f.state.digest() == reference(chain)
    assert f.status.range_splits > 0


def test_chunks_grow_while_answers_stay_small(chain, node):
    Writer(chain, ADDRESSES["DataAnchor"]).blocks(60, anchors=0)
    f = follower(node, chunk_blocks=2, target_logs=100)
    catch_up(f)
    assert f.status.chunk_blocks > 2


def test_backfilled_chunks_are_reported_final(chain, node, hooks):
    Writer(chain, ADDRESSES["DataAnchor"]).blocks(20)
    f = follower(node, hooks)
    f.step()
    assert hooks.applied
    assert all(final for _, final in hooks.applied)
    assert hooks.finalized[-1] == f.state.number


def test_a_backfilled_chunk_reports_one_change_per_entry(chain, node, hooks):
    Writer(chain, ADDRESSES["DataAnchor"]).blocks(20, anchors=3)
    f = follower(node, hooks, chunk_blocks=8)
    f.step()
    assert len(hooks.changes) > 1
    for changes in hooks.changes:
        assert len({(c.kind, c.key) for c in changes}) == len(changes)
        journal = [c for c in changes if c.kind == Kind.JOURNAL]
        anchors = [c for c in changes if c.kind == Kind.ANCHOR]
        assert len(journal) == (1 if anchors else 0)
        if anchors:
            seq = journal[0].before.seq if journal[0].before is not None else 0
            assert journal[0].after.seq == seq + len(anchors)
    assert sum(c.kind == Kind.ANCHOR for cs in hooks.changes for c in cs) == len(f.state.anchors)


# ------------------------------------------------------------------------------------------ live


def test_blocks_above_finality_are_kept_with_their_raw_logs(chain, node):
    Writer(chain, ADDRESSES["DataAnchor"]).blocks(20)
    f = follower(node)
    catch_up(f)
    assert [r.number for r in f.window] == list(range(chain.head.number - 7, chain.head.number + 1))
    assert f.window[-1].logs == chain.head.logs


def test_new_blocks_are_applied_as_they_come(chain, node, hooks):
    writer = Writer(chain, ADDRESSES["DataAnchor"])
    writer.blocks(10)
    f = follower(node, hooks)
    catch_up(f)
    writer.block()
    catch_up(f)
    assert hooks.applied[-1] == (chain.head.number, False)
    assert f.state.digest() == reference(chain)


def test_finality_advancing_forgets_undo_data_and_reports_the_changes(chain, node, hooks):
    writer = Writer(chain, ADDRESSES["DataAnchor"])
    writer.blocks(10)
    f = follower(node, hooks)
    catch_up(f)
    first = f.window[0].number
    writer.blocks(3)
    catch_up(f)
    assert f.window[0].number == first + 3
    assert hooks.finalized[-1] == first + 2


@pytest.mark.parametrize(("finality", "expected"), [("tags", "finalized"), ("safe", "safe"),
                                                    ("none", "5 blocks")])  # fmt: skip
def test_finality_uses_the_nodes_tags_else_a_confirmation_depth(chain, node, finality, expected):
    chain.finality = finality
    Writer(chain, ADDRESSES["DataAnchor"]).blocks(12)
    f = follower(node, confirmations=5)
    catch_up(f)
    assert f.status.finality == expected
    assert f.final_number == chain.head.number - {"tags": 8, "safe": 4, "none": 5}[finality]


# ----------------------------------------------------------------------------------------- reorgs


@pytest.mark.parametrize("depth", [1, 2, 3, 4, 5])
def test_reorg_rolls_back_to_the_common_ancestor_and_applies_the_new_blocks(
    chain, node, hooks, depth
):
    writer = Writer(chain, ADDRESSES["DataAnchor"])
    writer.blocks(12)
    f = follower(node, hooks)
    catch_up(f)
    writer.reorg(depth)
    catch_up(f)
    assert (f.state.block_hash, f.state.digest()) == (chain.head.hash, reference(chain))
    assert [number for number, _ in hooks.retracted] == list(
        range(chain.head.number, chain.head.number - depth, -1)
    )
    assert f.status.deepest_reorg == depth


def test_retraction_carries_the_undoing_changes(chain, node, hooks):
    writer = Writer(chain, ADDRESSES["DataAnchor"])
    writer.blocks(12)
    f = follower(node, hooks)
    catch_up(f)
    undone = {c.key for c in f.window[-1].changes if c.kind == Kind.ANCHOR}
    writer.reorg(1)
    catch_up(f)
    _, inverse = hooks.retracted[0]
    assert {c.key for c in inverse if c.kind == Kind.ANCHOR and c.after is None} == undone


def test_head_moving_back_onto_our_chain_is_a_node_to_wait_for_then_a_new_fork_rolls_back(
    chain, node
):
    writer = Writer(chain, ADDRESSES["DataAnchor"])
    writer.blocks(12)
    f = follower(node)
    catch_up(f)
    ours = (f.state.number, f.state.digest())
    chain.rewind(chain.head.number - 3)
    with pytest.raises(NodeBehindError, match="behind the mirror's block"):
        f.step()  # the head is an ancestor of ours: a lagging node, not a reorg
    assert (f.state.number, f.state.digest()) == ours
    writer.blocks(4)  # the chain goes on from there on another fork
    catch_up(f)
    assert (f.state.number, f.state.digest()) == (chain.head.number, reference(chain))
    assert f.status.reorgs == 1


def test_rollback_needs_no_rpc_for_the_undone_blocks(chain, node):
    writer = Writer(chain, ADDRESSES["DataAnchor"])
    writer.blocks(12)
    f = follower(node)
    catch_up(f)
    writer.reorg(3)
    chain.calls.clear()
    f._reorg()
    assert "eth_getLogs" not in chain.calls
    assert f.state.number == chain.head.number - 3


def test_reorg_below_finality_raises_reorg_too_deep(chain, node):
    writer = Writer(chain, ADDRESSES["DataAnchor"])
    writer.blocks(20)
    f = follower(node)
    catch_up(f)
    writer.reorg(12)
    with pytest.raises(ReorgTooDeepError, match="deeper than finality"):
        catch_up(f)


def test_reorg_during_catch_up_is_followed_by_the_canonical_chain(chain, node):
    writer = Writer(chain, ADDRESSES["DataAnchor"])
    writer.blocks(12)
    f = follower(node, max_blocks_per_poll=2)
    f.step()  # backfill
    f.step()  # two live blocks
    writer.reorg(4, anchors=3)
    catch_up(f)
    assert f.state.digest() == reference(chain)

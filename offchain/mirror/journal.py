"""The contracts' rolling event journal, recomputed off-chain.

The encoding is specified in ``contracts/common/Journal.sol``.

For each journaled log: ``log_hash = keccak(topic0 ‖ … ‖ topicN ‖ data)`` and
``head = keccak(head ‖ log_hash)[:24]``; the contract's ``journal()`` view returns ``(seq, head)``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final

from eth_hash.auto import keccak

from offchain.chain.decode import keccak256

HEAD_SIZE = 24
ZERO_HEAD = bytes(HEAD_SIZE)


def log_hash(topics: Sequence[bytes], data: bytes) -> bytes:
    """Hash of one log as the contract journals it: its topics (32 bytes each) then its data."""
    return keccak(b"".join(topics) + data)


def next_head(head: bytes, topics: Sequence[bytes], data: bytes) -> bytes:
    """The journal head after appending one log to ``head``."""
    return keccak(head + log_hash(topics, data))[:HEAD_SIZE]


def extend(head: bytes, raws: Iterable[bytes]) -> bytes:
    """The head after appending logs given as their raw ``topic0 ‖ … ‖ topicN ‖ data`` bytes
    (:attr:`offchain.chain.decode.Event.raw`), in order: the mirror's way, with the faster keccak of
    :func:`offchain.chain.decode.keccak256` (:func:`next_head` stays the independent reference)."""
    for raw in raws:
        head = keccak256(head + keccak256(raw))[:HEAD_SIZE]
    return head


@dataclass(slots=True)
class JournalState:
    """A contract's journal as the mirror has applied it: the last sequence number and the head."""

    seq: int = 0
    head: bytes = ZERO_HEAD

    def append(self, topics: Sequence[bytes], data: bytes) -> None:
        """Apply one journaled log (its seq must be ``self.seq + 1``; callers check that)."""
        self.head = next_head(self.head, topics, data)
        self.seq += 1


# The journal of a contract with no event applied yet: shared by the mirror's handlers, state and
# views, so never append to it.
EMPTY_JOURNAL: Final = JournalState()


def replay(logs: Iterable[tuple[Sequence[bytes], bytes]]) -> JournalState:
    """Journal state after applying ``(topics, data)`` pairs in order from the empty journal."""
    state = JournalState()
    for topics, data in logs:
        state.append(topics, data)
    return state

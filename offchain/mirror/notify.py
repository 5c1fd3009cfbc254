"""What a mirror tells its subscribers: :class:`Notification` and the fan-out to their callbacks."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from offchain.mirror.entities import Changes

# The mirror's logger: a failing subscriber is reported as the mirror's.
log = logging.getLogger("offchain.mirror.mirror")


@dataclass(slots=True)
class Notification:
    """What subscribers receive: a block applied, a block retracted by a reorg, finality, a reset.

    ``changes`` are typed :class:`~offchain.mirror.state.Change` records (``kind, key, before,
    after``); for a retraction they are the undoing changes, newest block's last change first. A
    live block's are event by event; a backfilled chunk of final blocks (``final``, ``number`` its
    last block) has one per entry it changed, from its value before the chunk to its value after. A
    ``finalized`` note says every block up to ``number`` is final (no reorg will retract it); it
    carries no changes (they came with the blocks' applied notes).

    A ``reset`` note says the mirror dropped state it had announced (a resync from its snapshot or
    the deploy block, a reorg deeper than what it retracted): every entry a subscriber holds from
    earlier notes, final ones included, may be wrong. It carries no changes; ``number`` and
    ``block_hash`` are the block the mirror went back to and ``reason`` says why. Re-read the
    entries from a view; the notes that follow are applied on top of that block."""

    kind: str  # "applied", "retracted", "finalized" or "reset"
    number: int
    block_hash: str
    changes: Changes
    final: bool = False
    reason: str = ""


class Subscribers:
    """The callbacks told of every note (on the follower's thread), in the order they subscribed;
    one that fails is logged and does not stop the others. False while there are none."""

    def __init__(self) -> None:
        self.callbacks: list[Callable[[Notification], None]] = []

    def __bool__(self) -> bool:
        return bool(self.callbacks)

    def add(self, callback: Callable[[Notification], None]) -> Callable[[], None]:
        """Subscribe ``callback``; returns a function that unsubscribes it."""
        self.callbacks.append(callback)

        def unsubscribe() -> None:
            if callback in self.callbacks:
                self.callbacks.remove(callback)

        return unsubscribe

    def reset(self, number: int, block_hash: str, reason: str) -> None:
        """Tell every callback that announced state was dropped (a ``reset`` note)."""
        log.warning("mirror reset to block %d: %s", number, reason)
        self.publish(Notification("reset", number, block_hash, [], reason=reason))

    def publish(self, note: Notification) -> None:
        """Call every callback with ``note``."""
        for callback in list(self.callbacks):
            try:
                callback(note)
            except Exception:
                log.exception(
                    "mirror subscriber %r failed on %s %d", callback, note.kind, note.number
                )

"""The mirror's one-call reads at its current block (a base class of the Mirror)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from offchain.exceptions import StaleViewError
from offchain.mirror.entities import Anchor, Lease, Pool, Tenant
from offchain.mirror.state import MirrorState
from offchain.mirror.view import View

T = TypeVar("T")


class Reads:
    """Reads through a fresh view of ``self.state``, retaken when the mirror moves meanwhile."""

    state: MirrorState

    def view(self) -> View:
        """A read view pinned to the mirror's current block."""
        return self.state.view()

    def read(self, fn: Callable[[View], T], *, attempts: int = 100) -> T:
        """``fn(view)`` on a fresh view, retried when the mirror moves meanwhile."""
        for _ in range(attempts):
            try:
                return fn(self.state.view())
            except StaleViewError:
                continue
        return fn(self.state.view())

    def tenant(self, tenant_id: int) -> Tenant | None:
        """The tenant at the current block."""
        return self.read(lambda v: v.tenant(tenant_id))

    def pool(self, pool_id: int) -> Pool | None:
        """The pool at the current block."""
        return self.read(lambda v: v.pool(pool_id))

    def lease(self, lease_id: int) -> Lease | None:
        """The lease at the current block."""
        return self.read(lambda v: v.lease(lease_id))

    def anchor(self, digest: bytes) -> Anchor | None:
        """The anchor under a digest or root at the current block."""
        return self.read(lambda v: v.anchor(digest))

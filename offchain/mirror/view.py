"""Pinned read views of the mirrored state.

The writer brackets each block with :meth:`~offchain.mirror.state.MirrorState.begin` /
:meth:`~offchain.mirror.state.MirrorState.end`, which bump a generation counter (a seqlock): a
:class:`View` pins ``(block number, block hash, generation)`` and every read checks the generation
after its dict lookup, so a read never mixes two blocks and takes no lock
(:class:`~offchain.exceptions.StaleViewError`: take a new view).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, Final

from offchain.chain.decode import to_checksum
from offchain.chain.values import UNLIMITED_ALLOWANCE, UNLIMITED_DURATION
from offchain.exceptions import StaleViewError, UnknownLeaseError
from offchain.mirror.entities import (
    END_BUCKET_SECONDS,
    ZERO_ADDRESS,
    Account,
    Anchor,
    Lease,
    LeaseStatus,
    OperatorLimits,
    Pool,
    RegistrationPolicy,
    Tenant,
    TenantStatus,
)
from offchain.mirror.journal import EMPTY_JOURNAL, JournalState

if TYPE_CHECKING:
    from offchain.mirror.state import MirrorState


class View:
    """Reads pinned to one block: every answer is the state at ``(number, block_hash)``.

    Reads are dict lookups; each checks afterwards that no block was written since the view was
    taken and raises :class:`~offchain.exceptions.StaleViewError` if one was. Returned entities are
    shared, immutable values: do not modify them.
    """

    __slots__ = ("_gen", "_s", "block_hash", "number", "timestamp")

    def __init__(
        self, state: MirrorState, number: int, block_hash: str, timestamp: int, generation: int
    ) -> None:
        self._s = state
        self._gen = generation
        self.number = number
        self.block_hash = block_hash
        self.timestamp = timestamp

    def __repr__(self) -> str:
        return f"View(number={self.number}, block_hash={self.block_hash!r})"

    @property
    def fresh(self) -> bool:
        """Whether the mirror is still at this view's block."""
        return self._s.generation == self._gen

    def _ok(self) -> None:
        if self._s.generation != self._gen:
            raise StaleViewError(self.number, self.block_hash)

    def _get(self, table: dict[Any, Any], key: Any) -> Any:
        value = table.get(key)
        if self._s.generation != self._gen:
            raise StaleViewError(self.number, self.block_hash)
        return value

    def _ids(self, index: Mapping[Any, Iterable[Any]], key: Any) -> tuple[Any, ...]:
        found = index.get(key)
        ids = tuple(sorted(found)) if found else ()
        self._ok()
        return ids

    # tenants and registry
    def tenant(self, tenant_id: int) -> Tenant | None:
        """The tenant, or ``None``."""
        s = self._s
        value = s.tenants.get(tenant_id)
        if s.generation != self._gen:
            raise StaleViewError(self.number, self.block_hash)
        return value

    def tenant_count(self) -> int:
        """Tenants registered (ids are sequential from 1)."""
        count = len(self._s.tenants)
        self._ok()
        return count

    def tenants_of_owner(self, owner: str) -> tuple[int, ...]:
        """Ids of the tenants ``owner`` owns, ascending."""
        return self._ids(self._s.tenants_by_owner, to_checksum(owner))

    def tenants_of_operator(self, operator: str) -> tuple[int, ...]:
        """Ids of the tenants that granted ``operator`` (expired grants included), ascending."""
        return self._ids(self._s.tenants_by_operator, to_checksum(operator))

    def operators_of_tenant(self, tenant_id: int) -> tuple[str, ...]:
        """The operators the tenant's current owner granted (expired grants included), sorted."""
        return self._ids(self._s.operators_by_tenant, tenant_id)

    def operator_expiry(self, tenant_id: int, operator: str) -> int:
        """When the grant expires (0: never granted or revoked)."""
        return self._get(self._s.operators, (tenant_id, to_checksum(operator))) or 0

    def operator_limits(self, tenant_id: int, operator: str) -> OperatorLimits:
        """The operator's remaining allowance and longest lease as the tenant's current owner set
        them in the market (unlimited when it set none), as ``LeaseMarket.operatorLimits``
        reports them whether the operator is granted or not."""
        return self._get(self._s.operator_limits, (tenant_id, to_checksum(operator))) or _NO_LIMITS

    def quota(self, tenant_id: int, resource_class: bytes) -> int:
        """The tenant's quota for a class (0 when unset)."""
        return self._get(self._s.quotas, (tenant_id, resource_class)) or 0

    def registration_policy(self) -> RegistrationPolicy:
        """The registration policy."""
        return self._get(self._s.policies, 0) or RegistrationPolicy.OPEN

    def has_role(self, role: bytes, account: str) -> bool:
        """Whether ``account`` holds ``role`` in the registry."""
        return bool(self._get(self._s.roles, (role, to_checksum(account))))

    def is_authorized(self, tenant_id: int, account: str, now: int | None = None) -> bool:
        """``TenantRegistry.isAuthorized`` at time ``now`` (default: this block's timestamp)."""
        account = to_checksum(account)
        t = self._s.tenants.get(tenant_id)
        expiry = self._s.operators.get((tenant_id, account), 0)
        self._ok()
        if t is None or t.status != TenantStatus.ACTIVE:
            return False
        return t.owner == account or expiry > (self.timestamp if now is None else now)

    # pools
    def pool(self, pool_id: int) -> Pool | None:
        """The pool, or ``None``."""
        s = self._s
        value = s.pools.get(pool_id)
        if s.generation != self._gen:
            raise StaleViewError(self.number, self.block_hash)
        return value

    def pool_count(self) -> int:
        """Pools created (ids are sequential from 1)."""
        count = len(self._s.pools)
        self._ok()
        return count

    def pools_of_provider(self, provider: str) -> tuple[int, ...]:
        """Ids of the provider's pools, ascending."""
        return self._ids(self._s.pools_by_provider, to_checksum(provider))

    def payout_address(self, provider: str) -> str:
        """Where the provider's earnings are paid (the provider itself when it named none)."""
        provider = to_checksum(provider)
        return self._get(self._s.payouts, provider) or provider

    def pending_provider_handover(self, provider: str) -> str:
        """The address the provider proposed to hand its pools to (the zero address: none)."""
        return self._get(self._s.pending_handovers, to_checksum(provider)) or ZERO_ADDRESS

    def pools_of_class(self, resource_class: bytes) -> tuple[int, ...]:
        """Ids of the pools offering a class, ascending."""
        return self._ids(self._s.pools_by_class, resource_class)

    def utilization(self, pool_id: int) -> tuple[int, int]:
        """``(allocated, capacity)`` of a pool (``(0, 0)`` when unknown)."""
        p = self._get(self._s.pools, pool_id)
        return (p.allocated, p.capacity) if p is not None else (0, 0)

    def class_utilization(self, resource_class: bytes) -> tuple[int, int]:
        """``(allocated, capacity)`` summed over every pool of a class (retired ones included)."""
        totals = self._s.class_capacity.get(resource_class)
        result = (totals[1], totals[0]) if totals is not None else (0, 0)
        self._ok()
        return result

    # leases
    def lease(self, lease_id: int) -> Lease | None:
        """The lease, or ``None``."""
        s = self._s
        value = s.leases.get(lease_id)
        if s.generation != self._gen:
            raise StaleViewError(self.number, self.block_hash)
        return value

    def lease_opener(self, lease_id: int) -> str:
        """The account that opened the lease (its owner or an operator).

        Raises:
            UnknownLeaseError: no lease has this id.
        """
        opener: str | None = self._get(self._s.lease_openers, lease_id)
        if opener is None:
            raise UnknownLeaseError(lease_id)
        return opener

    def leases_of_tenant(self, tenant_id: int) -> tuple[int, ...]:
        """Ids of the tenant's leases (every status), ascending."""
        return self._ids(self._s.leases_by_tenant, tenant_id)

    def leases_of_pool(self, pool_id: int) -> tuple[int, ...]:
        """Ids of the pool's leases (every status), ascending."""
        return self._ids(self._s.leases_by_pool, pool_id)

    def leases_of_provider(self, provider: str) -> tuple[int, ...]:
        """Ids of the leases in the provider's pools (every status), ascending."""
        return self._ids(self._s.leases_by_provider, to_checksum(provider))

    def leases_with_status(self, status: LeaseStatus) -> tuple[int, ...]:
        """Ids of the leases in a status, ascending."""
        return self._ids(self._s.leases_by_status, LeaseStatus(status))

    def active_leases_ending(self, until: int, since: int = 0) -> tuple[int, ...]:
        """Ids of the active leases whose end lies in ``[since, until]``, ascending by end then id.

        ``active_leases_ending(view.timestamp)`` lists what ``reclaim`` can close now.
        """
        s = self._s
        first = bisect_right(s.end_buckets, since // END_BUCKET_SECONDS - 1)
        last = bisect_right(s.end_buckets, until // END_BUCKET_SECONDS)
        found: list[tuple[int, int]] = []
        for bucket in s.end_buckets[first:last]:
            for lease_id in tuple(s.active_by_end.get(bucket, ())):
                found_lease = s.leases.get(lease_id)
                if found_lease is not None and since <= found_lease.end <= until:
                    found.append((found_lease.end, lease_id))
        self._ok()
        return tuple(lease_id for _, lease_id in sorted(found))

    # balances
    def account(self, tenant_id: int) -> Account:
        """The tenant's free and reserved escrow."""
        return self._get(self._s.accounts, tenant_id) or _EMPTY_ACCOUNT

    def claimable(self, provider: str) -> int:
        """What the provider can claim without settling more leases."""
        return self._get(self._s.claimable, to_checksum(provider)) or 0

    def active_units(self, tenant_id: int, resource_class: bytes) -> int:
        """Units the tenant holds in active leases of a class."""
        return self._get(self._s.active_units, (tenant_id, resource_class)) or 0

    def escrow_totals(self) -> tuple[int, int, int]:
        """``(Σ free, Σ reserved, Σ claimable)``: what the market must hold (ETH deployments)."""
        s = self._s
        totals = (s.totals.free, s.totals.reserved, s.total_claimable)
        self._ok()
        return totals

    # anchors
    def anchor(self, digest: bytes) -> Anchor | None:
        """The anchor under a digest or batch root, or ``None``."""
        s = self._s
        value = s.anchors.get(digest)
        if s.generation != self._gen:
            raise StaleViewError(self.number, self.block_hash)
        return value

    def batch(self, root: bytes) -> Anchor | None:
        """The anchor under ``root`` if it is a batch root (``count > 0``), else ``None``."""
        found: Anchor | None = self._get(self._s.anchors, root)
        return found if found is not None and found.count else None

    def batch_uri(self, root: bytes) -> str:
        """Where the batch under ``root`` is published ('' when none was given)."""
        return self._get(self._s.batch_uris, root) or ""

    def anchors_of_tenant(self, tenant_id: int) -> tuple[bytes, ...]:
        """Digests and roots anchored by the tenant, in anchoring order."""
        found = self._s.anchors_by_tenant.get(tenant_id)
        result = tuple(found) if found else ()
        self._ok()
        return result

    def batches_of_tenant(self, tenant_id: int) -> tuple[bytes, ...]:
        """Batch roots anchored by the tenant, in anchoring order."""
        found = self._s.batches_by_tenant.get(tenant_id)
        result = tuple(found) if found else ()
        self._ok()
        return result

    # journal
    def journal(self, contract: str) -> JournalState:
        """The contract's journal ``(seq, head)`` as recomputed from the applied events."""
        return self._get(self._s.journals, contract) or EMPTY_JOURNAL

    def journals(self) -> dict[str, JournalState]:
        """Every contract's journal."""
        found = dict(self._s.journals)
        self._ok()
        return found


_EMPTY_ACCOUNT: Final = Account()
_NO_LIMITS: Final = OperatorLimits(UNLIMITED_ALLOWANCE, UNLIMITED_DURATION)

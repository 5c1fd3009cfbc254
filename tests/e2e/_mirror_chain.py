"""Shared constants and helpers of the mirror end-to-end tests (imported by bare name)."""

from __future__ import annotations

from typing import Any

from eth_hash.auto import keccak

from offchain.mirror.follow_types import FollowerConfig
from offchain.mirror.mirror import MirrorConfig

ADMIN_ROLE = keccak(b"leasehold.role.admin")
PROVIDER_ROLE = keccak(b"leasehold.role.provider")
MARKET_ROLE = keccak(b"leasehold.role.market")
UNLIMITED_ALLOWANCE = 2**128 - 1
UNLIMITED_DURATION = 2**32 - 1
ADMIN_DELAY = 3 * 24 * 3600
GPU = b"gpu.h100".ljust(32, b"\x00")
CPU = b"cpu.epyc".ljust(32, b"\x00")
ZERO = "0x" + "00" * 20


def fast_config(**overrides: Any) -> MirrorConfig:
    """A mirror tuned for Anvil in tests: quick polls, small chunks, no periodic checks."""
    follower = FollowerConfig(
        poll_interval=0.02,
        chunk_blocks=16,
        concurrency=2,
        error_backoff=0.05,
        max_error_backoff=0.5,
    )
    config = MirrorConfig(
        follower=follower, snapshot_interval=0.0, journal_check_interval=None, rpc_attempts=6
    )
    for key, value in overrides.items():
        if hasattr(follower, key):
            setattr(follower, key, value)
        else:
            setattr(config, key, value)
    return config


# ------------------------------------------------------------------------- random operations


class Driver:
    """Random operations on all three contracts, from a seeded random source.

    Arguments are drawn from what exists (tenant, pool and lease ids seen in events), so most
    operations succeed; those the contracts refuse revert at gas estimation and change nothing.
    """

    def __init__(self, contracts: dict[str, Any], accounts: Any, chain: Any, rng: Any) -> None:
        self.registry = contracts["TenantRegistry"]
        self.anchor = contracts["DataAnchor"]
        self.market = contracts["LeaseMarket"]
        self.accounts = accounts
        self.admin = accounts[0]
        self.provider = accounts[3]  # runs every pool; a handover moves them all to a spare
        self.spares = [accounts[i] for i in (6, 7)]  # providers-to-be (PROVIDER_ROLE, no pools)
        self.payout: Any = None  # the provider's payout account, when it named one
        self.users = [accounts[i] for i in (1, 2, 4, 5)]
        self.chain = chain
        self.rng = rng
        self.tenants: dict[int, Any] = {}  # id -> owner account
        self.pools: list[int] = []
        self.leases: list[int] = []
        self.operators: dict[int, list[Any]] = {}  # tenant id -> accounts granted (maybe expired)
        self.openers: dict[int, str] = {}  # lease id -> address that opened it
        self.digests: list[bytes] = []
        self.done: list[str] = []
        self.reverted = 0

    # helpers
    def _events(self, receipt: Any, contract: Any, name: str) -> list[Any]:
        return list(receipt.events.filter(getattr(contract, name)))

    def _tenant(self) -> tuple[int, Any] | None:
        if not self.tenants:
            return None
        tid = self.rng.choice(sorted(self.tenants))
        return tid, self.tenants[tid]

    def _now(self) -> int:
        return int(self.chain.pending_timestamp)

    def step(self) -> None:
        from ape.exceptions import ContractLogicError

        ops = [
            (self.register, 4),
            (self.policy, 1),
            (self.admin_status, 2),
            (self.close, 1),
            (self.metadata, 1),
            (self.ownership, 1),
            (self.operator, 2),
            (self.quota, 2),
            (self.role, 1),
            (self.anchor_one, 3),
            (self.anchor_batch, 2),
            (self.revoke, 1),
            (self.deposit, 3),
            (self.withdraw, 1),
            (self.create_pool, 2),
            (self.pool_admin, 2),
            (self.open_lease, 4),
            (self.lease_change, 3),
            (self.reclaim, 1),
            (self.claim, 2),
            (self.payout_address, 1),
            (self.handover, 1),
        ]
        op = self.rng.choices([o for o, _ in ops], weights=[w for _, w in ops])[0]
        try:
            op()
            self.done.append(op.__name__)
        except ContractLogicError:
            self.reverted += 1

    # registry
    def register(self) -> None:
        owner = self.rng.choice(self.users)
        receipt = self.registry.register(
            f"ipfs://{self.rng.random()}", self.rng.randbytes(32), sender=owner
        )
        tid = self._events(receipt, self.registry, "TenantRegistered")[0].tenantId
        self.tenants[tid] = owner

    def policy(self) -> None:
        self.registry.setRegistrationPolicy(self.rng.randrange(2), sender=self.admin)

    def admin_status(self) -> None:
        if (pick := self._tenant()) is None:
            return
        tid, _ = pick
        name = self.rng.choice(["approve", "reject", "suspend", "resume"])
        args = (tid,) if name == "approve" else (tid, self.rng.randrange(100))
        getattr(self.registry, name)(*args, sender=self.admin)

    def close(self) -> None:
        if (pick := self._tenant()) is not None and self.rng.random() < 0.5:
            self.registry.close(pick[0], sender=pick[1])

    def metadata(self) -> None:
        if (pick := self._tenant()) is not None:
            self.registry.updateMetadata(
                pick[0], "ipfs://new", self.rng.randbytes(32), sender=pick[1]
            )

    def ownership(self) -> None:
        if (pick := self._tenant()) is None:
            return
        tid, owner = pick
        new = self.rng.choice(self.users)
        self.registry.proposeOwner(tid, new, sender=owner)
        if self.rng.random() < 0.7:
            self.registry.acceptOwnership(tid, sender=new)
            self.tenants[tid] = new
            self.operators.pop(tid, None)  # every grant lapsed

    def operator(self) -> None:
        if (pick := self._tenant()) is None:
            return
        tid, owner = pick
        op = self.rng.choice(self.users)
        if self.rng.random() < 0.3:
            self.registry.revokeOperator(tid, op, sender=owner)
        else:
            expiry = self._now() + self.rng.randint(100, 10**6)
            if op != owner and self.rng.random() < 0.7:  # the market's limits, before the grant
                allowance = self.rng.choice([UNLIMITED_ALLOWANCE, 0, 10**15, 10**17])
                longest = self.rng.choice([UNLIMITED_DURATION, 600, 7200])
                self.market.setOperatorLimits(tid, op, allowance, longest, sender=owner)
            self.registry.grantOperator(tid, op, expiry, sender=owner)
            self.operators.setdefault(tid, []).append(op)

    def quota(self) -> None:
        if (pick := self._tenant()) is not None:
            self.registry.setQuota(
                pick[0],
                self.rng.choice([GPU, CPU]),
                self.rng.choice([0, 10, 1000]),
                sender=self.admin,
            )

    def role(self) -> None:
        account = self.rng.choice(self.users)
        if self.rng.random() < 0.5:
            self.registry.grantRole(PROVIDER_ROLE, account, sender=self.admin)
        else:
            self.registry.revokeRole(PROVIDER_ROLE, account, sender=self.admin)

    # anchors
    def anchor_one(self) -> None:
        if (pick := self._tenant()) is None:
            return
        digest = self.rng.randbytes(32)
        self.anchor.anchor(pick[0], digest, sender=pick[1])
        self.digests.append(digest)

    def anchor_batch(self) -> None:
        if (pick := self._tenant()) is None:
            return
        root = self.rng.randbytes(32)
        uri = self.rng.choice(["", "ipfs://batch", "x" * 70])
        self.anchor.anchorBatch(pick[0], root, self.rng.randint(1, 500), uri, sender=pick[1])
        self.digests.append(root)

    def revoke(self) -> None:
        if self.digests and (pick := self._tenant()) is not None:
            self.anchor.revoke(self.rng.choice(self.digests), self.rng.randrange(9), sender=pick[1])

    # market
    def deposit(self) -> None:
        if (pick := self._tenant()) is not None:
            amount = self.rng.randint(1, 10**16)
            self.market.deposit(pick[0], amount, value=amount, sender=self.rng.choice(self.users))

    def withdraw(self) -> None:
        if (pick := self._tenant()) is not None:
            free = self.market.account(pick[0])[0]
            if free:
                self.market.withdraw(pick[0], self.rng.randint(1, free), pick[1], sender=pick[1])

    def create_pool(self) -> None:
        receipt = self.market.createPool(
            self.rng.choice([GPU, CPU]),
            self.rng.randint(1, 20),
            self.rng.randint(1, 10**6),
            60,
            10**6,
            sender=self.provider,
        )
        self.pools.append(self._events(receipt, self.market, "PoolCreated")[0].poolId)

    def pool_admin(self) -> None:
        if not self.pools:
            return
        pid = self.rng.choice(self.pools)
        name = self.rng.choice(
            ["setPoolCapacity", "setPoolPrice", "pausePool", "unpausePool", "retirePool"]
        )
        args: tuple[int, ...] = (pid,)
        if name == "setPoolCapacity":
            args = (pid, self.rng.randint(1, 30))
        elif name == "setPoolPrice":
            args = (pid, self.rng.randint(1, 10**6))
        elif name == "retirePool" and self.rng.random() < 0.7:
            return
        # The admin may pause, unpause and retire any pool (and only it lifts its own pause).
        by_admin = name in ("pausePool", "unpausePool", "retirePool") and self.rng.random() < 0.3
        getattr(self.market, name)(*args, sender=self.admin if by_admin else self.provider)

    def open_lease(self) -> None:
        if not self.pools or (pick := self._tenant()) is None:
            return
        tid, owner = pick
        pid = self.rng.choice(self.pools)
        pool = self.market.pool(pid)
        units = self.rng.randint(1, 3)
        duration = self.rng.randint(60, 7200)
        cost = units * pool.pricePerUnitSecond * duration
        self.registry.setQuota(tid, pool.resourceClass, 1000, sender=self.admin)
        self.market.deposit(tid, cost, value=cost, sender=owner)
        granted = self.operators.get(tid)
        signer = self.rng.choice(granted) if granted and self.rng.random() < 0.5 else owner
        # Mostly the quoted price; sometimes a margin, sometimes below it (LeasePriceAboveMax).
        max_price = pool.pricePerUnitSecond + self.rng.choice([0, 0, 10, -1])
        receipt = self.market.openLease(tid, pid, units, duration, max_price, sender=signer)
        lid = self._events(receipt, self.market, "LeaseOpened")[0].leaseId
        self.leases.append(lid)
        self.openers[lid] = signer.address

    def lease_change(self) -> None:
        if not self.leases:
            return
        lid = self.rng.choice(self.leases)
        lease = self.market.lease(lid)
        owner = self.tenants.get(lease.tenantId)
        what = self.rng.randrange(4)
        if what == 0 and owner is not None:
            extra = self.rng.randint(1, 600)
            self.market.deposit(lease.tenantId, 10**15, value=10**15, sender=owner)
            granted = self.operators.get(lease.tenantId)
            signer = self.rng.choice(granted) if granted and self.rng.random() < 0.5 else owner
            price = lease.pricePerUnitSecond
            self.market.extendLease(lid, extra, price, sender=signer)
        elif what == 1 and owner is not None:
            self.market.releaseLease(lid, sender=owner)
        elif what == 2:
            self.market.terminateLease(
                lid, self.rng.randrange(5), sender=self.rng.choice([self.provider, self.admin])
            )
        else:
            self.chain.provider.make_request("evm_increaseTime", [self.rng.randint(30, 3000)])

    def reclaim(self) -> None:
        if self.leases:
            self.chain.provider.make_request("evm_increaseTime", [self.rng.randint(600, 8000)])
            ids = self.rng.sample(self.leases, min(3, len(self.leases)))
            self.market.reclaim(ids, sender=self.rng.choice(self.users))

    def claim(self) -> None:
        ids = self.rng.sample(self.leases, min(4, len(self.leases))) if self.leases else []
        # The provider or its payout address claims; the earnings go to the payout address.
        signer = self.payout if self.payout is not None and self.rng.random() < 0.5 else None
        self.market.claim(self.provider, ids, sender=signer or self.provider)

    def payout_address(self) -> None:
        payout = self.rng.choice([None, *self.users])
        self.market.setPayoutAddress(payout or ZERO, sender=self.provider)
        self.payout = payout

    def handover(self) -> None:
        new = self.rng.choice(self.spares)
        if self.rng.random() < 0.2:
            self.market.proposeProviderHandover(ZERO, sender=self.provider)  # a cancel
            return
        self.market.proposeProviderHandover(new, sender=self.provider)
        if self.rng.random() < 0.3:
            return  # left pending
        if not self.registry.hasRole(PROVIDER_ROLE, new):
            self.registry.grantRole(PROVIDER_ROLE, new, sender=self.admin)
        self.market.acceptProviderHandover(self.provider, sender=new)
        self.spares.remove(new)
        self.spares.append(self.provider)
        self.provider, self.payout = new, None

"""Random but valid event histories of the three contracts, for state and store properties.

A small model of the contracts keeps every generated event legal (a lease closes once, escrow never
goes negative, ids follow the contracts' rules), so the mirror must accept every history.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from _synthetic_logs import CPU, GPU, Logs

ACCOUNTS = ["0x" + f"{i:02x}" * 20 for i in range(1, 6)]
ROLE = b"\x77" * 32
ZERO = "0x" + "00" * 20
UNLIMITED_ALLOWANCE = 2**128 - 1
UNLIMITED_DURATION = 2**32 - 1


@dataclass
class _Lease:
    lease_id: int
    tenant: int
    pool: int
    units: int
    price: int
    start: int
    end: int
    paid_until: int


@dataclass
class Model:
    tenants: dict[int, list[Any]] = field(default_factory=dict)  # id -> [owner, status]
    operators: set[tuple[int, str]] = field(default_factory=set)
    allowances: dict[tuple[int, str], int] = field(default_factory=dict)  # limits set by owners
    roles: set[str] = field(default_factory=set)
    anchors: dict[bytes, bool] = field(default_factory=dict)  # digest -> revoked
    free: dict[int, int] = field(default_factory=dict)
    pools: dict[int, list[Any]] = field(
        default_factory=dict
    )  # id -> [provider, cap, alloc, price, status]
    leases: dict[int, _Lease] = field(default_factory=dict)  # active ones
    claimable: dict[str, int] = field(default_factory=dict)
    pending: dict[str, str] = field(default_factory=dict)  # provider -> proposed new provider
    now: int = 1_700_000_000


def history(rng: random.Random, blocks: int, per_block: int = 4) -> list[list[dict[str, Any]]]:
    """``blocks`` lists of logs (one list per block), every event legal for the contracts."""
    logs = Logs()
    model = Model()
    out: list[list[dict[str, Any]]] = []
    for _ in range(blocks):
        logs.next_block()
        model.now += rng.randint(1, 900)
        start = len(logs.logs)
        for _ in range(rng.randint(0, per_block)):
            _one(rng, logs, model)
        out.append(logs.logs[start:])
    return out


def _one(rng: random.Random, logs: Logs, m: Model) -> None:
    tenants = sorted(m.tenants)
    choice = rng.randrange(21)
    if choice == 0 or not tenants:
        tid = len(m.tenants) + 1
        owner = rng.choice(ACCOUNTS)
        status = rng.choice([1, 2, 2])
        m.tenants[tid] = [owner, status]
        logs.event(
            "TenantRegistry",
            "TenantRegistered",
            tenantId=tid,
            owner=owner,
            status=status,
            createdAt=m.now,
            metadataURI=rng.choice(["", "ipfs://x", "ü" * 40]),
            metadataHash=rng.randbytes(32),
        )
        return
    tid = rng.choice(tenants)
    owner, status = m.tenants[tid]
    if choice == 1:
        moves = {1: [2, 4], 2: [3, 4], 3: [2, 4], 4: []}[status]
        if moves:
            to = rng.choice(moves)
            m.tenants[tid][1] = to
            logs.event(
                "TenantRegistry",
                "TenantStatusChanged",
                tenantId=tid,
                **{"from": status},
                to=to,
                reasonCode=rng.randrange(3),
                by=owner,
            )
    elif choice == 2:
        logs.event(
            "TenantRegistry",
            "TenantMetadataUpdated",
            tenantId=tid,
            metadataURI="ipfs://y",
            metadataHash=rng.randbytes(32),
        )
    elif choice == 3:
        new = rng.choice(ACCOUNTS)
        logs.event(
            "TenantRegistry",
            "TenantOwnershipProposed",
            tenantId=tid,
            currentOwner=owner,
            proposedOwner=new,
        )
        if rng.random() < 0.6:
            m.tenants[tid][0] = new
            for key in [key for key in m.allowances if key[0] == tid]:
                del m.allowances[key]  # every grant lapses
            logs.event(
                "TenantRegistry",
                "TenantOwnershipTransferred",
                tenantId=tid,
                previousOwner=owner,
                newOwner=new,
            )
    elif choice == 4:
        op = rng.choice(ACCOUNTS)
        if (tid, op) in m.operators and rng.random() < 0.5:
            m.operators.discard((tid, op))  # the market keeps its limits
            logs.event("TenantRegistry", "OperatorRevoked", tenantId=tid, operator=op)
        else:
            m.operators.add((tid, op))
            if rng.random() < 0.5:  # limits in the market first, as the client does
                allowance = rng.choice([UNLIMITED_ALLOWANCE, 0, rng.randint(1, 10**20)])
                m.allowances[(tid, op)] = allowance
                logs.event(
                    "LeaseMarket",
                    "OperatorLimitsSet",
                    tenantId=tid,
                    operator=op,
                    allowance=allowance,
                    maxDuration=rng.choice([UNLIMITED_DURATION, 0, rng.randint(1, 10**6)]),
                )
            logs.event(
                "TenantRegistry",
                "OperatorGranted",
                tenantId=tid,
                operator=op,
                expiresAt=m.now + rng.randint(1, 10**6),
            )
    elif choice == 5:
        logs.event(
            "TenantRegistry",
            "QuotaSet",
            tenantId=tid,
            resourceClass=rng.choice([GPU, CPU]),
            maxUnits=rng.choice([0, 5, 2**64 - 1]),
        )
    elif choice == 6:
        logs.event("TenantRegistry", "RegistrationPolicyChanged", policy=rng.randrange(2))
    elif choice == 7:
        account = rng.choice(ACCOUNTS)
        name = "RoleRevoked" if account in m.roles else "RoleGranted"
        (m.roles.discard if account in m.roles else m.roles.add)(account)
        logs.event("TenantRegistry", name, role=ROLE, account=account, sender=ACCOUNTS[0])
        logs.event("TenantRegistry", "RoleChanged", role=ROLE, account=account,
                   granted=name == "RoleGranted", sender=ACCOUNTS[0])  # fmt: skip
    elif choice == 8:
        # Unique even when Hypothesis' random repeats itself (a digest is anchored once).
        digest = rng.randbytes(24) + len(m.anchors).to_bytes(8, "big")
        m.anchors[digest] = False
        if rng.random() < 0.5:
            logs.event("DataAnchor", "Anchored", digest=digest, tenantId=tid, timestamp=m.now)
        else:
            logs.event(
                "DataAnchor",
                "BatchAnchored",
                root=digest,
                tenantId=tid,
                count=rng.randint(1, 1000),
                timestamp=m.now,
                uri=rng.choice(["", "ipfs://b"]),
            )
    elif choice == 9:
        live = [d for d, revoked in m.anchors.items() if not revoked]
        if live:
            digest = rng.choice(live)
            m.anchors[digest] = True
            logs.event(
                "DataAnchor",
                "AnchorRevoked",
                digest=digest,
                tenantId=tid,
                reasonCode=rng.randrange(9),
                revokedAt=m.now,
                by=owner,
            )
    elif choice == 10:
        amount = rng.randint(1, 10**20)
        m.free[tid] = m.free.get(tid, 0) + amount
        logs.event("LeaseMarket", "Deposited", tenantId=tid, **{"from": owner}, amount=amount)
    elif choice == 11 and m.free.get(tid):
        amount = rng.randint(1, m.free[tid])
        m.free[tid] -= amount
        logs.event("LeaseMarket", "Withdrawn", tenantId=tid, to=owner, amount=amount)
    elif choice == 12:
        pid = len(m.pools) + 1
        provider = rng.choice(ACCOUNTS)
        cap = rng.randint(1, 50)
        price = rng.randint(1, 10**9)
        m.pools[pid] = [provider, cap, 0, price, 1]
        logs.event(
            "LeaseMarket",
            "PoolCreated",
            poolId=pid,
            provider=provider,
            resourceClass=rng.choice([GPU, CPU]),
            capacity=cap,
            pricePerUnitSecond=price,
            minDuration=1,
            maxDuration=10**6,
        )
    elif choice == 13 and m.pools:
        pid = rng.choice(sorted(m.pools))
        pool = m.pools[pid]
        what = rng.randrange(3)
        if what == 0:
            pool[1] = rng.randint(max(1, pool[2]), 60)
            logs.event("LeaseMarket", "PoolCapacityChanged", poolId=pid, capacity=pool[1])
        elif what == 1:
            pool[3] = rng.randint(1, 10**9)
            logs.event("LeaseMarket", "PoolPriceChanged", poolId=pid, pricePerUnitSecond=pool[3])
        else:
            pool[4] = rng.randint(1, 3)
            by_admin = rng.random() < 0.3
            logs.event(
                "LeaseMarket",
                "PoolStatusChanged",
                poolId=pid,
                status=pool[4],
                by=ACCOUNTS[0] if by_admin else pool[0],
                byAdmin=by_admin,
            )
    elif choice == 14 and m.pools:
        pid = rng.choice(sorted(m.pools))
        provider, cap, alloc, price, _ = m.pools[pid]
        if alloc < cap:
            units = rng.randint(1, cap - alloc)
            duration = rng.randint(1, 5000)
            cost = units * price * duration
            m.free[tid] = m.free.get(tid, 0) + cost
            logs.event("LeaseMarket", "Deposited", tenantId=tid, **{"from": owner}, amount=cost)
            m.free[tid] -= cost
            m.pools[pid][2] += units
            lease_id = logs.seq["LeaseMarket"] + 1
            m.leases[lease_id] = _Lease(
                lease_id, tid, pid, units, price, m.now, m.now + duration, m.now
            )
            logs.event(
                "LeaseMarket",
                "LeaseOpened",
                leaseId=lease_id,
                tenantId=tid,
                poolId=pid,
                units=units,
                pricePerUnitSecond=price,
                start=m.now,
                end=m.now + duration,
                cost=cost,
                openedBy=rng.choice([owner, *ACCOUNTS]),
            )
    elif choice == 15 and m.leases:
        x = m.leases[rng.choice(sorted(m.leases))]
        what = rng.randrange(3)
        provider = m.pools[x.pool][0]
        if what == 0:
            extra = rng.randint(1, 1000)
            cost = x.units * x.price * extra
            m.free[x.tenant] = m.free.get(x.tenant, 0) + cost
            logs.event(
                "LeaseMarket", "Deposited", tenantId=x.tenant, **{"from": owner}, amount=cost
            )
            m.free[x.tenant] -= cost
            x.end += extra
            logs.event("LeaseMarket", "LeaseExtended", leaseId=x.lease_id, end=x.end, cost=cost)
        elif what == 1:
            until = min(x.end, max(x.paid_until, m.now))
            amount = x.units * x.price * (until - x.paid_until)
            if amount:
                x.paid_until = until
                m.claimable[provider] = m.claimable.get(provider, 0) + amount
                logs.event(
                    "LeaseMarket",
                    "LeaseSettled",
                    leaseId=x.lease_id,
                    amount=amount,
                    paidUntil=until,
                )
        else:
            until = min(x.end, max(x.paid_until, m.now))
            to_provider = x.units * x.price * (until - x.paid_until)
            refunded = x.units * x.price * (x.end - until)
            m.claimable[provider] = m.claimable.get(provider, 0) + to_provider
            m.free[x.tenant] = m.free.get(x.tenant, 0) + refunded
            m.pools[x.pool][2] -= x.units
            del m.leases[x.lease_id]
            logs.event(
                "LeaseMarket",
                "LeaseClosed",
                leaseId=x.lease_id,
                reason=rng.randint(1, 5),
                reasonCode=0,
                toProvider=to_provider,
                refunded=refunded,
                by=owner,
            )
    elif choice == 16 and any(m.claimable.values()):
        provider = rng.choice(sorted(p for p, v in m.claimable.items() if v))
        amount = m.claimable.pop(provider)
        to = rng.choice([provider, *ACCOUNTS])
        logs.event("LeaseMarket", "EarningsClaimed", provider=provider, to=to, amount=amount)
    elif choice == 17:
        limited = sorted(k for k, v in m.allowances.items() if v not in (0, UNLIMITED_ALLOWANCE))
        if limited:
            key = rng.choice(limited)
            amount = rng.randint(1, m.allowances[key])
            m.allowances[key] -= amount
            logs.event(
                "LeaseMarket",
                "OperatorAllowanceSpent",
                tenantId=key[0],
                operator=key[1],
                amount=amount,
                remaining=m.allowances[key],
            )
    elif choice == 18 and m.pools:
        provider = m.pools[rng.choice(sorted(m.pools))][0]
        payout = rng.choice([ZERO, *ACCOUNTS])
        logs.event("LeaseMarket", "PayoutAddressSet", provider=provider, payout=payout)
    elif choice == 19 and m.pools:
        provider = m.pools[rng.choice(sorted(m.pools))][0]
        new = rng.choice([ZERO, *ACCOUNTS])
        m.pending[provider] = new
        logs.event("LeaseMarket", "ProviderHandoverProposed", provider=provider, newProvider=new)
    elif choice == 20:
        # A handover goes to an address that runs no pools yet (the contract's rule).
        running = {pool[0] for pool in m.pools.values()}
        ready = sorted(
            (p, new) for p, new in m.pending.items() if p in running and new not in running
        )
        ready = [(p, new) for p, new in ready if new != ZERO]
        if ready:
            previous, new = rng.choice(ready)
            del m.pending[previous]
            for pool in m.pools.values():
                if pool[0] == previous:
                    pool[0] = new
            earned = m.claimable.pop(previous, 0)
            if earned:
                m.claimable[new] = m.claimable.get(new, 0) + earned
            logs.event(
                "LeaseMarket",
                "ProviderHandedOver",
                previousProvider=previous,
                newProvider=new,
            )

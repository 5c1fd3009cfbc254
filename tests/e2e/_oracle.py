"""The whole-state oracle of the mirror's end-to-end tests: every tenant, operator, quota, role,
pool, lease, account, claimable, active-units entry, anchor and journal head, read from the
mirror's view and from the chain with plain ``eth_call``s (web3, at the mirror's block hash), then
compared.

It shares no code with the mirror's audit: the chain's side is enumerated from the chain
(``tenantCount``, ``poolCount``, lease ids until an empty lease, the accounts the tests use), so an
entry the mirror never heard of is compared too.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

from _mirror_chain import ADMIN_ROLE, CPU, GPU, MARKET_ROLE, PROVIDER_ROLE
from hexbytes import HexBytes
from web3.exceptions import BlockNotFound

from offchain.exceptions import StaleViewError
from offchain.mirror.mirror import Mirror
from offchain.mirror.view import View

ROLES = (b"\x00" * 32, ADMIN_ROLE, PROVIDER_ROLE, MARKET_ROLE)
CLASSES = (GPU, CPU)
ZERO = "0x" + "00" * 20


def _web3_contracts(chain: Any, contracts: dict[str, Any]) -> dict[str, Any]:
    w3 = chain.provider.web3
    return {
        name: w3.eth.contract(
            address=c.address,
            abi=[a.model_dump(mode="json", by_alias=True) for a in c.contract_type.abi],
        )
        for name, c in contracts.items()
    }


def _mirror_side(
    view: View, tenants: int, pools: int, leases: int, people: list[str], digests: set[bytes]
) -> dict[tuple[Any, ...], Any]:
    out: dict[tuple[Any, ...], Any] = {
        ("tenantCount",): view.tenant_count(),
        ("poolCount",): view.pool_count(),
        ("policy",): int(view.registration_policy()),
    }
    for tid in range(1, tenants + 1):
        t = view.tenant(tid)
        out["tenant", tid] = (
            (t.owner, int(t.status), t.created_at, t.metadata_uri, t.metadata_hash, t.pending_owner)
            if t is not None
            else (ZERO, 0, 0, "", b"\x00" * 32, ZERO)
        )
        a = view.account(tid)
        out["account", tid] = (a.free, a.reserved)
        for who in people:
            limits = view.operator_limits(tid, who)
            out["operator", tid, who] = (
                view.operator_expiry(tid, who),
                limits.allowance,
                limits.max_duration,
            )
        for rc in CLASSES:
            out["quota", tid, rc] = view.quota(tid, rc)
            out["activeUnits", tid, rc] = view.active_units(tid, rc)
        digests.update(view.anchors_of_tenant(tid))
        digests.update(view.batches_of_tenant(tid))
    for role in ROLES:
        for who in people:
            out["role", role, who] = view.has_role(role, who)
    for pid in range(1, pools + 1):
        p = view.pool(pid)
        out["pool", pid] = (
            (p.capacity, p.allocated, p.price_per_unit_second, p.min_duration, p.max_duration,
             int(p.status), p.provider, p.resource_class)
            if p is not None
            else (0, 0, 0, 0, 0, 0, ZERO, b"\x00" * 32)
        )  # fmt: skip
    for lid in range(1, leases + 1):
        x = view.lease(lid)
        out["lease", lid] = (
            (x.tenant_id, x.pool_id, x.units, x.start, x.end, int(x.status),
             int(x.close_reason), x.price_per_unit_second, x.paid_until)
            if x is not None
            else (0,) * 9
        )  # fmt: skip
    for who in people:
        out["claimable", who] = view.claimable(who)
        out["payout", who] = view.payout_address(who)
        out["handover", who] = view.pending_provider_handover(who)
    for digest in sorted(digests):
        r = view.anchor(digest)
        out["anchor", digest] = (
            (r.tenant_id, r.timestamp, r.block_number, r.revoked_at, r.count, r.revoke_reason)
            if r is not None
            else (0, 0, 0, 0, 0, 0)
        )
    for name in ("TenantRegistry", "DataAnchor", "LeaseMarket"):
        journal = view.journal(name)
        out["journal", name] = (journal.seq, bytes(journal.head))
    return out


def _chain_side(
    w3c: dict[str, Any],
    at: HexBytes,
    tenants: int,
    pools: int,
    leases: int,
    people: list[str],
    digests: set[bytes],
) -> dict[tuple[Any, ...], Any]:
    reg, mkt = w3c["TenantRegistry"].functions, w3c["LeaseMarket"].functions
    anc = w3c["DataAnchor"].functions

    def call(fn: Any) -> Any:
        return fn.call(block_identifier=at)

    out: dict[tuple[Any, ...], Any] = {
        ("tenantCount",): tenants,
        ("poolCount",): pools,
        ("policy",): call(reg.registrationPolicy()),
    }
    for tid in range(1, tenants + 1):
        owner, status, created = call(reg.tenant(tid))
        uri, digest = call(reg.metadata(tid))
        out["tenant", tid] = (owner, status, created, uri, digest, call(reg.pendingOwner(tid)))
        out["account", tid] = tuple(call(mkt.account(tid)))
        for who in people:
            out["operator", tid, who] = (
                call(reg.operatorExpiry(tid, who)),
                *call(mkt.operatorLimits(tid, who)),
            )
        for rc in CLASSES:
            out["quota", tid, rc] = call(reg.quota(tid, rc))
            out["activeUnits", tid, rc] = call(mkt.activeUnits(tid, rc))
    for role in ROLES:
        for who in people:
            out["role", role, who] = call(reg.hasRole(role, who))
    for pid in range(1, pools + 1):
        out["pool", pid] = tuple(call(mkt.pool(pid)))
    for lid in range(1, leases + 1):
        out["lease", lid] = tuple(call(mkt.lease(lid)))
    for who in people:
        out["claimable", who] = call(mkt.claimable(who))
        out["payout", who] = call(mkt.payoutAddress(who))
        out["handover", who] = call(mkt.pendingProviderHandover(who))
    for digest in sorted(digests):
        out["anchor", digest] = tuple(call(anc.anchorOf(digest)))
    for name, fns in (("TenantRegistry", reg), ("DataAnchor", anc), ("LeaseMarket", mkt)):
        seq, head = call(fns.journal())
        out["journal", name] = (seq, bytes(head))
    return out


def _lease_count(w3c: dict[str, Any], at: HexBytes) -> int:
    """Lease ids are sequential from 1: the first id whose lease is empty ends them."""
    mkt = w3c["LeaseMarket"].functions
    lid = 1
    while mkt.lease(lid).call(block_identifier=at)[0] != 0:
        lid += 1
    return lid - 1


def mirror_matches_chain(
    mirror: Mirror,
    chain: Any,
    contracts: dict[str, Any],
    accounts: Any,
    digests: Iterable[bytes] = (),
) -> list[str]:
    """The differences between the mirror and the chain at the mirror's block hash (none: [])."""
    w3c = _web3_contracts(chain, contracts)
    people = [a.address for a in list(accounts)[:8]] + [contracts["LeaseMarket"].address]
    for _ in range(20):
        view = mirror.view()
        at = HexBytes(view.block_hash)
        reg, mkt = w3c["TenantRegistry"].functions, w3c["LeaseMarket"].functions
        tenants = reg.tenantCount().call(block_identifier=at)
        pools = mkt.poolCount().call(block_identifier=at)
        leases = _lease_count(w3c, at)
        wanted = set(digests)
        try:
            ours = _mirror_side(view, tenants, pools, max(leases, 1), people, wanted)
            if not view.fresh:
                raise StaleViewError(view.number, view.block_hash)
        except StaleViewError:
            continue
        theirs = _chain_side(w3c, at, tenants, pools, max(leases, 1), people, wanted)
        return [
            f"{key}: mirror {ours.get(key)!r} != chain {theirs.get(key)!r}"
            for key in sorted(set(ours) | set(theirs), key=repr)
            if ours.get(key) != theirs.get(key)
        ]
    raise AssertionError("the mirror kept moving while the oracle read it")


def assert_mirror_equals_chain(
    mirror: Mirror,
    chain: Any,
    contracts: dict[str, Any],
    accounts: Any,
    digests: Iterable[bytes] = (),
) -> None:
    """The oracle: every entry of the mirror's state equals the chain's at the mirror's block."""
    diffs = mirror_matches_chain(mirror, chain, contracts, accounts, digests)
    assert not diffs, f"{len(diffs)} differences at block {mirror.view().number}: " + "; ".join(
        diffs[:8]
    )


def wait_until_equal(
    mirror: Mirror,
    chain: Any,
    contracts: dict[str, Any],
    accounts: Any,
    *,
    timeout: float = 10.0,
    digests: Iterable[bytes] = (),
) -> None:
    """Wait (up to ``timeout``) until the mirror sits on the chain's head block and the oracle
    finds no difference; fail with what still differs."""
    deadline = time.monotonic() + timeout
    wanted = list(digests)
    diffs: list[str] = ["never compared"]
    while time.monotonic() < deadline:
        head = chain.provider.web3.eth.get_block("latest")["hash"].to_0x_hex()
        if mirror.view().block_hash == head:
            try:
                diffs = mirror_matches_chain(mirror, chain, contracts, accounts, wanted)
            except BlockNotFound:  # a repair replaced the state between the two reads: again
                diffs = ["the mirror's state was replaced while it was compared"]
                continue
            if not diffs:
                return
        time.sleep(0.05)
    raise AssertionError(
        f"mirror not equal to the chain's head within {timeout}s: {mirror.status()}; "
        + "; ".join(diffs[:8])
    )

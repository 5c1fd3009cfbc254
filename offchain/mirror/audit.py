"""Proof that the mirror agrees with the chain, at one block hash.

- :meth:`Auditor.check_journal`: the mirror's journal ``(seq, head)`` of each contract, recomputed
  from the events it applied, equals the contract's ``journal()`` at the same block hash (one
  ``eth_call`` per contract, EIP-1898 ``{"blockHash": …, "requireCanonical": true}``). Equal heads
  mean the mirror applied exactly the chain's journaled events, in order.
- :meth:`Auditor.audit`: every mirrored entity (or a random sample) is compared with the
  contracts' views at that block hash, as are ``hasRole`` of every platform role for every account
  the mirror knows of (holding it or not), the limits of every operator grant and the payout
  address and pending handover of every provider the mirror knows, plus the counters
  (``tenantCount``, ``poolCount``) and the market's books: what it holds of its asset (native
  balance or token balance) >= Σ free + Σ reserved + Σ claimable. Only a shortfall is a
  divergence: value can reach the market outside its books (tokens transferred to it; ether as a
  SELFDESTRUCT beneficiary or a block reward, which no contract can refuse). Divergences are
  reported with both values.

Both read the mirror through a pinned :class:`~offchain.mirror.state.View` (retaken if the follower
moves meanwhile) and ask the chain only after, so they run from any thread without pausing the
follower."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from eth_abi.abi import decode as abi_decode
from eth_abi.abi import encode as abi_encode

from offchain.chain.decode import canonical_type, contract_abi, keccak256, to_checksum
from offchain.chain.values import (
    ADMIN_ROLE,
    MARKET_ROLE,
    PROVIDER_ROLE,
    UNLIMITED_ALLOWANCE,
    UNLIMITED_DURATION,
)
from offchain.exceptions import RpcError, StaleViewError
from offchain.mirror.entities import Account, Anchor, Kind, Lease, OperatorLimits, Pool, Tenant
from offchain.mirror.journal import ZERO_HEAD
from offchain.mirror.state import MirrorState
from offchain.mirror.view import View

ZERO_ADDRESS = "0x" + "00" * 20
DEFAULT_ADMIN_ROLE = bytes(32)


@dataclass(frozen=True, slots=True)
class _Function:
    """One view function, encoded and decoded from the ABI."""

    contract: str
    name: str
    selector: bytes
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]

    @classmethod
    def of(cls, contract: str, name: str) -> _Function:
        entry = next(
            e for e in contract_abi(contract) if e.get("type") == "function" and e["name"] == name
        )
        inputs = tuple(canonical_type(p) for p in entry["inputs"])
        signature = f"{name}({','.join(inputs)})"
        return cls(
            contract,
            name,
            keccak256(signature.encode())[:4],
            inputs,
            tuple(canonical_type(p) for p in entry["outputs"]),
        )

    def data(self, *args: Any) -> str:
        return "0x" + (self.selector + abi_encode(list(self.inputs), list(args))).hex()

    def result(self, raw: str) -> tuple[Any, ...]:
        return tuple(abi_decode(list(self.outputs), bytes.fromhex(raw[2:])))


@dataclass(slots=True)
class Divergence:
    """An entry whose mirrored value differs from the chain's."""

    table: str
    key: Any
    mirror: Any
    chain: Any

    def __str__(self) -> str:
        key = "0x" + self.key.hex() if isinstance(self.key, bytes) else self.key
        return f"{self.table}[{key}]: mirror {self.mirror!r} != chain {self.chain!r}"


@dataclass(slots=True)
class JournalCheck:
    """The mirror's journal heads against the contracts' at one block hash."""

    block_number: int
    block_hash: str
    ok: bool
    mirror: dict[str, tuple[int, str]] = field(default_factory=dict)
    chain: dict[str, tuple[int, str]] = field(default_factory=dict)
    error: str = ""
    checked_at: float = field(default_factory=time.time)

    def describe(self) -> str:
        """One line for logs and status pages."""
        if self.error:
            return f"journal check at {self.block_number} not done: {self.error}"
        if self.ok:
            seqs = ", ".join(f"{c} seq {s}" for c, (s, _) in sorted(self.mirror.items()))
            return f"journal heads equal at block {self.block_number} ({seqs})"
        bad = [c for c in self.mirror if self.mirror[c] != self.chain.get(c)]
        return f"journal heads DIFFER at block {self.block_number}: {', '.join(bad)}"


@dataclass(slots=True)
class AuditReport:
    """Entities compared with the contracts' views at one block hash."""

    block_number: int
    block_hash: str
    checked: int = 0
    divergences: list[Divergence] = field(default_factory=list)
    sampled: bool = False
    error: str = ""
    seconds: float = 0.0
    checked_at: float = field(default_factory=time.time)

    @property
    def ok(self) -> bool:
        """No divergence and no error."""
        return not self.divergences and not self.error

    def describe(self) -> str:
        """One line for logs and status pages."""
        what = "sampled" if self.sampled else "all"
        if self.error:
            return f"audit at {self.block_number} not done: {self.error}"
        if self.ok:
            return f"audit ({what}) at block {self.block_number}: {self.checked} entries agree"
        return (
            f"audit ({what}) at block {self.block_number}: {len(self.divergences)} of "
            f"{self.checked} entries DIVERGE, e.g. {self.divergences[0]}"
        )


# A call: (function, or None for eth_getBalance; target address; calldata)
_Call = tuple["_Function | None", str, str]
# A check: (table, key, expected value, calls, compare(results) -> chain value, or None when equal)
_Check = tuple[str, Any, Any, list[_Call], Callable[[list[tuple[Any, ...]]], Any]]


class Auditor:
    """Compares a mirror with the contracts over JSON-RPC.

    Args:
        rpc: JSON-RPC client (:class:`offchain.chain.rpc.RpcClient`).
        addresses: contract name -> address.
        asset: the market's payment asset (zero address: native ETH, checked exactly).
    """

    def __init__(self, rpc: Any, addresses: Mapping[str, str], asset: str = ZERO_ADDRESS) -> None:
        self.rpc = rpc
        self.addresses = {name: to_checksum(addr) for name, addr in addresses.items()}
        self.asset = to_checksum(asset)
        self._fn: dict[tuple[str, str], _Function] = {}

    def _f(self, contract: str, name: str) -> _Function:
        key = (contract, name)
        fn = self._fn.get(key)
        if fn is None:
            fn = self._fn[key] = _Function.of(contract, name)
        return fn

    def _call(self, contract: str, name: str, *args: Any) -> _Call:
        fn = self._f(contract, name)
        return fn, self.addresses[contract], fn.data(*args)

    # ------------------------------------------------------------------------------ journal

    def check_journal(self, state_or_view: MirrorState | View) -> JournalCheck:
        """Compare journal heads at the view's block hash (one ``eth_call`` per contract)."""
        view = _fresh_view(state_or_view)
        for _ in range(10):
            try:
                mirror = {c: view.journal(c) for c in self.addresses}
                break
            except StaleViewError:
                view = _fresh_view(state_or_view)
        else:
            return JournalCheck(view.number, view.block_hash, False, error="mirror kept moving")
        block = {"blockHash": view.block_hash, "requireCanonical": True}
        calls = [
            ("eth_call", [{"to": self.addresses[c], "data": self._f(c, "journal").data()}, block])
            for c in self.addresses
        ]
        answers = self.rpc.batch(calls)
        check = JournalCheck(view.number, view.block_hash, True)
        for contract, answer in zip(self.addresses, answers, strict=True):
            if isinstance(answer, Exception):
                check.ok = False
                check.error = f"{contract}: {answer}"
                return check
            seq, head = self._f(contract, "journal").result(answer)
            js = mirror[contract]
            check.mirror[contract] = (js.seq, "0x" + (js.head or ZERO_HEAD).hex())
            check.chain[contract] = (seq, "0x" + head.hex())
        check.ok = check.mirror == check.chain
        return check

    # -------------------------------------------------------------------------------- audit

    def audit(
        self,
        state_or_view: MirrorState | View,
        *,
        sample: int | None = None,
        rng: random.Random | None = None,
    ) -> AuditReport:
        """Compare mirrored entries with the chain's views at the view's block hash.

        Args:
            state_or_view: the mirror state (a fresh view is taken) or a pinned view.
            sample: check this many entries chosen at random (``None``: every entry).
            rng: random source for the sample (seed it for reproducible audits).
        """
        started = time.perf_counter()
        view = _fresh_view(state_or_view)
        checks: list[_Check] = []
        for _ in range(10):
            try:
                checks = self._plan(view, sample, rng or random.Random())
                break
            except StaleViewError:
                view = _fresh_view(state_or_view)
        else:
            return AuditReport(view.number, view.block_hash, error="mirror kept moving")
        report = AuditReport(view.number, view.block_hash, sampled=sample is not None)
        block = {"blockHash": view.block_hash, "requireCanonical": True}
        calls: list[tuple[str, Sequence[Any]]] = [
            ("eth_call", [{"to": to, "data": data}, block])
            if fn is not None
            else ("eth_getBalance", [to, block])
            for _, _, _, check_calls, _ in checks
            for fn, to, data in check_calls
        ]
        try:
            answers = self.rpc.batch(calls)
        except (RpcError, ConnectionError) as exc:
            report.error = str(exc)
            return report
        cursor = 0
        for table, key, expected, check_calls, compare in checks:
            raw = answers[cursor : cursor + len(check_calls)]
            cursor += len(check_calls)
            failed = next((a for a in raw if isinstance(a, Exception)), None)
            if failed is not None:
                report.error = f"{table}: {failed}"
                return report
            report.checked += 1
            try:
                results = [
                    fn.result(answer) if fn is not None else (int(answer, 16),)
                    for (fn, _, _), answer in zip(check_calls, raw, strict=True)
                ]
                chain_value = compare(results)
            except Exception as exc:  # the chain's answer does not decode: that is a divergence
                chain_value = f"undecodable answer: {exc}"
            if chain_value is not None:
                report.divergences.append(Divergence(table, key, expected, chain_value))
        report.seconds = time.perf_counter() - started
        return report

    def _plan(self, view: View, sample: int | None, rng: random.Random) -> list[_Check]:
        """The checks for every entry (or a sample), from one consistent read of the view."""
        s = view._s  # a friend of View: copy the keys, then prove the view was not stale
        keys: list[tuple[Kind, Any]] = []
        for kind in (
            Kind.POLICY, Kind.ROLE, Kind.TENANT, Kind.OPERATOR, Kind.QUOTA, Kind.POOL, Kind.LEASE,
            Kind.ACCOUNT, Kind.CLAIMABLE, Kind.ACTIVE_UNITS, Kind.ANCHOR,
        ):  # fmt: skip
            keys.extend((kind, key) for key in list(s.tables[kind]))
        # The new state tables hold only what differs from the contracts' defaults, so a mirror
        # that dropped an event has no entry to compare: check every key the chain could hold
        # one for (each grant; each provider, whether it runs pools, earned or named anyone).
        grants = set(s.operators) | set(s.operator_limits)
        keys.extend((Kind.OPERATOR_LIMITS, key) for key in sorted(grants))
        providers = (
            set(s.pools_by_provider) | set(s.claimable) | set(s.payouts) | set(s.pending_handovers)
        )
        for provider in sorted(providers):
            keys.append((Kind.PAYOUT, provider))
            keys.append((Kind.PENDING_HANDOVER, provider))
        # Roles: an account missing a role is absent from the table, so ask about each platform
        # role (and every role seen) for every account the mirror knows of.
        roles = {DEFAULT_ADMIN_ROLE, ADMIN_ROLE, PROVIDER_ROLE, MARKET_ROLE}
        roles.update(role for role, _ in s.roles)
        people = (
            {account for _, account in s.roles} | set(s.tenants_by_owner)
            | set(s.pools_by_provider) | {operator for _, operator in grants}
            | set(self.addresses.values())
        )  # fmt: skip
        keys.extend(
            (Kind.ROLE, (role, account))
            for role in sorted(roles)
            for account in sorted(people)
            if (role, account) not in s.roles
        )
        if sample is not None and sample < len(keys):
            keys = rng.sample(keys, sample)
        values = [(kind, key, _mirrored(s, kind, key)) for kind, key in keys]
        totals = (s.totals.free, s.totals.reserved, s.total_claimable)
        counts = (len(s.tenants), len(s.pools))
        if not view.fresh:
            raise StaleViewError(view.number, view.block_hash)
        checks = [self._check(kind, key, value) for kind, key, value in values]
        checks.append(self._counts(counts))
        checks.append(self._books(totals))
        return checks

    # ------------------------------------------------------------------------------- checks

    def _check(self, kind: Kind, key: Any, value: Any) -> _Check:
        table = kind.name.lower()
        if kind == Kind.TENANT:
            t: Tenant = value
            expected = (t.owner, int(t.status), t.created_at, t.metadata_uri, t.metadata_hash,
                        t.pending_owner)  # fmt: skip

            def tenant(r: list[tuple[Any, ...]]) -> Any:
                owner, status, created = r[0][0]
                uri, digest = r[1]
                chain = (to_checksum(owner), status, created, uri, digest, to_checksum(r[2][0]))
                return None if chain == expected else chain

            return (
                table, key, expected,
                [self._call("TenantRegistry", "tenant", key),
                 self._call("TenantRegistry", "metadata", key),
                 self._call("TenantRegistry", "pendingOwner", key)],
                tenant,
            )  # fmt: skip
        if kind == Kind.OPERATOR:
            return self._scalar(table, key, value, "TenantRegistry", "operatorExpiry", *key)
        if kind == Kind.QUOTA:
            return self._scalar(table, key, value, "TenantRegistry", "quota", *key)
        if kind == Kind.POLICY:
            return self._scalar(table, key, int(value), "TenantRegistry", "registrationPolicy")
        if kind == Kind.ROLE:
            return self._scalar(table, key, bool(value), "TenantRegistry", "hasRole", *key)
        if kind == Kind.POOL:
            p: Pool = value
            pool = (p.capacity, p.allocated, p.price_per_unit_second, p.min_duration,
                    p.max_duration, int(p.status), p.provider, p.resource_class)  # fmt: skip
            return self._struct(table, key, pool, "LeaseMarket", "pool", key, address_at=6)
        if kind == Kind.LEASE:
            x: Lease = value
            lease = (x.tenant_id, x.pool_id, x.units, x.start, x.end, int(x.status),
                     int(x.close_reason), x.price_per_unit_second, x.paid_until)  # fmt: skip
            return self._struct(table, key, lease, "LeaseMarket", "lease", key)
        if kind == Kind.ACCOUNT:
            a: Account = value
            expected_account = (a.free, a.reserved)

            def account(r: list[tuple[Any, ...]]) -> Any:
                return None if r[0] == expected_account else r[0]

            return (
                table,
                key,
                expected_account,
                [self._call("LeaseMarket", "account", key)],
                account,
            )
        if kind == Kind.OPERATOR_LIMITS:
            limits: OperatorLimits = value
            expected_limits = (limits.allowance, limits.max_duration)

            def operator_limits(r: list[tuple[Any, ...]]) -> Any:
                return None if r[0] == expected_limits else r[0]

            return (
                table,
                key,
                expected_limits,
                [self._call("LeaseMarket", "operatorLimits", *key)],
                operator_limits,
            )
        if kind == Kind.PAYOUT:
            return self._address(table, key, value, "payoutAddress")
        if kind == Kind.PENDING_HANDOVER:
            return self._address(table, key, value, "pendingProviderHandover")
        if kind == Kind.CLAIMABLE:
            return self._scalar(table, key, value, "LeaseMarket", "claimable", key)
        if kind == Kind.ACTIVE_UNITS:
            return self._scalar(table, key, value, "LeaseMarket", "activeUnits", *key)
        if kind == Kind.ANCHOR:
            r: Anchor = value
            anchor = (r.tenant_id, r.timestamp, r.block_number, r.revoked_at, r.count,
                      r.revoke_reason)  # fmt: skip
            return self._struct(table, key, anchor, "DataAnchor", "anchorOf", key)
        raise ValueError(f"no audit for {kind.name}")

    def _scalar(
        self, table: str, key: Any, expected: Any, contract: str, fn: str, *args: Any
    ) -> _Check:
        def compare(r: list[tuple[Any, ...]]) -> Any:
            return None if r[0][0] == expected else r[0][0]

        return table, key, expected, [self._call(contract, fn, *args)], compare

    def _address(self, table: str, key: str, expected: str, fn: str) -> _Check:
        def compare(r: list[tuple[Any, ...]]) -> Any:
            chain = to_checksum(r[0][0])
            return None if chain == expected else chain

        return table, key, expected, [self._call("LeaseMarket", fn, key)], compare

    def _struct(
        self,
        table: str,
        key: Any,
        expected: tuple[Any, ...],
        contract: str,
        fn: str,
        *args: Any,
        address_at: int = -1,
    ) -> _Check:
        def compare(r: list[tuple[Any, ...]]) -> Any:
            chain = tuple(r[0][0])
            if address_at >= 0:
                chain = (*chain[:address_at], to_checksum(chain[address_at]),
                         *chain[address_at + 1 :])  # fmt: skip
            return None if chain == expected else chain

        return table, key, expected, [self._call(contract, fn, *args)], compare

    def _counts(self, counts: tuple[int, int]) -> _Check:
        def compare(r: list[tuple[Any, ...]]) -> Any:
            chain = (r[0][0], r[1][0])
            return None if chain == counts else chain

        return (
            "counts", "(tenantCount, poolCount)", counts,
            [self._call("TenantRegistry", "tenantCount"), self._call("LeaseMarket", "poolCount")],
            compare,
        )  # fmt: skip

    def _books(self, totals: tuple[int, int, int]) -> _Check:
        """What the market holds of its asset covers its books (a surplus is not a divergence)."""
        expected = sum(totals)

        def compare(r: list[tuple[Any, ...]]) -> Any:
            return None if r[0][0] >= expected else r[0][0]

        market = self.addresses["LeaseMarket"]
        read: _Call
        if self.asset == ZERO_ADDRESS:
            held, read = "balance", (None, market, "")
        else:
            held, read = "token balance", (_BALANCE_OF, self.asset, _BALANCE_OF.data(market))
        return (
            "books", f"{held} >= Σ free + Σ reserved + Σ claimable", expected, [read], compare,
        )  # fmt: skip


_BALANCE_OF = _Function(
    "ERC20", "balanceOf", keccak256(b"balanceOf(address)")[:4], ("address",), ("uint256",)
)


def _mirrored(s: MirrorState, kind: Kind, key: Any) -> Any:
    """The mirror's value for one audited key, defaults filled in as the contracts' views do."""
    if kind == Kind.OPERATOR_LIMITS:
        return s.operator_limits.get(key) or OperatorLimits(UNLIMITED_ALLOWANCE, UNLIMITED_DURATION)
    if kind == Kind.PAYOUT:
        return s.payouts.get(key) or key
    if kind == Kind.PENDING_HANDOVER:
        return s.pending_handovers.get(key) or ZERO_ADDRESS
    return s.tables[kind].get(key)


def _fresh_view(state_or_view: MirrorState | View) -> View:
    return state_or_view.view() if isinstance(state_or_view, MirrorState) else state_or_view

"""``UsageLedger`` from Python: meter schedules, usage budgets, statements, disputes and payouts.

Metered usage is billed from a budget the tenant prepays into the ledger, by statements the pool's
provider (or its reporter) posts per period with the Merkle root of the raw metering records
behind them (see ``docs/usage.md``). Views return the dataclasses below; writes return a
:class:`~offchain.chain._contract.TxResult`. A revert raises :class:`UsageRevertError`, a
:class:`~offchain.exceptions.ContractRevertError` whose message adds what to do about it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from offchain.chain._contract import TxResult, _Bound, _with_created
from offchain.chain.decode import Decoder
from offchain.chain.decode import to_checksum as to_checksum_address
from offchain.chain.values import ZERO_ADDRESS
from offchain.exceptions import ContractRevertError, NoSignerError, UnknownStatementError

#: Most meters a schedule holds (``MAX_METERS``).
MAX_METERS = 4


class StatementStatus(IntEnum):
    """``IUsageLedger.StatementStatus``."""

    NONE = 0
    PENDING = 1
    ACCEPTED = 2
    DISPUTED = 3
    RESOLVED = 4
    WITHDRAWN = 5
    RETURNED = 6
    CLAIMED = 7


@dataclass(frozen=True, slots=True)
class Meter:
    """One meter of a schedule: its name, price per metered unit and ceiling per leased
    unit-second (0: none)."""

    name: str
    price_per_unit: int
    max_per_unit_second: int = 0


@dataclass(frozen=True, slots=True)
class Schedule:
    """A published meter schedule."""

    schedule_id: int
    pool_id: int
    dispute_window: int
    meters: tuple[Meter, ...]

    def index_of(self, name: str) -> int:
        """The position of the meter called ``name`` (ValueError when there is none)."""
        for index, meter in enumerate(self.meters):
            if meter.name == name:
                return index
        raise ValueError(name)


@dataclass(frozen=True, slots=True)
class Budget:
    """A lease's usage budget (``schedule_id`` 0: none opened)."""

    lease_id: int
    remaining: int
    billed_until: int
    schedule_id: int
    pool_id: int
    dispute_window: int

    @property
    def opened(self) -> bool:
        """Whether the lease has a budget."""
        return self.schedule_id != 0


@dataclass(frozen=True, slots=True)
class Statement:
    """A statement as the ledger stores it: what it holds and where it stands."""

    statement_id: int
    lease_id: int
    amount: int
    payable_at: int
    status: StatementStatus


@dataclass(frozen=True, slots=True)
class StatementInput:
    """What a provider posts for one lease and period (``IUsageLedger.StatementInput``)."""

    lease_id: int
    period_start: int
    period_end: int
    quantities: tuple[int, ...]
    records_root: bytes
    record_count: int

    def as_tuple(self) -> tuple[Any, ...]:
        """The ABI tuple."""
        return (
            self.lease_id,
            self.period_start,
            self.period_end,
            list(self.quantities),
            self.records_root,
            self.record_count,
        )


@dataclass(frozen=True, slots=True)
class PostedStatement:
    """A statement's ``StatementPosted`` event: its period, quantities and records root (kept in
    the event only, not in storage)."""

    statement_id: int
    lease_id: int
    period_start: int
    period_end: int
    quantities: tuple[int, ...]
    amount: int
    records_root: bytes
    record_count: int
    payable_at: int
    by: str
    tx_hash: str
    block_number: int


def meter_name(name: str | bytes) -> bytes:
    """A meter's ``bytes16`` name (``gpu.seconds``)."""
    raw = name.encode() if isinstance(name, str) else bytes(name)
    if not raw or len(raw) > 16:
        from offchain.exceptions import InvalidValueError

        raise InvalidValueError("meter name", name, "1 to 16 bytes, such as gpu.seconds")
    return raw.ljust(16, b"\x00")


def meter_text(raw: bytes) -> str:
    """A ``bytes16`` meter name as text."""
    return bytes(raw).rstrip(b"\x00").decode(errors="replace")


#: What to do about each of the ledger's errors (appended to the revert's message).
HINTS: dict[str, str] = {
    "UsagePeriodNotContiguous": "the period must start at expectedStart, where the lease's last "
    "statement ended: it overlaps or skips a billed period",
    "UsageBadPeriodEnd": "the period must end after its start, no later than now and than the "
    "lease's end (latestEnd)",
    "UsageReportingClosed": "statements could be posted until the lease's end plus 2 days",
    "UsageOverBudget": "the charge is above the budget's remaining funds: the tenant must top up "
    "the budget ('leasehold usage budget top-up') before this statement can be posted",
    "UsageAboveCeiling": "the quantity is above the meter's ceiling for the period",
    "UsageQuantitiesLength": "give one quantity per meter of the budget's schedule",
    "UsageWindowClosed": "the dispute window closed at payableAt: the statement can no longer be "
    "accepted or disputed",
    "UsageNotArbiter": "only an account with ARBITER_ROLE resolves disputes",
    "UsageBadStatus": "the statement's status does not allow this",
    "UsageNoBudget": "open the lease's budget first ('leasehold usage budget open')",
    "UsageBudgetExists": "the lease already has a budget: top it up instead",
    "UsageMeterPriceAboveMax": "a meter's price is above your --max-price",
    "UsageMaxPricesLength": "give one maximum price per meter of the pool's schedule",
    "UsagePoolNotMetered": "the pool's provider has published no meters",
    "UsageNotReporter": "only the pool's provider or the reporter it named posts statements",
    "UsageNotMember": "only the tenant's owner or an unexpired operator may do this",
    "UsageUnauthorized": "only the owner or an unexpired operator of the Active tenant may do this",
    "UsageNotTenantOwner": "only the tenant's owner may do this",
    "UsageSplitAboveAmount": "the provider's share cannot exceed what the statement holds",
    "UsageResolutionClosed": "the resolution deadline passed: only expireDispute remains",
    "UsageNotLower": "an amendment must lower the amount",
    "UsageNotPayable": "the statement is not payable yet",
}


class UsageRevertError(ContractRevertError):
    """A ``UsageLedger`` revert, with what to do about it in its message."""

    def __init__(self, found: ContractRevertError, hint: str) -> None:
        super().__init__(found.contract, found.function, found.error, found.arguments, found.data)
        self.hint = hint
        self.args = (f"{self.args[0]}: {hint}",)


class UsageClient(_Bound):
    """``UsageLedger``: schedules, budgets, statements, disputes, claims and refunds."""

    name = "UsageLedger"

    def _translate(self, function: str, exc: Exception) -> Exception:
        found = super()._translate(function, exc)
        if isinstance(found, ContractRevertError) and found.error in HINTS:
            return UsageRevertError(found, HINTS[found.error])
        return found

    # reads

    def market(self) -> str:
        """The LeaseMarket whose leases are metered."""
        return str(to_checksum_address(self._call("market")))

    def asset(self) -> str:
        """The payment asset: the zero address for native ETH, else the ERC-20."""
        return str(to_checksum_address(self._call("asset")))

    def current_schedule(self, pool_id: int) -> int:
        """The pool's current schedule id (0: none published)."""
        return int(self._call("currentSchedule", pool_id))

    def schedule(self, schedule_id: int) -> Schedule:
        """A schedule (no meters and pool 0 for an unknown id)."""
        pool_id, window, meters = self._call("schedule", schedule_id)
        return Schedule(
            schedule_id=schedule_id,
            pool_id=int(pool_id),
            dispute_window=int(window),
            meters=tuple(Meter(meter_text(n), int(p), int(c)) for n, p, c in meters),
        )

    def reporter(self, provider: str) -> str:
        """The address the provider named to post its statements (the zero address: none)."""
        return str(to_checksum_address(self._call("reporter", to_checksum_address(provider))))

    def budget(self, lease_id: int) -> Budget:
        """A lease's budget (``opened`` False when it has none)."""
        remaining, billed_until, schedule_id, pool_id, window = self._call("budget", lease_id)
        return Budget(
            lease_id=lease_id,
            remaining=int(remaining),
            billed_until=int(billed_until),
            schedule_id=int(schedule_id),
            pool_id=int(pool_id),
            dispute_window=int(window),
        )

    def statement(self, statement_id: int) -> Statement:
        """A statement.

        Raises:
            UnknownStatementError: no statement has this id.
        """
        lease_id, amount, payable_at, status = self._call("statement", statement_id)
        if int(status) == StatementStatus.NONE:
            raise UnknownStatementError(statement_id)
        return Statement(
            statement_id=statement_id,
            lease_id=int(lease_id),
            amount=int(amount),
            payable_at=int(payable_at),
            status=StatementStatus(int(status)),
        )

    def resolve_by(self, statement_id: int) -> int:
        """When a disputed statement's amount may be returned to its budget."""
        return int(self._call("resolveBy", statement_id))

    def posted(self, statement_id: int) -> PostedStatement:
        """A statement's ``StatementPosted`` event (its period, quantities and records root).

        Raises:
            UnknownStatementError: no statement has this id.
        """
        found = self._posted_logs(statement_id=statement_id)
        if not found:
            raise UnknownStatementError(statement_id)
        return found[0]

    def statements_of(self, lease_id: int) -> list[PostedStatement]:
        """Every statement posted for a lease, in order (from the ``StatementPosted`` logs)."""
        return self._posted_logs(lease_id=lease_id)

    def _posted_logs(
        self, *, statement_id: int | None = None, lease_id: int | None = None
    ) -> list[PostedStatement]:
        decoder = self._decoder or Decoder({self.name: self.address})
        topics: list[str | None] = ["0x" + decoder.spec(self.name, "StatementPosted").topic0.hex()]
        topics.append(None if statement_id is None else _topic(statement_id))
        if lease_id is not None:
            topics.append(_topic(lease_id))
        query = {"address": self.address, "fromBlock": 0, "toBlock": "latest", "topics": topics}
        try:
            logs = self.w3.eth.get_logs(query)  # type: ignore[arg-type]
        except Exception as exc:
            raise self._translate("StatementPosted", exc) from None
        found: list[PostedStatement] = []
        for log in logs:
            event = decoder.decode_args(
                self.address,
                ["0x" + bytes(t).hex() for t in log["topics"]],
                "0x" + bytes(log["data"]).hex(),
            )
            if event is None:
                continue
            args = event.as_dict()
            found.append(
                PostedStatement(
                    statement_id=int(args["statementId"]),
                    lease_id=int(args["leaseId"]),
                    period_start=int(args["periodStart"]),
                    period_end=int(args["periodEnd"]),
                    quantities=tuple(int(q) for q in args["quantities"]),
                    amount=int(args["amount"]),
                    records_root=bytes(args["recordsRoot"]),
                    record_count=int(args["recordCount"]),
                    payable_at=int(args["payableAt"]),
                    by=str(to_checksum_address(args["by"])),
                    tx_hash=_hex(log["transactionHash"]),
                    block_number=int(log["blockNumber"]),
                )
            )
        return sorted(found, key=lambda s: s.statement_id)

    # providers

    def publish_schedule(
        self, pool_id: int, dispute_window: int, meters: Sequence[Meter]
    ) -> TxResult:
        """Publish a pool's meter schedule (its provider); ``created`` is the schedule id. Budgets
        opened from now on lock it; open ones keep theirs."""
        result = self._send(
            "publishSchedule",
            pool_id,
            dispute_window,
            [meter_name(m.name) for m in meters],
            [m.price_per_unit for m in meters],
            [m.max_per_unit_second for m in meters],
        )
        return _with_created(result, "SchedulePublished", "scheduleId")

    def set_reporter(self, account: str) -> TxResult:
        """Name the address that may post the signer's statements (the zero address: none)."""
        return self._send("setReporter", to_checksum_address(account))

    def post_statement(self, statement: StatementInput) -> TxResult:
        """Post one statement (the pool's provider or its reporter); ``created`` is its id."""
        result = self._send("postStatement", statement.as_tuple())
        return _with_created(result, "StatementPosted", "statementId")

    def post_statements(self, statements: Sequence[StatementInput]) -> TxResult:
        """Post statements for many leases in one transaction (1 to 100; one failure reverts
        all); ``created`` is the first one's id."""
        result = self._send("postStatements", [s.as_tuple() for s in statements])
        return _with_created(result, "StatementPosted", "statementId")

    def amend_statement(self, statement_id: int, new_amount: int) -> TxResult:
        """Lower a statement (0: withdraw it); the difference returns to the budget."""
        return self._send("amendStatement", statement_id, new_amount)

    def claim(self, statement_ids: Sequence[int], provider: str | None = None) -> TxResult:
        """Pay payable statements to the provider's payout address (``None``: the signer)."""
        if provider is None:
            provider = self._signer_address("claim")
        return self._send("claim", to_checksum_address(provider), list(statement_ids))

    # tenants

    def max_prices(self, pool_id: int, limits: Mapping[str, int] | None = None) -> list[int]:
        """``maxPrices`` for a budget of the pool: the given limit per meter name, else the
        meter's current price.

        Raises:
            InvalidValueError: a limit names no meter of the pool's schedule.
        """
        meters = self.schedule(self.current_schedule(pool_id)).meters
        limits = dict(limits or {})
        unknown = sorted(set(limits) - {m.name for m in meters})
        if unknown:
            from offchain.exceptions import InvalidValueError

            names = ", ".join(m.name for m in meters) or "none"
            raise InvalidValueError("meter", unknown[0], f"a meter of pool {pool_id} ({names})")
        return [limits.get(m.name, m.price_per_unit) for m in meters]

    def open_budget(
        self, lease_id: int, amount: int, max_prices: Sequence[int] | None = None
    ) -> TxResult:
        """Open a lease's budget with ``amount`` (owner or operator; sends ETH, or approves the
        ERC-20 first). ``max_prices`` (one per meter) guards against a schedule raised meanwhile;
        ``None`` accepts the pool's current prices."""
        if max_prices is None:
            from offchain.chain.market import MarketClient

            market = MarketClient(self.w3, self.market(), None)
            max_prices = self.max_prices(market.lease(lease_id).pool_id)
        return self._pay("openBudget", amount, lease_id, amount, list(max_prices))

    def fund_budget(self, lease_id: int, amount: int) -> TxResult:
        """Top up an open budget while its lease runs (owner or operator)."""
        return self._pay("fundBudget", amount, lease_id, amount)

    def accept(self, statement_id: int) -> TxResult:
        """Accept a Pending statement before its window ends: payable at once."""
        return self._send("acceptStatement", statement_id)

    def dispute(self, statement_id: int, reason_hash: bytes) -> TxResult:
        """Dispute a Pending statement before its window ends (reason hash non-zero)."""
        return self._send("disputeStatement", statement_id, reason_hash)

    def refund(self, lease_id: int, to: str) -> TxResult:
        """Send an ended lease's leftover budget to ``to`` (the tenant's owner)."""
        return self._send("refundBudget", lease_id, to_checksum_address(to))

    # disputes

    def resolve(self, statement_id: int, to_provider: int) -> TxResult:
        """Split a disputed amount: ``to_provider`` stays payable, the rest returns to the budget
        (ARBITER_ROLE)."""
        return self._send("resolveDispute", statement_id, to_provider)

    def expire_dispute(self, statement_id: int) -> TxResult:
        """Return a dispute past its resolution deadline to the budget (anyone)."""
        return self._send("expireDispute", statement_id)

    # helpers

    def _pay(self, function: str, amount: int, *args: Any) -> TxResult:
        asset = self.asset()
        if asset == ZERO_ADDRESS:
            return self._send(function, *args, value=amount)
        from offchain.chain.market import _Erc20

        owner = self._signer_address(function)
        token = _Erc20(self.w3, asset, self._signer)
        token.tx_timeout = self.tx_timeout
        if int(token._call("allowance", owner, self.address)) < amount:
            token._send("approve", self.address, amount)
        return self._send(function, *args)

    def _signer_address(self, function: str) -> str:
        signer = self._signer
        if signer is None:
            raise NoSignerError(f"{self.name}.{function}")
        return str(to_checksum_address(signer if isinstance(signer, str) else signer.address))


def _hex(value: Any) -> str:
    """A hash as 0x-hex, whether the node's library gave bytes or text."""
    if isinstance(value, str):
        return value if value.startswith("0x") else "0x" + value
    return "0x" + bytes(value).hex()


def _topic(number: int) -> str:
    return "0x" + number.to_bytes(32, "big").hex()


__all__ = [
    "HINTS",
    "MAX_METERS",
    "Budget",
    "Meter",
    "PostedStatement",
    "Schedule",
    "Statement",
    "StatementInput",
    "StatementStatus",
    "UsageClient",
    "UsageRevertError",
    "meter_name",
    "meter_text",
]

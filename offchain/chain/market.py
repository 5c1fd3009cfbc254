"""``LeaseMarket`` from Python: escrow, pools, leases and provider earnings, paid in native ETH or
an ERC-20 (approved before a deposit when needed).

Views return the mirror's :class:`~offchain.mirror.state.Pool` and
:class:`~offchain.mirror.state.Lease`, and :data:`Escrow` (the mirror's ``Account``), so chain and
mirror reads compare equal.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from offchain.chain._contract import Signer, TxResult, _Bound, _with_created
from offchain.chain.decode import Decoder
from offchain.chain.decode import to_checksum as to_checksum_address
from offchain.chain.values import UNLIMITED_ALLOWANCE, UNLIMITED_DURATION, ZERO_ADDRESS
from offchain.exceptions import NoSignerError, UnknownLeaseError, UnknownPoolError
from offchain.mirror.entities import Account as Escrow
from offchain.mirror.entities import (
    CloseReason,
    Lease,
    LeaseStatus,
    OperatorLimits,
    Pool,
    PoolStatus,
)

if TYPE_CHECKING:
    from eth_typing import ChecksumAddress
    from web3 import Web3

    from offchain.chain.light import LightWeb3


@dataclass(frozen=True, slots=True)
class Remaining:
    """What is left of a lease."""

    seconds_left: int
    unaccrued: int


#: The ERC-20 functions the client (and the ape scripts) use on a market's payment token.
ERC20_ABI: list[dict[str, Any]] = [
    {
        "type": "function",
        "name": "approve",
        "stateMutability": "nonpayable",
        "inputs": [{"name": "spender", "type": "address"}, {"name": "amount", "type": "uint256"}],
        "outputs": [{"name": "", "type": "bool"}],
    },
    {
        "type": "function",
        "name": "allowance",
        "stateMutability": "view",
        "inputs": [{"name": "owner", "type": "address"}, {"name": "spender", "type": "address"}],
        "outputs": [{"name": "", "type": "uint256"}],
    },
    {
        "type": "function",
        "name": "symbol",
        "stateMutability": "view",
        "inputs": [],
        "outputs": [{"name": "", "type": "string"}],
    },
]


class MarketClient(_Bound):
    """``LeaseMarket``: escrow, pools, leases and provider earnings."""

    name = "LeaseMarket"

    # reads

    def asset(self) -> str:
        """The payment asset: the zero address for native ETH, else the ERC-20."""
        return str(to_checksum_address(self._call("asset")))

    def asset_symbol(self) -> str:
        """``ETH`` for native ETH, else the ERC-20's ``symbol()``."""
        asset = self.asset()
        if asset == ZERO_ADDRESS:
            return "ETH"
        return str(_Erc20(self.w3, asset, None)._call("symbol"))

    def registry(self) -> str:
        """The registry consulted for authorization, quotas and roles."""
        return str(to_checksum_address(self._call("registry")))

    def max_batch(self) -> int:
        """Most lease ids ``claim`` and ``reclaim`` take in one call."""
        return int(self._call("MAX_BATCH"))

    def max_price_changes(self) -> int:
        """Most price changes one pool may have over its life."""
        return int(self._call("MAX_PRICE_CHANGES"))

    def pool_count(self) -> int:
        """Number of pools created (the highest pool id)."""
        return int(self._call("poolCount"))

    def pool(self, pool_id: int) -> Pool:
        """A pool.

        Raises:
            UnknownPoolError: no pool has this id.
        """
        raw = self._call("pool", pool_id)
        capacity, allocated, price, min_d, max_d, status, provider, rclass = raw
        if status == PoolStatus.NONE:
            raise UnknownPoolError(pool_id)
        return Pool(
            pool_id=pool_id,
            provider=to_checksum_address(provider),
            resource_class=bytes(rclass),
            capacity=int(capacity),
            allocated=int(allocated),
            price_per_unit_second=int(price),
            min_duration=int(min_d),
            max_duration=int(max_d),
            status=PoolStatus(status),
        )

    def pools(self) -> list[Pool]:
        """Every pool, by id (one call per pool)."""
        return [self.pool(i) for i in range(1, self.pool_count() + 1)]

    def lease(self, lease_id: int) -> Lease:
        """A lease.

        Raises:
            UnknownLeaseError: no lease has this id.
        """
        raw = self._call("lease", lease_id)
        tenant_id, pool_id, units, start, end, status, reason, price, paid_until = raw
        if status == LeaseStatus.NONE:
            raise UnknownLeaseError(lease_id)
        return Lease(
            lease_id=lease_id,
            tenant_id=int(tenant_id),
            pool_id=int(pool_id),
            units=int(units),
            start=int(start),
            end=int(end),
            status=LeaseStatus(status),
            close_reason=CloseReason(reason),
            price_per_unit_second=int(price),
            paid_until=int(paid_until),
        )

    def escrow(self, tenant_id: int) -> Escrow:
        """A tenant's free and reserved escrow."""
        free, reserved = self._call("account", tenant_id)
        return Escrow(free=int(free), reserved=int(reserved))

    def claimable(self, provider: str) -> int:
        """What a provider can claim now without settling more leases."""
        return int(self._call("claimable", to_checksum_address(provider)))

    def active_units(self, tenant_id: int, resource_class: bytes) -> int:
        """Units a tenant holds in running leases of a class."""
        return int(self._call("activeUnits", tenant_id, resource_class))

    def remaining(self, lease_id: int) -> Remaining:
        """Seconds left and the amount not yet accrued to the provider."""
        seconds, unaccrued = self._call("leaseRemaining", lease_id)
        return Remaining(seconds_left=int(seconds), unaccrued=int(unaccrued))

    def accrued(self, lease_id: int) -> int:
        """Amount accrued to the provider and not yet settled."""
        return int(self._call("accrued", lease_id))

    def payout_address(self, provider: str) -> str:
        """Where the provider's earnings are paid (the provider itself when it named none)."""
        return str(to_checksum_address(self._call("payoutAddress", to_checksum_address(provider))))

    def pending_provider_handover(self, provider: str) -> str:
        """The address the provider proposed to hand its pools to (the zero address: none)."""
        found = self._call("pendingProviderHandover", to_checksum_address(provider))
        return str(to_checksum_address(found))

    def operator_limits(self, tenant_id: int, operator: str) -> OperatorLimits:
        """An operator's remaining allowance and longest lease as they stand for the tenant's
        current owner (both unlimited when that owner set none, and for the owner itself)."""
        allowance, max_duration = self._call(
            "operatorLimits", tenant_id, to_checksum_address(operator)
        )
        return OperatorLimits(allowance=int(allowance), max_duration=int(max_duration))

    def lease_opener(self, lease_id: int) -> str:
        """The account that opened the lease, from its ``LeaseOpened`` log (the contract keeps no
        view of it; one ``eth_getLogs`` filtered by the indexed lease id).

        Raises:
            UnknownLeaseError: no lease has this id.
        """
        decoder = self._decoder or Decoder({self.name: self.address})
        topic0 = "0x" + decoder.spec(self.name, "LeaseOpened").topic0.hex()
        topic1 = "0x" + lease_id.to_bytes(32, "big").hex()
        try:
            logs = self.w3.eth.get_logs(
                {
                    "address": self.address,
                    "fromBlock": 0,
                    "toBlock": "latest",
                    "topics": [topic0, topic1],
                }
            )
        except Exception as exc:
            raise self._translate("LeaseOpened", exc) from None
        for log in logs:
            event = decoder.decode_args(
                self.address,
                ["0x" + bytes(t).hex() for t in log["topics"]],
                "0x" + bytes(log["data"]).hex(),
            )
            if event is not None:
                return str(to_checksum_address(event.as_dict()["openedBy"]))
        raise UnknownLeaseError(lease_id)

    def lease_ids_of(self, tenant_id: int, to_block: int | str = "latest") -> list[int]:
        """The ids of every lease opened for a tenant up to ``to_block``, in order (from the
        ``LeaseOpened`` logs, filtered by the indexed tenant id: the contract keeps no list)."""
        decoder = self._decoder or Decoder({self.name: self.address})
        topic0 = "0x" + decoder.spec(self.name, "LeaseOpened").topic0.hex()
        topic2 = "0x" + tenant_id.to_bytes(32, "big").hex()
        query = {
            "address": self.address,
            "fromBlock": 0,
            "toBlock": to_block,
            "topics": [topic0, None, topic2],
        }
        try:
            logs = self.w3.eth.get_logs(query)  # type: ignore[arg-type]
        except Exception as exc:
            raise self._translate("LeaseOpened", exc) from None
        return sorted({int.from_bytes(bytes(log["topics"][1]), "big") for log in logs})

    # writes

    def deposit(self, tenant_id: int, amount: int) -> TxResult:
        """Credit a tenant's free escrow: sends ETH, or approves the ERC-20 first when needed."""
        asset = self.asset()
        if asset == ZERO_ADDRESS:
            return self._send("deposit", tenant_id, amount, value=amount)
        self._approve_token(asset, amount)
        return self._send("deposit", tenant_id, amount)

    def _approve_token(self, asset: str, amount: int) -> None:
        signer = self._signer
        if signer is None:
            raise NoSignerError(f"{self.name}.deposit")
        owner = to_checksum_address(signer if isinstance(signer, str) else signer.address)
        token = _Erc20(self.w3, asset, signer)
        token.tx_timeout = self.tx_timeout
        if int(token._call("allowance", owner, self.address)) < amount:
            token._send("approve", self.address, amount)

    def withdraw(self, tenant_id: int, amount: int, to: str) -> TxResult:
        """Send free escrow to ``to`` (the tenant's owner)."""
        return self._send("withdraw", tenant_id, amount, to_checksum_address(to))

    def set_operator_limits(
        self,
        tenant_id: int,
        operator: str,
        allowance: int = UNLIMITED_ALLOWANCE,
        max_duration: int = UNLIMITED_DURATION,
    ) -> TxResult:
        """Set an operator's limits (the tenant's owner): the escrow it may still reserve through
        opens and extends and its longest lease (defaults: no limit). Replaces any set before; an
        ownership transfer lapses them. Set them before granting the operator in the registry."""
        return self._send(
            "setOperatorLimits", tenant_id, to_checksum_address(operator), allowance, max_duration
        )

    def create_pool(
        self,
        resource_class: bytes,
        capacity: int,
        price_per_unit_second: int,
        min_duration: int,
        max_duration: int,
    ) -> TxResult:
        """Create a pool owned by the signer (PROVIDER_ROLE); ``created`` is its id."""
        result = self._send(
            "createPool",
            resource_class,
            capacity,
            price_per_unit_second,
            min_duration,
            max_duration,
        )
        return _with_created(result, "PoolCreated", "poolId")

    def set_pool_capacity(self, pool_id: int, capacity: int) -> TxResult:
        """Change a pool's capacity (its provider)."""
        return self._send("setPoolCapacity", pool_id, capacity)

    def set_pool_price(self, pool_id: int, price_per_unit_second: int) -> TxResult:
        """Change the price for new leases (its provider)."""
        return self._send("setPoolPrice", pool_id, price_per_unit_second)

    def pause_pool(self, pool_id: int) -> TxResult:
        """Stop new leases (its provider)."""
        return self._send("pausePool", pool_id)

    def unpause_pool(self, pool_id: int) -> TxResult:
        """Allow new leases again (its provider)."""
        return self._send("unpausePool", pool_id)

    def retire_pool(self, pool_id: int) -> TxResult:
        """Retire a pool for good (its provider)."""
        return self._send("retirePool", pool_id)

    def open_lease(
        self,
        tenant_id: int,
        pool_id: int,
        units: int,
        duration: int,
        max_price: int | None = None,
    ) -> TxResult:
        """Open a lease paid from escrow (owner or operator); ``created`` is its id.

        Args:
            max_price: the most accepted per unit-second; ``None`` reads the pool's price just
                before sending and accepts exactly that (a raise in between reverts
                ``LeasePriceAboveMax``).
        """
        if max_price is None:
            max_price = self.pool(pool_id).price_per_unit_second
        result = self._send("openLease", tenant_id, pool_id, units, duration, max_price)
        return _with_created(result, "LeaseOpened", "leaseId")

    def extend_lease(
        self, lease_id: int, additional: int, max_price: int | None = None
    ) -> TxResult:
        """Extend a running lease by ``additional`` seconds at its locked price (owner or
        operator); ``max_price`` ``None`` accepts that locked price."""
        if max_price is None:
            max_price = self.lease(lease_id).price_per_unit_second
        return self._send("extendLease", lease_id, additional, max_price)

    def release_lease(self, lease_id: int) -> TxResult:
        """End a running lease early (owner or operator)."""
        return self._send("releaseLease", lease_id)

    def reclaim(self, lease_ids: Sequence[int]) -> TxResult:
        """Close expired leases or leases of closed tenants (anyone; at most 100)."""
        return self._send("reclaim", list(lease_ids))

    def terminate_lease(self, lease_id: int, reason_code: int = 0) -> TxResult:
        """End a lease as its pool's provider or a platform admin."""
        return self._send("terminateLease", lease_id, reason_code)

    def claim(self, lease_ids: Sequence[int] = (), provider: str | None = None) -> TxResult:
        """Settle the given leases of ``provider``'s pools and pay everything it can claim to its
        payout address (the provider or its payout address signs; ``None``: the signer)."""
        if provider is None:
            signer = self._signer
            if signer is None:
                raise NoSignerError(f"{self.name}.claim")
            provider = signer if isinstance(signer, str) else signer.address
        return self._send("claim", to_checksum_address(provider), list(lease_ids))

    def set_payout_address(self, payout: str) -> TxResult:
        """Name the address the signer's earnings are paid to (zero address: itself; a provider)."""
        return self._send("setPayoutAddress", to_checksum_address(payout))

    def propose_provider_handover(self, new_provider: str) -> TxResult:
        """Propose to hand every pool of the signer, with its earnings, to ``new_provider`` (zero
        address: cancel)."""
        return self._send("proposeProviderHandover", to_checksum_address(new_provider))

    def accept_provider_handover(self, previous_provider: str) -> TxResult:
        """Take every pool of ``previous_provider`` (the proposed address, with PROVIDER_ROLE)."""
        return self._send("acceptProviderHandover", to_checksum_address(previous_provider))


class _Erc20(_Bound):
    """Just enough ERC-20 to approve the market before a deposit and to name the asset."""

    name = "ERC20"

    def __init__(self, w3: Web3 | LightWeb3, address: str, signer: Signer | None) -> None:
        self.w3 = w3
        self.address = cast("ChecksumAddress", to_checksum_address(address))
        self.contract = w3.eth.contract(address=self.address, abi=ERC20_ABI)
        self._decoder = None
        self._signer = signer


__all__ = ["ERC20_ABI", "Escrow", "MarketClient", "OperatorLimits", "Remaining"]

"""What the three contract clients share: a deployed contract bound to a ``Web3`` and an optional
signer, reads with reverts translated, writes signed and waited for, and their results.

A call or transaction that reverts raises :class:`~offchain.exceptions.ContractRevertError` with
the decoded custom error (:mod:`offchain.chain.errors`); a node that does not answer raises
:class:`~offchain.exceptions.ChainUnavailableError`. A mined transaction becomes a
:class:`TxResult` whose events are decoded by the mirror's decoder (:mod:`offchain.chain.decode`).
Before anything is sent, integer arguments are checked against their ABI types
(:class:`~offchain.exceptions.ValueOutOfRangeError`); a sender that cannot pay raises
:class:`~offchain.exceptions.InsufficientFundsError`, and a transaction not mined within
``tx_timeout`` seconds :class:`~offchain.exceptions.TransactionPendingError` (with its hash).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, cast

from offchain.chain.abi import check_arguments, load_abi
from offchain.chain.decode import Decoder
from offchain.chain.decode import to_checksum as to_checksum_address
from offchain.chain.light import LightWeb3
from offchain.exceptions import (
    ChainUnavailableError,
    ContractRevertError,
    InsufficientFundsError,
    NoSignerError,
    TransactionFailedError,
    TransactionPendingError,
)

if TYPE_CHECKING:
    from eth_typing import ChecksumAddress
    from web3 import Web3

#: How long a write waits for its receipt by default (web3.py's default too).
DEFAULT_TX_TIMEOUT = 120.0

# ----------------------------------------------------------------------------------- signing


class _Signer(Protocol):
    """What ``eth_account``'s ``LocalAccount`` offers that the client uses."""

    @property
    def address(self) -> Any: ...

    def sign_transaction(self, transaction_dict: Any) -> Any: ...


Signer = _Signer | str
"""A local account that signs (any network), or the address of a node-unlocked account (Anvil)."""


# ----------------------------------------------------------------------------------- results


@dataclass(frozen=True, slots=True)
class JournalHead:
    """A contract's journal: the last sequence number and the rolling head (24 bytes)."""

    seq: int
    head: bytes


@dataclass(frozen=True, slots=True)
class EventLog:
    """One event of a transaction, decoded with this deployment's ABIs."""

    contract: str
    name: str
    args: Mapping[str, Any]
    log_index: int


@dataclass(frozen=True, slots=True)
class TxResult:
    """A mined, successful transaction.

    ``created`` is the id the transaction created (tenant, pool or lease; read from its event,
    since return values are not part of a receipt), or None.
    """

    tx_hash: str
    block_number: int
    gas_used: int
    events: tuple[EventLog, ...]
    created: int | None = None

    def event(self, name: str) -> EventLog:
        """The first event called ``name``.

        Raises:
            KeyError: the transaction emitted no such event.
        """
        for log in self.events:
            if log.name == name:
                return log
        raise KeyError(name)


# ---------------------------------------------------------------------------- contract base


class _Bound:
    """One deployed contract: calls, transactions and event decoding with error translation.

    Over a :class:`~offchain.chain.light.LightWeb3` it only reads (it has no signer)."""

    name: str = ""
    #: Seconds a write waits for its receipt before raising TransactionPendingError.
    tx_timeout: float = DEFAULT_TX_TIMEOUT

    def __init__(
        self,
        w3: Web3 | LightWeb3,
        address: str,
        signer: Signer | None,
        decoder: Decoder | None = None,
    ) -> None:
        if signer is not None and isinstance(w3, LightWeb3):
            raise TypeError("a LightWeb3 only reads: a client that signs needs a Web3")
        self.w3 = w3
        self.address = cast("ChecksumAddress", to_checksum_address(address))
        self.contract: Any = w3.eth.contract(address=self.address, abi=load_abi(self.name))
        self._decoder: Decoder | None = decoder or Decoder({self.name: self.address})
        self._signer = signer

    def _call(self, function: str, *args: Any) -> Any:
        check_arguments(self.contract.abi, f"{self.name}.{function}", function, args)
        try:
            return self.contract.functions[function](*args).call()
        except Exception as exc:
            raise self._translate(function, exc) from None

    def _translate(self, function: str, exc: Exception) -> Exception:
        from offchain.chain.errors import (
            _is_revert,
            _revert_data,
            decode_revert,
            is_connection_error,
        )

        if _is_revert(exc):
            data = _revert_data(exc)
            if data is not None:
                return decode_revert(self.name, function, data)
        if is_connection_error(exc):
            return ChainUnavailableError(_endpoint(self.w3))
        return exc

    def _send(self, function: str, *args: Any, value: int = 0) -> TxResult:
        signer = self._signer
        if signer is None:
            raise NoSignerError(f"{self.name}.{function}")
        w3 = cast("Web3", self.w3)  # a client with a signer holds a Web3 (see __init__)
        sender = cast(
            "ChecksumAddress",
            to_checksum_address(signer if isinstance(signer, str) else signer.address),
        )
        check_arguments(self.contract.abi, f"{self.name}.{function}", function, args, value)
        call = self.contract.functions[function](*args)
        params: Any = {"from": sender, "value": value}
        try:
            if isinstance(signer, str):
                tx_hash = call.transact(params)
            else:
                params["nonce"] = w3.eth.get_transaction_count(sender, "pending")
                tx = call.build_transaction(params)
                signed = signer.sign_transaction(tx)
                tx_hash = w3.eth.send_raw_transaction(signed.raw_transaction)
        except Exception as exc:
            if _is_insufficient_funds(exc):
                has = int(w3.eth.get_balance(sender))
                where = f"{self.name}.{function}"
                raise InsufficientFundsError(sender, has, value, where) from None
            raise self._translate(function, exc) from None
        receipt = self._wait(function, tx_hash)
        if receipt["status"] != 1:
            raise self._explain_failure(function, call, params, receipt)
        return TxResult(
            tx_hash="0x" + bytes(receipt["transactionHash"]).hex(),
            block_number=int(receipt["blockNumber"]),
            gas_used=int(receipt["gasUsed"]),
            events=tuple(self._decode_logs(receipt["logs"])),
        )

    def _wait(self, function: str, tx_hash: Any) -> Any:
        from web3.exceptions import TimeExhausted

        try:
            w3 = cast("Web3", self.w3)  # only writes wait, and a client that writes holds a Web3
            return w3.eth.wait_for_transaction_receipt(tx_hash, timeout=self.tx_timeout)
        except TimeExhausted:
            raise TransactionPendingError(
                "0x" + bytes(tx_hash).hex(),
                f"{self.name}.{function}",
                self.tx_timeout,
                _endpoint(self.w3),
            ) from None
        except Exception as exc:
            raise self._translate(function, exc) from None

    def _explain_failure(
        self, function: str, call: Any, params: dict[str, Any], receipt: Mapping[str, Any]
    ) -> Exception:
        """Replay a failed transaction as a call at its block to recover the revert data."""
        tx_hash = "0x" + bytes(receipt["transactionHash"]).hex()
        replay = {k: v for k, v in params.items() if k in ("from", "value")}
        try:
            call.call(replay, block_identifier=int(receipt["blockNumber"]) - 1)
        except Exception as exc:
            translated = self._translate(function, exc)
            if isinstance(translated, ContractRevertError):
                return translated
        return TransactionFailedError(tx_hash, f"{self.name}.{function}")

    def _decode_logs(self, logs: Sequence[Mapping[str, Any]]) -> Iterator[EventLog]:
        """This contract's events, decoded by the mirror's decoder
        (:mod:`offchain.chain.decode`)."""
        if self._decoder is None:
            return
        from offchain.chain.errors import _normalize

        for log in logs:
            if to_checksum_address(log["address"]) != self.address or not log["topics"]:
                continue
            event = self._decoder.decode_args(
                self.address,
                ["0x" + bytes(t).hex() for t in log["topics"]],
                "0x" + bytes(log["data"]).hex(),
            )
            if event is None:
                continue
            args = {name: _normalize(value, None) for name, value in event.as_dict().items()}
            yield EventLog(
                contract=self.name,
                name=event.name,
                args=args,
                log_index=int(log["logIndex"]),
            )

    def journal(self) -> JournalHead:
        """The contract's journal: last sequence number and head."""
        seq, head = self._call("journal")
        return JournalHead(seq=int(seq), head=bytes(head))


def _is_insufficient_funds(exc: BaseException) -> bool:
    """Whether the node refused a transaction its sender cannot pay for (Anvil, Geth)."""
    return "insufficient funds" in str(exc).lower()


def _endpoint(w3: Web3 | LightWeb3) -> str:
    return str(getattr(w3.provider, "endpoint_uri", None) or type(w3.provider).__name__)


def _with_created(result: TxResult, event: str, field: str) -> TxResult:
    return TxResult(
        tx_hash=result.tx_hash,
        block_number=result.block_number,
        gas_used=result.gas_used,
        events=result.events,
        created=int(result.event(event).args[field]),
    )


__all__ = ["EventLog", "JournalHead", "Signer", "TxResult"]

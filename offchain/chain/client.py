"""A typed web3.py client for the three Leasehold contracts.

Built from the deployment manifest and the ABIs shipped in ``offchain/chain/abi/``; needs only
web3.py at run time. Every view returns a dataclass (the mirror's entity classes from
:mod:`offchain.mirror.state`, so a chain read and a mirror read of the same thing compare equal),
every write returns a :class:`TxResult`, and every revert raises
:class:`~offchain.exceptions.ContractRevertError` carrying the decoded custom error (name and
arguments) instead of raw revert data::

    from web3 import Web3
    from offchain.chain.client import LeaseholdClient

    w3 = Web3(Web3.HTTPProvider("http://127.0.0.1:8545"))
    client = LeaseholdClient.from_manifest(w3, "deployments/31337.json")
    print(client.registry.tenant(1))

Writes sign locally with an ``eth_account`` ``LocalAccount`` (any network), or send through the
node's unlocked accounts when given a plain address (Anvil): ``client.using(account)``.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from enum import IntEnum
from functools import cache
from pathlib import Path
from typing import Any, Protocol

from eth_abi.abi import decode as abi_decode
from eth_hash.auto import keccak
from eth_utils.address import to_checksum_address
from web3 import Web3
from web3.exceptions import ContractLogicError
from web3.types import RPCEndpoint

from offchain.chain.abi import CONTRACTS, load_abi
from offchain.chain.decode import Decoder, canonical_type
from offchain.chain.manifest import Manifest, check_chain, load_manifest, parse_manifest
from offchain.exceptions import (
    ChainUnavailableError,
    ContractRevertError,
    InvalidValueError,
    NoSignerError,
    TransactionFailedError,
    UnknownAnchorError,
    UnknownLeaseError,
    UnknownPoolError,
    UnknownTenantError,
)
from offchain.mirror.state import Account as Escrow
from offchain.mirror.state import Anchor as AnchorRecord
from offchain.mirror.state import (
    CloseReason,
    Lease,
    LeaseStatus,
    Pool,
    PoolStatus,
    RegistrationPolicy,
    Tenant,
    TenantStatus,
)

ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
ADMIN_ROLE = keccak(b"leasehold.role.admin")
PROVIDER_ROLE = keccak(b"leasehold.role.provider")
DEFAULT_ADMIN_ROLE = bytes(32)

# Selectors of Solidity's built-in errors: `revert("...")`/`require` and `Panic(uint256)`.
_ERROR_STRING = bytes.fromhex("08c379a0")
_PANIC = bytes.fromhex("4e487b71")


# ------------------------------------------------------------------------------------ enums


_ENUMS: dict[str, type[IntEnum]] = {
    "enum TenantStatus": TenantStatus,
    "enum RegistrationPolicy": RegistrationPolicy,
    "enum PoolStatus": PoolStatus,
    "enum LeaseStatus": LeaseStatus,
    "enum CloseReason": CloseReason,
}


# ------------------------------------------------------------------------------ value helpers


def resource_class(name: str) -> bytes:
    """Encode a resource class name as Solidity's ``bytes32("gpu.h100")`` (left-aligned, padded).

    Raises:
        InvalidValueError: the name is empty or longer than 32 bytes.
    """
    raw = name.encode()
    if not 0 < len(raw) <= 32:
        raise InvalidValueError("resource class", name, "1 to 32 bytes of text, e.g. gpu.h100")
    return raw.ljust(32, b"\0")


def resource_class_name(value: bytes) -> str:
    """The text of a ``bytes32`` resource class, or its hex when it is not printable text."""
    text = value.rstrip(b"\0")
    try:
        decoded = text.decode()
    except UnicodeDecodeError:
        return "0x" + value.hex()
    return decoded if decoded.isprintable() and b"\0" not in text else "0x" + value.hex()


def parse_bytes32(text: str, what: str = "digest") -> bytes:
    """Parse ``0x`` + 64 hex digits (the prefix is optional).

    Raises:
        InvalidValueError: anything else.
    """
    body = text[2:] if text[:2].lower() == "0x" else text
    if len(body) != 64:
        raise InvalidValueError(what, text, "0x followed by 64 hex digits")
    try:
        return bytes.fromhex(body)
    except ValueError:
        raise InvalidValueError(what, text, "0x followed by 64 hex digits") from None


def parse_address(text: str, what: str = "address") -> str:
    """Parse and checksum an address.

    Raises:
        InvalidValueError: not 20 bytes of hex.
    """
    body = text[2:] if text[:2].lower() == "0x" else text
    if len(body) != 40:
        raise InvalidValueError(what, text, "0x followed by 40 hex digits")
    try:
        bytes.fromhex(body)
    except ValueError:
        raise InvalidValueError(what, text, "0x followed by 40 hex digits") from None
    return str(to_checksum_address("0x" + body))


def hex32(value: bytes) -> str:
    """``0x``-prefixed hex of a 32-byte value."""
    return "0x" + value.hex()


# ---------------------------------------------------------------------------------- records


@dataclass(frozen=True, slots=True)
class Authorization:
    """Whether an account may act for a tenant, and the tenant's quota for one class."""

    authorized: bool
    max_units: int


@dataclass(frozen=True, slots=True)
class PendingAdmin:
    """A started transfer of DEFAULT_ADMIN_ROLE."""

    new_admin: str
    accept_after: int


@dataclass(frozen=True, slots=True)
class PendingDelay:
    """A scheduled change of the default-admin transfer delay (zeros: none)."""

    new_delay: int
    effective_at: int


@dataclass(frozen=True, slots=True)
class JournalHead:
    """A contract's journal: the last sequence number and the rolling head (24 bytes)."""

    seq: int
    head: bytes


@dataclass(frozen=True, slots=True)
class Inclusion:
    """The contract's answer to ``verifyInclusion``."""

    anchored: bool
    tenant_id: int
    timestamp: int
    revoked_at: int


@dataclass(frozen=True, slots=True)
class Remaining:
    """What is left of a lease."""

    seconds_left: int
    unaccrued: int


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


# ------------------------------------------------------------------------------- addresses


@dataclass(frozen=True, slots=True)
class Addresses:
    """Where the three contracts live."""

    registry: str
    anchor: str
    market: str

    def by_contract(self) -> dict[str, str]:
        """Address of each of :data:`offchain.chain.abi.CONTRACTS`."""
        return {
            "TenantRegistry": self.registry,
            "DataAnchor": self.anchor,
            "LeaseMarket": self.market,
        }

    @classmethod
    def of(cls, manifest: Manifest) -> Addresses:
        """The addresses a deployment manifest records."""
        found = manifest.addresses
        return cls(
            registry=to_checksum_address(found["TenantRegistry"]),
            anchor=to_checksum_address(found["DataAnchor"]),
            market=to_checksum_address(found["LeaseMarket"]),
        )


# --------------------------------------------------------------------------- error decoding


@dataclass(frozen=True, slots=True)
class _ErrorAbi:
    name: str
    names: tuple[str, ...]
    types: tuple[str, ...]
    enums: tuple[type[IntEnum] | None, ...]


@cache
def error_table() -> dict[bytes, _ErrorAbi]:
    """Selector → error of every custom error in the three ABIs (OpenZeppelin's included)."""
    table: dict[bytes, _ErrorAbi] = {}
    for contract in CONTRACTS:
        for item in load_abi(contract):
            if item.get("type") != "error":
                continue
            inputs = item.get("inputs", [])
            types = tuple(canonical_type(i) for i in inputs)
            selector = keccak(f"{item['name']}({','.join(types)})".encode())[:4]
            table[selector] = _ErrorAbi(
                name=str(item["name"]),
                names=tuple(str(i["name"]) or f"arg{n}" for n, i in enumerate(inputs)),
                types=types,
                enums=tuple(_ENUMS.get(str(i.get("internalType", ""))) for i in inputs),
            )
    return table


def _normalize(value: Any, enum: type[IntEnum] | None) -> object:
    if enum is not None and isinstance(value, int):
        try:
            return enum(value)
        except ValueError:
            return value
    if isinstance(value, str) and value.startswith("0x") and len(value) == 42:
        return to_checksum_address(value)
    return value


def decode_revert(contract: str, function: str, data: bytes) -> ContractRevertError:
    """Turn revert data into a :class:`ContractRevertError` naming the error and its arguments."""
    selector, body = data[:4], data[4:]
    try:
        if selector == _ERROR_STRING:
            (reason,) = abi_decode(["string"], body)
            return ContractRevertError(contract, function, "Error", {"reason": reason}, data)
        if selector == _PANIC:
            (code,) = abi_decode(["uint256"], body)
            return ContractRevertError(contract, function, "Panic", {"code": hex(code)}, data)
        known = error_table().get(selector)
        if known is not None:
            values = abi_decode(list(known.types), body)
            args = {
                name: _normalize(value, enum)
                for name, value, enum in zip(known.names, values, known.enums, strict=True)
            }
            return ContractRevertError(contract, function, known.name, args, data)
    except Exception:  # malformed data: report it raw rather than hide the revert
        pass
    return ContractRevertError(contract, function, "unknown", {}, data)


def _revert_data(exc: BaseException) -> bytes | None:
    """The raw revert data carried by a web3 or eth-tester exception, if any.

    Nodes (Anvil, Geth) put it in ``ContractLogicError.data`` as hex. web3's eth-tester provider
    re-raises with the bytes turned into text, but keeps the original exception (whose first
    argument holds the raw bytes) as ``__context__``: the chain is walked for both shapes.
    """
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        data = getattr(current, "data", None)
        if isinstance(data, str) and data.startswith("0x"):
            return bytes.fromhex(data[2:])
        if isinstance(data, dict) and isinstance(data.get("data"), str):
            return bytes.fromhex(str(data["data"]).removeprefix("0x"))
        for arg in current.args:
            if isinstance(arg, bytes | bytearray):
                return bytes(arg)
            if isinstance(arg, BaseException):
                found = _revert_data(arg)
                if found is not None:
                    return found
            if isinstance(arg, str) and arg.startswith("execution reverted: b"):
                try:
                    literal = ast.literal_eval(arg.removeprefix("execution reverted: "))
                except (ValueError, SyntaxError):
                    literal = None
                if isinstance(literal, bytes):
                    return literal
        current = current.__context__ or current.__cause__
    return None


def _is_revert(exc: BaseException) -> bool:
    return isinstance(exc, ContractLogicError) or type(exc).__name__ == "TransactionFailed"


# ----------------------------------------------------------------------------------- signing


class _Signer(Protocol):
    """What ``eth_account``'s ``LocalAccount`` offers that the client uses."""

    @property
    def address(self) -> Any: ...

    def sign_transaction(self, transaction_dict: Any) -> Any: ...


Signer = _Signer | str
"""A local account that signs (any network), or the address of a node-unlocked account (Anvil)."""


# ---------------------------------------------------------------------------- contract base


class _Bound:
    """One deployed contract: calls, transactions and event decoding with error translation."""

    name: str = ""

    def __init__(
        self, w3: Web3, address: str, signer: Signer | None, decoder: Decoder | None = None
    ) -> None:
        self.w3 = w3
        self.address = to_checksum_address(address)
        self.contract = w3.eth.contract(address=self.address, abi=load_abi(self.name))
        self._decoder: Decoder | None = decoder or Decoder({self.name: self.address})
        self._signer = signer

    def _call(self, function: str, *args: Any) -> Any:
        try:
            return self.contract.functions[function](*args).call()
        except Exception as exc:
            raise self._translate(function, exc) from None

    def _translate(self, function: str, exc: Exception) -> Exception:
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
        sender = to_checksum_address(signer if isinstance(signer, str) else signer.address)
        call = self.contract.functions[function](*args)
        params: Any = {"from": sender, "value": value}
        try:
            if isinstance(signer, str):
                tx_hash = call.transact(params)
            else:
                params["nonce"] = self.w3.eth.get_transaction_count(sender, "pending")
                tx = call.build_transaction(params)
                signed = signer.sign_transaction(tx)
                tx_hash = self.w3.eth.send_raw_transaction(signed.raw_transaction)
            receipt = self.w3.eth.wait_for_transaction_receipt(tx_hash)
        except Exception as exc:
            raise self._translate(function, exc) from None
        if receipt["status"] != 1:
            raise self._explain_failure(function, call, params, receipt)
        return TxResult(
            tx_hash="0x" + bytes(receipt["transactionHash"]).hex(),
            block_number=int(receipt["blockNumber"]),
            gas_used=int(receipt["gasUsed"]),
            events=tuple(self._decode_logs(receipt["logs"])),
        )

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


def is_connection_error(exc: BaseException) -> bool:
    """Whether ``exc`` means the node did not answer (refused, reset, timed out)."""
    import requests

    return isinstance(exc, requests.exceptions.ConnectionError | ConnectionError)


def _endpoint(w3: Web3) -> str:
    return str(getattr(w3.provider, "endpoint_uri", None) or type(w3.provider).__name__)


def _with_created(result: TxResult, event: str, field: str) -> TxResult:
    return TxResult(
        tx_hash=result.tx_hash,
        block_number=result.block_number,
        gas_used=result.gas_used,
        events=result.events,
        created=int(result.event(event).args[field]),
    )


# --------------------------------------------------------------------------------- registry


class RegistryClient(_Bound):
    """``TenantRegistry``: tenants, operators, quotas, policy and roles."""

    name = "TenantRegistry"

    # reads

    def tenant(self, tenant_id: int) -> Tenant:
        """The tenant with its metadata.

        Raises:
            UnknownTenantError: no tenant has this id.
        """
        owner, status, created_at = self._call("tenant", tenant_id)
        if status == TenantStatus.NONE:
            raise UnknownTenantError(tenant_id)
        uri, digest = self._call("metadata", tenant_id)
        pending = self._call("pendingOwner", tenant_id)
        return Tenant(
            tenant_id=tenant_id,
            owner=to_checksum_address(owner),
            status=TenantStatus(status),
            created_at=int(created_at),
            metadata_uri=str(uri),
            metadata_hash=bytes(digest),
            pending_owner=to_checksum_address(pending),
        )

    def tenant_count(self) -> int:
        """How many tenants were registered (the highest id)."""
        return int(self._call("tenantCount"))

    def tenants(self) -> list[Tenant]:
        """Every tenant, by id (one call per tenant: use the mirror for large registries)."""
        return [self.tenant(i) for i in range(1, self.tenant_count() + 1)]

    def pending_owner(self, tenant_id: int) -> str:
        """The proposed new owner, or the zero address."""
        return str(to_checksum_address(self._call("pendingOwner", tenant_id)))

    def operator_expiry(self, tenant_id: int, operator: str) -> int:
        """When the operator's grant expires (0: never granted or revoked)."""
        return int(self._call("operatorExpiry", tenant_id, to_checksum_address(operator)))

    def quota(self, tenant_id: int, resource_class: bytes) -> int:
        """The tenant's quota for a resource class."""
        return int(self._call("quota", tenant_id, resource_class))

    def registration_policy(self) -> RegistrationPolicy:
        """How new tenants enter."""
        return RegistrationPolicy(self._call("registrationPolicy"))

    def is_authorized(self, tenant_id: int, account: str) -> bool:
        """True when ``account`` is the owner or an unexpired operator of the Active tenant."""
        return bool(self._call("isAuthorized", tenant_id, to_checksum_address(account)))

    def authorization(self, tenant_id: int, account: str, resource_class: bytes) -> Authorization:
        """``is_authorized`` and the quota for ``resource_class`` in one call."""
        ok, units = self._call(
            "authorization", tenant_id, to_checksum_address(account), resource_class
        )
        return Authorization(authorized=bool(ok), max_units=int(units))

    def has_role(self, role: bytes, account: str) -> bool:
        """Whether ``account`` holds ``role`` (:data:`ADMIN_ROLE`, :data:`PROVIDER_ROLE`...)."""
        return bool(self._call("hasRole", role, to_checksum_address(account)))

    def default_admin(self) -> str:
        """The holder of DEFAULT_ADMIN_ROLE."""
        return str(to_checksum_address(self._call("defaultAdmin")))

    def pending_default_admin(self) -> PendingAdmin:
        """A started default-admin transfer: the new admin and when it may accept (zeros: none)."""
        admin, schedule = self._call("pendingDefaultAdmin")
        return PendingAdmin(new_admin=to_checksum_address(admin), accept_after=int(schedule))

    def default_admin_delay(self) -> int:
        """Seconds between starting a default-admin transfer and its acceptance."""
        return int(self._call("defaultAdminDelay"))

    def pending_default_admin_delay(self) -> PendingDelay:
        """A scheduled change of that delay and when it takes effect (zeros: none)."""
        delay, schedule = self._call("pendingDefaultAdminDelay")
        return PendingDelay(new_delay=int(delay), effective_at=int(schedule))

    def default_admin_delay_increase_wait(self) -> int:
        """The longest wait before a longer delay takes effect (OpenZeppelin: 5 days)."""
        return int(self._call("defaultAdminDelayIncreaseWait"))

    def role_admin(self, role: bytes) -> bytes:
        """The role whose holders grant and revoke ``role``."""
        return bytes(self._call("getRoleAdmin", role))

    def supports_interface(self, interface_id: bytes) -> bool:
        """ERC-165: whether the registry implements the interface."""
        return bool(self._call("supportsInterface", interface_id))

    def max_uri_length(self) -> int:
        """Longest metadata URI the registry stores (bytes)."""
        return int(self._call("MAX_URI_LENGTH"))

    # writes

    def register(self, metadata_uri: str, metadata_hash: bytes) -> TxResult:
        """Register a tenant owned by the signer; ``created`` is its id."""
        result = self._send("register", metadata_uri, metadata_hash)
        return _with_created(result, "TenantRegistered", "tenantId")

    def approve(self, tenant_id: int) -> TxResult:
        """Approve a Pending tenant (ADMIN_ROLE)."""
        return self._send("approve", tenant_id)

    def reject(self, tenant_id: int, reason_code: int = 0) -> TxResult:
        """Reject a Pending tenant (ADMIN_ROLE)."""
        return self._send("reject", tenant_id, reason_code)

    def suspend(self, tenant_id: int, reason_code: int = 0) -> TxResult:
        """Suspend an Active tenant (ADMIN_ROLE)."""
        return self._send("suspend", tenant_id, reason_code)

    def resume(self, tenant_id: int, reason_code: int = 0) -> TxResult:
        """Resume a Suspended tenant (ADMIN_ROLE)."""
        return self._send("resume", tenant_id, reason_code)

    def close(self, tenant_id: int) -> TxResult:
        """Close a tenant for good (its owner)."""
        return self._send("close", tenant_id)

    def update_metadata(self, tenant_id: int, metadata_uri: str, metadata_hash: bytes) -> TxResult:
        """Replace the tenant's metadata (its owner)."""
        return self._send("updateMetadata", tenant_id, metadata_uri, metadata_hash)

    def propose_owner(self, tenant_id: int, new_owner: str) -> TxResult:
        """Propose a new owner; the zero address cancels (its owner)."""
        return self._send("proposeOwner", tenant_id, to_checksum_address(new_owner))

    def accept_ownership(self, tenant_id: int) -> TxResult:
        """Accept a pending ownership proposal (the proposed owner)."""
        return self._send("acceptOwnership", tenant_id)

    def grant_operator(self, tenant_id: int, operator: str, expires_at: int) -> TxResult:
        """Grant an operator until ``expires_at`` (its owner)."""
        return self._send("grantOperator", tenant_id, to_checksum_address(operator), expires_at)

    def revoke_operator(self, tenant_id: int, operator: str) -> TxResult:
        """Revoke an operator (its owner)."""
        return self._send("revokeOperator", tenant_id, to_checksum_address(operator))

    def set_quota(self, tenant_id: int, resource_class: bytes, max_units: int) -> TxResult:
        """Set the tenant's quota for a class (ADMIN_ROLE)."""
        return self._send("setQuota", tenant_id, resource_class, max_units)

    def set_registration_policy(self, policy: RegistrationPolicy) -> TxResult:
        """Set how new tenants enter (ADMIN_ROLE)."""
        return self._send("setRegistrationPolicy", int(policy))

    def grant_role(self, role: bytes, account: str) -> TxResult:
        """Grant a role (DEFAULT_ADMIN_ROLE holder), e.g. :data:`PROVIDER_ROLE`."""
        return self._send("grantRole", role, to_checksum_address(account))

    def revoke_role(self, role: bytes, account: str) -> TxResult:
        """Revoke a role (DEFAULT_ADMIN_ROLE holder)."""
        return self._send("revokeRole", role, to_checksum_address(account))

    def renounce_role(self, role: bytes) -> TxResult:
        """Give up a role the signer holds."""
        signer = self._signer
        if signer is None:
            raise NoSignerError(f"{self.name}.renounceRole")
        account = signer if isinstance(signer, str) else signer.address
        return self._send("renounceRole", role, to_checksum_address(account))

    def begin_default_admin_transfer(self, new_admin: str) -> TxResult:
        """Start handing DEFAULT_ADMIN_ROLE to ``new_admin`` (the default admin)."""
        return self._send("beginDefaultAdminTransfer", to_checksum_address(new_admin))

    def accept_default_admin_transfer(self) -> TxResult:
        """Take DEFAULT_ADMIN_ROLE once the delay has passed (the pending admin)."""
        return self._send("acceptDefaultAdminTransfer")

    def cancel_default_admin_transfer(self) -> TxResult:
        """Cancel a started default-admin transfer (the default admin)."""
        return self._send("cancelDefaultAdminTransfer")

    def change_default_admin_delay(self, new_delay: int) -> TxResult:
        """Schedule a new default-admin transfer delay (the default admin)."""
        return self._send("changeDefaultAdminDelay", new_delay)

    def rollback_default_admin_delay(self) -> TxResult:
        """Cancel a scheduled delay change that has not taken effect (the default admin)."""
        return self._send("rollbackDefaultAdminDelay")


# ----------------------------------------------------------------------------------- anchor


class AnchorClient(_Bound):
    """``DataAnchor``: single digests and Merkle batch roots."""

    name = "DataAnchor"

    def record(self, digest: bytes) -> AnchorRecord:
        """The record under a digest or root.

        Raises:
            UnknownAnchorError: nothing is anchored under it.
        """
        tenant_id, timestamp, block_number, revoked_at, count, reason = self._call(
            "anchorOf", digest
        )
        if timestamp == 0:
            raise UnknownAnchorError(hex32(digest))
        return AnchorRecord(
            digest=digest,
            tenant_id=int(tenant_id),
            timestamp=int(timestamp),
            block_number=int(block_number),
            revoked_at=int(revoked_at),
            count=int(count),
            revoke_reason=int(reason),
        )

    def verify_inclusion(self, root: bytes, leaf: bytes, proof: Sequence[bytes]) -> Inclusion:
        """Whether ``leaf`` (a raw value, e.g. a file's SHA-256) is in the batch ``root``."""
        anchored, tenant_id, timestamp, revoked_at = self._call(
            "verifyInclusion", root, leaf, list(proof)
        )
        return Inclusion(
            anchored=bool(anchored),
            tenant_id=int(tenant_id),
            timestamp=int(timestamp),
            revoked_at=int(revoked_at),
        )

    def registry(self) -> str:
        """The registry this contract asks for authorization."""
        return str(to_checksum_address(self._call("registry")))

    def anchor(self, tenant_id: int, digest: bytes) -> TxResult:
        """Anchor one digest for a tenant (owner or operator)."""
        return self._send("anchor", tenant_id, digest)

    def anchor_batch(self, tenant_id: int, root: bytes, count: int, uri: str = "") -> TxResult:
        """Anchor a Merkle root of ``count`` leaves for a tenant (owner or operator)."""
        return self._send("anchorBatch", tenant_id, root, count, uri)

    def revoke(self, digest: bytes, reason_code: int = 0) -> TxResult:
        """Revoke an anchor (owner or operator of its tenant)."""
        return self._send("revoke", digest, reason_code)


# ----------------------------------------------------------------------------------- market

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
        if int(token._call("allowance", owner, self.address)) < amount:
            token._send("approve", self.address, amount)

    def withdraw(self, tenant_id: int, amount: int, to: str) -> TxResult:
        """Send free escrow to ``to`` (the tenant's owner)."""
        return self._send("withdraw", tenant_id, amount, to_checksum_address(to))

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

    def open_lease(self, tenant_id: int, pool_id: int, units: int, duration: int) -> TxResult:
        """Open a lease paid from escrow (owner or operator); ``created`` is its id."""
        result = self._send("openLease", tenant_id, pool_id, units, duration)
        return _with_created(result, "LeaseOpened", "leaseId")

    def extend_lease(self, lease_id: int, additional: int) -> TxResult:
        """Extend a running lease by ``additional`` seconds (owner or operator)."""
        return self._send("extendLease", lease_id, additional)

    def release_lease(self, lease_id: int) -> TxResult:
        """End a running lease early (owner or operator)."""
        return self._send("releaseLease", lease_id)

    def reclaim(self, lease_ids: Sequence[int]) -> TxResult:
        """Close expired leases or leases of closed tenants (anyone; at most 100)."""
        return self._send("reclaim", list(lease_ids))

    def terminate_lease(self, lease_id: int, reason_code: int = 0) -> TxResult:
        """End a lease as its pool's provider or a platform admin."""
        return self._send("terminateLease", lease_id, reason_code)

    def claim(self, lease_ids: Sequence[int] = ()) -> TxResult:
        """Settle the given leases of the signer's pools and pay it everything claimable."""
        return self._send("claim", list(lease_ids))


class _Erc20(_Bound):
    """Just enough ERC-20 to approve the market before a deposit and to name the asset."""

    name = "ERC20"

    def __init__(self, w3: Web3, address: str, signer: Signer | None) -> None:
        self.w3 = w3
        self.address = to_checksum_address(address)
        self.contract = w3.eth.contract(address=self.address, abi=ERC20_ABI)
        self._decoder = None
        self._signer = signer


# ----------------------------------------------------------------------------------- facade


class LeaseholdClient:
    """The three contracts of one deployment, behind one object.

    Attributes:
        registry: ``TenantRegistry``.
        anchor: ``DataAnchor``.
        market: ``LeaseMarket``.
    """

    def __init__(self, w3: Web3, addresses: Addresses, signer: Signer | None = None) -> None:
        self.w3 = w3
        self.addresses = addresses
        self.signer = signer
        decoder = Decoder(addresses.by_contract())
        self.registry = RegistryClient(w3, addresses.registry, signer, decoder)
        self.anchor = AnchorClient(w3, addresses.anchor, signer, decoder)
        self.market = MarketClient(w3, addresses.market, signer, decoder)

    @classmethod
    def from_manifest(
        cls,
        w3: Web3,
        manifest: Manifest | Mapping[str, Any] | str | Path,
        signer: Signer | None = None,
        *,
        check: bool = True,
    ) -> LeaseholdClient:
        """A client for the deployment a manifest describes.

        Args:
            w3: A connected ``Web3``.
            manifest: A loaded :class:`~offchain.chain.manifest.Manifest`, its parsed JSON, or the
                path of ``deployments/<chain-id>.json`` (read by
                ``offchain.chain.manifest.load_manifest``).
            signer: Account for writes (optional).
            check: Verify, with :func:`offchain.chain.manifest.check_chain`, that the node is the
                manifest's chain, still has each deploy block and holds each contract's code.

        Raises:
            ChainUnavailableError: the node does not answer.
            ManifestError: the manifest is malformed, or does not describe this chain (another
                network, or a devnet that was reset).
        """
        if isinstance(manifest, str | Path):
            manifest = load_manifest(manifest)
        elif not isinstance(manifest, Manifest):
            manifest = parse_manifest(manifest)
        client = cls(w3, Addresses.of(manifest), signer)
        if check:
            try:
                check_chain(manifest, Web3Rpc(w3))
            except Exception as exc:
                if is_connection_error(exc):
                    raise ChainUnavailableError(_endpoint(w3)) from None
                raise
        return client

    def using(self, signer: Signer) -> LeaseholdClient:
        """The same deployment, writing as ``signer``."""
        return LeaseholdClient(self.w3, self.addresses, signer)

    def journals(self) -> dict[str, JournalHead]:
        """The journal of each contract."""
        return {
            "TenantRegistry": self.registry.journal(),
            "DataAnchor": self.anchor.journal(),
            "LeaseMarket": self.market.journal(),
        }


class Web3Rpc:
    """JSON-RPC through web3's provider, in the shape :func:`offchain.chain.manifest.check_chain`
    uses."""

    def __init__(self, w3: Web3) -> None:
        self.w3 = w3

    def call(self, method: str, params: Any = ()) -> Any:
        return _wire(self.w3.manager.request_blocking(RPCEndpoint(method), list(params)))


def _wire(value: Any) -> Any:
    """Values as a node sends them (web3's in-process eth-tester answers ints and bytes)."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        return hex(value)
    if isinstance(value, bytes | bytearray):
        return "0x" + bytes(value).hex()
    if isinstance(value, Mapping):
        return {k: _wire(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_wire(v) for v in value]
    return value


__all__ = [
    "ADMIN_ROLE",
    "DEFAULT_ADMIN_ROLE",
    "PROVIDER_ROLE",
    "ZERO_ADDRESS",
    "Addresses",
    "AnchorClient",
    "AnchorRecord",
    "Authorization",
    "CloseReason",
    "Escrow",
    "EventLog",
    "Inclusion",
    "JournalHead",
    "Lease",
    "LeaseStatus",
    "LeaseholdClient",
    "MarketClient",
    "PendingAdmin",
    "PendingDelay",
    "Pool",
    "PoolStatus",
    "RegistrationPolicy",
    "RegistryClient",
    "Remaining",
    "Signer",
    "Tenant",
    "TenantStatus",
    "TxResult",
    "Web3Rpc",
    "decode_revert",
    "error_table",
    "hex32",
    "parse_address",
    "parse_bytes32",
    "resource_class",
    "resource_class_name",
]

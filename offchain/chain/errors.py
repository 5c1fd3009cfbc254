"""Reverts and dead nodes, told apart and named.

A revert's data is decoded against every custom error of the three ABIs (OpenZeppelin's
included), Solidity's ``Error(string)`` and ``Panic(uint256)``, into a
:class:`~offchain.exceptions.ContractRevertError` carrying the error's name and arguments (enums as
the mirror's enums, addresses checksummed). Needs no node and does not import web3.py.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from enum import IntEnum
from functools import cache
from typing import Any

from eth_abi.abi import decode as abi_decode
from eth_hash.auto import keccak
from eth_utils.address import to_checksum_address

from offchain.chain.abi import EXPORTED, load_abi
from offchain.chain.decode import canonical_type
from offchain.chain.usage import StatementStatus
from offchain.exceptions import ContractRevertError
from offchain.mirror.entities import (
    CloseReason,
    LeaseStatus,
    PoolStatus,
    RegistrationPolicy,
    TenantStatus,
)

# Selectors of Solidity's built-in errors: `revert("...")`/`require` and `Panic(uint256)`.
_ERROR_STRING = bytes.fromhex("08c379a0")
_PANIC = bytes.fromhex("4e487b71")

_ENUMS: dict[str, type[IntEnum]] = {
    "enum TenantStatus": TenantStatus,
    "enum RegistrationPolicy": RegistrationPolicy,
    "enum PoolStatus": PoolStatus,
    "enum LeaseStatus": LeaseStatus,
    "enum CloseReason": CloseReason,
    "enum IUsageLedger.StatementStatus": StatementStatus,
}


@dataclass(frozen=True, slots=True)
class _ErrorAbi:
    name: str
    names: tuple[str, ...]
    types: tuple[str, ...]
    enums: tuple[type[IntEnum] | None, ...]


@cache
def error_table() -> dict[bytes, _ErrorAbi]:
    """Selector → error of every custom error in the shipped ABIs (OpenZeppelin's included)."""
    table: dict[bytes, _ErrorAbi] = {}
    for contract in EXPORTED:
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
    from offchain.chain.light import CallRevertError

    if isinstance(exc, CallRevertError):
        return True
    from web3.exceptions import ContractLogicError  # here: the rest of the module needs no web3

    return isinstance(exc, ContractLogicError) or type(exc).__name__ == "TransactionFailed"


def is_connection_error(exc: BaseException) -> bool:
    """Whether ``exc`` means the node did not answer (refused, reset, timed out)."""
    import requests

    return isinstance(exc, requests.exceptions.ConnectionError | ConnectionError)


__all__ = ["decode_revert", "error_table", "is_connection_error"]

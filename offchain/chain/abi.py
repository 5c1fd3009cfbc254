"""The compiled ABIs of the deployed contracts, shipped in the package as
``offchain/chain/abi/*.json``.

They are exported from the compiler output by ``python -m offchain._toolchain.export_abi`` (run
by ``make abi``); a test checks they equal a fresh compile, so they are never edited by hand. Only
web3.py and this package are needed at run time: no ape, no compiler.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

from offchain.exceptions import ValueOutOfRangeError

CONTRACTS = ("TenantRegistry", "DataAnchor", "LeaseMarket")
#: Contracts a deployment may add to :data:`CONTRACTS`: a manifest without them stays valid, and the
#: mirror follows only :data:`CONTRACTS` (the usage ledger's events are not mirrored yet).
OPTIONAL_CONTRACTS = ("UsageLedger",)
#: Every contract whose ABI the package ships.
EXPORTED = CONTRACTS + OPTIONAL_CONTRACTS

ABI = list[dict[str, Any]]


@cache
def load_abi(contract: str) -> ABI:
    """Return the ABI of one of :data:`EXPORTED`."""
    if contract not in EXPORTED:
        raise ValueError(f"unknown contract {contract!r}: expected one of {', '.join(EXPORTED)}")
    text = (Path(__file__).with_name("abi") / f"{contract}.json").read_text()
    abi: ABI = json.loads(text)
    return abi


_INTEGER = re.compile(r"^(u?)int([0-9]*)$")


def int_bounds(abi_type: str) -> tuple[int, int] | None:
    """The smallest and largest value of an ABI integer type (``uint96``...), None for others."""
    match = _INTEGER.match(abi_type)
    if match is None:
        return None
    bits = int(match.group(2) or 256)
    if match.group(1):
        return 0, 2**bits - 1
    return -(2 ** (bits - 1)), 2 ** (bits - 1) - 1


def _inputs(abi: Sequence[Any], function: str, arity: int | None = None) -> list[dict[str, Any]]:
    for item in abi:
        if item.get("type") != "function" or item.get("name") != function:
            continue
        inputs: list[dict[str, Any]] = item.get("inputs", [])
        if arity is None or len(inputs) == arity:
            return inputs
    raise ValueError(f"no function {function!r} taking {arity} arguments in the ABI")


def parameter_type(contract: str, function: str, parameter: str) -> str:
    """The ABI type of one parameter of a contract function (``uint32`` for ``duration``...)."""
    for entry in _inputs(load_abi(contract), function):
        if entry["name"] == parameter:
            return str(entry["type"])
    raise ValueError(f"{contract}.{function} has no parameter {parameter!r}")


def check_arguments(
    abi: Sequence[Any], where: str, function: str, args: Sequence[Any], value: int = 0
) -> None:
    """Check every integer argument (and ``msg.value``) fits its ABI type, before encoding.

    ``where`` names the contract function in the error (``LeaseMarket.deposit``).

    Raises:
        ValueOutOfRangeError: one does not (web3.py would say only "MismatchedABI").
    """
    for entry, arg in zip(_inputs(abi, function, len(args)), args, strict=True):
        abi_type, items = str(entry["type"]), [arg]
        if abi_type.endswith("[]") and isinstance(arg, list | tuple):
            abi_type, items = abi_type[:-2], list(arg)
        bounds = int_bounds(abi_type)
        if bounds is None:
            continue
        low, high = bounds
        for item in items:
            if isinstance(item, int) and not isinstance(item, bool) and not low <= item <= high:
                raise ValueOutOfRangeError(where, str(entry["name"]), abi_type, item, low, high)
    if not 0 <= value < 2**256:
        raise ValueOutOfRangeError(where, "value", "uint256", value, 0, 2**256 - 1)

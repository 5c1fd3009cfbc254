"""Argument types: ids, amounts, durations, hashes and resource classes, with one-line errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from offchain.cli.units import parse_amount, parse_duration, parse_percent
from offchain.exceptions import InvalidValueError


class _IdType(click.ParamType):
    """A positive integer id with a one-line error for anything else."""

    def __init__(self, what: str, bits: int) -> None:
        self.name = f"{what}_ID"
        self.what = what
        self.bits = bits

    def convert(self, value: Any, param: Any, ctx: Any) -> int:
        if isinstance(value, int):
            number = value
        else:
            text = str(value).strip()
            if not text.isdigit():
                self.fail(f"{self.what} id must be a positive integer, got {value!r}", param, ctx)
            number = int(text)
        if not 0 < number < 2**self.bits:
            self.fail(f"{self.what} id must be between 1 and {2**self.bits - 1}", param, ctx)
        return number


TENANT_ID = _IdType("tenant", 64)
POOL_ID = _IdType("pool", 32)
LEASE_ID = _IdType("lease", 64)


class _Parsed(click.ParamType):
    """A value parsed by one of the ``parse_*`` helpers (their errors become usage errors).

    :meth:`sent_as` makes one that also checks the number fits the ABI type of the contract
    parameter it becomes, so an out-of-range value is a usage error naming the option, not an
    encoding failure.
    """

    def __init__(
        self,
        name: str,
        parse: Callable[[str], Any],
        abi: tuple[str, str, str] | None = None,
        unit: str = "",
    ) -> None:
        self.name = name
        self.parse = parse
        self.abi = abi
        self.unit = unit

    def sent_as(self, contract: str, function: str, parameter: str) -> _Parsed:
        """This type, range-checked as ``parameter`` of ``contract.function``."""
        unit = " seconds" if self.parse is parse_duration else ""
        return _Parsed(self.name, self.parse, (contract, function, parameter), unit)

    def convert(self, value: Any, param: Any, ctx: Any) -> Any:
        if not isinstance(value, str):
            return value
        try:
            parsed = self.parse(value)
        except InvalidValueError as exc:
            self.fail(str(exc), param, ctx)
        if self.abi is not None and isinstance(parsed, int):
            self._check_range(value, parsed, param, ctx)
        return parsed

    def _check_range(self, text: str, number: int, param: Any, ctx: Any) -> None:
        from offchain.chain.abi import int_bounds, parameter_type

        assert self.abi is not None
        contract, function, parameter = self.abi
        abi_type = parameter_type(contract, function, parameter)
        bounds = int_bounds(abi_type)
        if bounds is None or bounds[0] <= number <= bounds[1]:
            return
        shown = text if text.strip() == str(number) else f"{text} ({number}{self.unit})"
        high = bounds[1]
        power = f" = 2**{high.bit_length()} - 1" if high > 2**16 else ""
        self.fail(
            f"{shown} is out of range: at most {high}{self.unit}{power} "
            f"({abi_type} {parameter} of {contract}.{function})",
            param,
            ctx,
        )


def _bytes32(text: str) -> bytes:
    from offchain.chain.values import parse_bytes32

    return parse_bytes32(text, "hash")


def _class(text: str) -> bytes:
    from offchain.chain.values import resource_class

    return resource_class(text)


AMOUNT = _Parsed("AMOUNT", parse_amount)
DURATION = _Parsed("DURATION", parse_duration)
PERCENT = _Parsed("PCT", parse_percent)
HASH = _Parsed("HASH", _bytes32)
CLASS = _Parsed("CLASS", _class)
UINT32 = click.IntRange(0, 2**32 - 1)


def _address(text: str) -> str:
    from offchain.chain.values import parse_address

    return parse_address(text, "address")


ADDRESS = _Parsed("ADDRESS", _address)

"""Parsing and showing the values people type and read: amounts, durations, times."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation, localcontext

from offchain.exceptions import InvalidValueError

_UNITS = {"wei": 0, "gwei": 9, "eth": 18, "ether": 18}
_AMOUNT = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*([a-zA-Z]*)\s*$")
_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_DURATION = re.compile(r"([0-9]+)([smhdw]?)")


def parse_amount(text: str) -> int:
    """``1.5eth``, ``20 gwei`` or ``1000`` (wei) as an integer number of wei (or token units).

    Raises:
        InvalidValueError: not an amount, negative, or finer than one wei.
    """
    expected = "a number with an optional unit: 1000, 20gwei, 1.5eth"
    match = _AMOUNT.match(text)
    if not match or match.group(2).lower() not in (*_UNITS, ""):
        raise InvalidValueError("amount", text, expected)
    try:
        with localcontext() as exact:
            exact.prec = 200  # Decimal's default 28 digits would round large amounts
            value = Decimal(match.group(1)).scaleb(_UNITS.get(match.group(2).lower(), 0))
    except InvalidOperation:
        raise InvalidValueError("amount", text, expected) from None
    if value != value.to_integral_value():
        raise InvalidValueError("amount", text, "a whole number of wei")
    return int(value)


def parse_duration(text: str) -> int:
    """``90``, ``90s``, ``15m``, ``2h``, ``3d``, ``1w`` or a sum like ``1d12h`` as seconds.

    Raises:
        InvalidValueError: anything else, or zero.
    """
    body = text.strip().lower()
    parts = _DURATION.findall(body)
    if not body or "".join(n + u for n, u in parts) != body:
        raise InvalidValueError("duration", text, "seconds or 30m, 2h, 3d, 1w, 1d12h")
    seconds = sum(int(n) * _SECONDS[u or "s"] for n, u in parts)
    if seconds <= 0:
        raise InvalidValueError("duration", text, "a positive duration")
    return seconds


def parse_percent(text: str) -> Decimal:
    """``5``, ``0.5`` or ``5%`` as a non-negative number of percent.

    Raises:
        InvalidValueError: not a number, or negative.
    """
    body = text.strip().removesuffix("%").strip()
    if not re.fullmatch(r"[0-9]+(?:\.[0-9]+)?", body):
        raise InvalidValueError("percentage", text, "a non-negative number such as 5 or 0.5")
    return Decimal(body)


def show_amount(wei: int, native: bool = True) -> str:
    """``1.5 ETH`` for native ETH amounts of at least a micro-ether, else the integer."""
    if native and wei >= 10**12:
        whole, fraction = divmod(wei, 10**18)
        text = f"{whole}.{fraction:018d}".rstrip("0").rstrip(".")
        return f"{text} ETH"
    return f"{wei} wei" if native else str(wei)


def show_duration(seconds: int) -> str:
    """``1d 2h``-style rendering (two largest units)."""
    if seconds <= 0:
        return "0s"
    out = []
    for unit, size in (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if seconds >= size:
            out.append(f"{seconds // size}{unit}")
            seconds %= size
    return " ".join(out[:2])


def show_time(timestamp: int) -> str:
    """A Unix timestamp as ISO-8601 UTC, or ``-`` for 0."""
    if not timestamp:
        return "-"
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d %H:%M:%SZ")

"""JSON helpers of proof bundles: atomic writes and field parsing with messages naming the field."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from offchain.exceptions import BundleFormatError


def write_atomic(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def field(data: Mapping[str, Any], key: str, kind: type, source: str) -> Any:
    if key not in data:
        raise BundleFormatError(source, f"field {key!r} is missing")
    value = data[key]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise BundleFormatError(
            source, f"field {key!r} must be a {kind.__name__}, got {type(value).__name__}"
        )
    return value


def bytes32(data: Mapping[str, Any], key: str, source: str) -> bytes:
    return word(field(data, key, str, source), key, source)


def word(text: object, what: str, source: str) -> bytes:
    if not isinstance(text, str) or not text.startswith("0x") or len(text) != 66:
        raise BundleFormatError(source, f"{what} must be 0x and 64 hex digits, got {text!r}")
    try:
        return bytes.fromhex(text[2:])
    except ValueError:
        raise BundleFormatError(source, f"{what} is not hex: {text!r}") from None


def address(text: str, source: str) -> str:
    from eth_utils.address import is_hex_address, to_checksum_address

    if not is_hex_address(text):
        raise BundleFormatError(source, f"contract must be a 0x address, got {text!r}")
    return str(to_checksum_address(text))


def hexed(data: bytes) -> str:
    return "0x" + data.hex()

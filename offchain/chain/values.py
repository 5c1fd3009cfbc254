"""The small values the contracts take and give, spelled for people: roles, resource classes,
``bytes32`` digests and addresses.

Shared by the client, the CLI, the HTTP API, the anchoring tools and the demo; needs neither
web3.py nor a node.
"""

from __future__ import annotations

from offchain.chain.decode import keccak256 as keccak
from offchain.chain.decode import to_checksum
from offchain.exceptions import InvalidValueError

ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
ADMIN_ROLE = keccak(b"leasehold.role.admin")
PROVIDER_ROLE = keccak(b"leasehold.role.provider")
MARKET_ROLE = keccak(b"leasehold.role.market")
ARBITER_ROLE = keccak(b"leasehold.role.arbiter")
DEFAULT_ADMIN_ROLE = bytes(32)
#: Each role id by its Solidity name (``Roles.sol``; OpenZeppelin's ``DEFAULT_ADMIN_ROLE``).
ROLE_NAMES = {
    DEFAULT_ADMIN_ROLE: "DEFAULT_ADMIN_ROLE",
    ADMIN_ROLE: "ADMIN_ROLE",
    PROVIDER_ROLE: "PROVIDER_ROLE",
    MARKET_ROLE: "MARKET_ROLE",
}
#: An operator's allowance that is never spent (``Limits.UNLIMITED_ALLOWANCE``).
UNLIMITED_ALLOWANCE = 2**128 - 1
#: An operator grant's longest lease that bounds nothing (``Limits.UNLIMITED_DURATION``).
UNLIMITED_DURATION = 2**32 - 1


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
    return to_checksum(body)


def hex32(value: bytes) -> str:
    """``0x``-prefixed hex of a 32-byte value."""
    return "0x" + value.hex()


__all__ = [
    "ADMIN_ROLE",
    "DEFAULT_ADMIN_ROLE",
    "MARKET_ROLE",
    "PROVIDER_ROLE",
    "ROLE_NAMES",
    "UNLIMITED_ALLOWANCE",
    "UNLIMITED_DURATION",
    "ZERO_ADDRESS",
    "hex32",
    "parse_address",
    "parse_bytes32",
    "resource_class",
    "resource_class_name",
]

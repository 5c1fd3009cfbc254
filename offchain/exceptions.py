"""Every error Leasehold raises on purpose derives from :class:`LeaseholdError`.

Each subclass also inherits the matching built-in exception, and builds its message from the values
that went wrong, so the caller sees what to do without reading a traceback.
"""

from __future__ import annotations


class LeaseholdError(Exception):
    """Base class of the project's exceptions."""


class ToolchainError(LeaseholdError, RuntimeError):
    """The compiler, node packages or the virtual environment are missing or wrong."""

# --- user surfaces: web3.py client, devnet, CLI, HTTP API --------------------------------------


class _MessageKeyError(KeyError):
    """A ``KeyError`` whose ``str()`` is its message (plain ``KeyError`` quotes it like a repr)."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class ContractRevertError(LeaseholdError, RuntimeError):
    """A contract call or transaction reverted; the custom error is decoded from the ABIs.

    Attributes:
        contract: Name of the contract that reverted (``TenantRegistry``, ...).
        function: The function that was called.
        error: Name of the custom error (``RegistryUnknownTenant``), ``Error`` for a reason
            string, ``Panic`` for a Solidity panic, or ``unknown`` when the data matches no ABI.
        arguments: The error's arguments by name, in ABI order.
        data: The raw revert data.
    """

    def __init__(
        self,
        contract: str,
        function: str,
        error: str,
        arguments: dict[str, object],
        data: bytes,
    ) -> None:
        self.contract = contract
        self.function = function
        self.error = error
        self.arguments = arguments
        self.data = data
        shown = ", ".join(f"{name}={_show(value)}" for name, value in arguments.items())
        detail = f"{error}({shown})" if error != "unknown" else f"unknown error 0x{data.hex()}"
        super().__init__(f"{contract}.{function} reverted: {detail}")


def _show(value: object) -> str:
    """Render one decoded error argument the way a user reads it."""
    name = getattr(value, "name", None)
    if isinstance(value, int) and isinstance(name, str):  # an IntEnum member
        return name
    if isinstance(value, bytes):
        return "0x" + value.hex()
    if isinstance(value, str):
        return value if value.startswith("0x") else repr(value)
    return str(value)


class TransactionFailedError(LeaseholdError, RuntimeError):
    """A mined transaction failed without revert data the ABIs can explain (e.g. out of gas)."""

    def __init__(self, tx_hash: str, function: str) -> None:
        self.tx_hash = tx_hash
        super().__init__(f"transaction {tx_hash} ({function}) failed on chain without a reason")


class ChainUnavailableError(LeaseholdError, ConnectionError):
    """No node answers at the RPC URL."""

    def __init__(self, url: str) -> None:
        self.url = url
        super().__init__(f"no chain answers at {url}: start one with 'leasehold chain up'")


class NotDeployedError(LeaseholdError, LookupError):
    """A manifest names a contract the chain does not hold (wrong chain, or a restarted devnet)."""

    def __init__(self, contract: str, address: str, chain_id: int) -> None:
        self.contract = contract
        self.address = address
        super().__init__(
            f"no {contract} code at {address} on chain {chain_id}: "
            "the chain was reset or this is another network; run 'leasehold deploy'"
        )


class NoSignerError(LeaseholdError, ValueError):
    """A write was asked of a client that has no account to sign with."""

    def __init__(self, function: str) -> None:
        super().__init__(
            f"{function} sends a transaction and needs an account: "
            "pass --account (CLI) or use client.using(account)"
        )


class UnknownTenantError(LeaseholdError, _MessageKeyError):
    """No tenant has this id."""

    def __init__(self, tenant_id: int) -> None:
        self.tenant_id = tenant_id
        super().__init__(f"unknown tenant {tenant_id}")


class UnknownPoolError(LeaseholdError, _MessageKeyError):
    """No pool has this id."""

    def __init__(self, pool_id: int) -> None:
        self.pool_id = pool_id
        super().__init__(f"unknown pool {pool_id}")


class UnknownLeaseError(LeaseholdError, _MessageKeyError):
    """No lease has this id."""

    def __init__(self, lease_id: int) -> None:
        self.lease_id = lease_id
        super().__init__(f"unknown lease {lease_id}")


class UnknownAnchorError(LeaseholdError, _MessageKeyError):
    """Nothing is anchored under this digest or root."""

    def __init__(self, digest: str) -> None:
        self.digest = digest
        super().__init__(f"nothing is anchored under {digest}")


class InvalidValueError(LeaseholdError, ValueError):
    """A user-supplied value (id, digest, address, duration...) is malformed."""

    def __init__(self, what: str, value: object, expected: str) -> None:
        self.what = what
        self.value = value
        super().__init__(f"bad {what} {value!r}: expected {expected}")


class DevnetError(LeaseholdError, RuntimeError):
    """The local Anvil devnet cannot be started, found or stopped."""

    def __init__(self, problem: str) -> None:
        super().__init__(problem)

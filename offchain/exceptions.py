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
        shown = ", ".join(f"{name}={_show(value, name)}" for name, value in arguments.items())
        detail = f"{error}({shown})" if error != "unknown" else f"unknown error 0x{data.hex()}"
        super().__init__(f"{contract}.{function} reverted: {detail}")


def _show(value: object, argument: str = "") -> str:
    """Render one decoded error argument the way a user reads it (a role id by its name)."""
    name = getattr(value, "name", None)
    if isinstance(value, int) and isinstance(name, str):  # an IntEnum member: Solidity's name
        return "".join(part.capitalize() for part in name.split("_"))
    if isinstance(value, bytes):
        if "role" in argument.lower():
            from offchain.chain.values import ROLE_NAMES  # here: values imports this module

            if value in ROLE_NAMES:
                return ROLE_NAMES[value]
        return "0x" + value.hex()
    if isinstance(value, str):
        return value if value.startswith("0x") else repr(value)
    return str(value)


class TransactionFailedError(LeaseholdError, RuntimeError):
    """A mined transaction failed without revert data the ABIs can explain (e.g. out of gas)."""

    def __init__(self, tx_hash: str, function: str) -> None:
        self.tx_hash = tx_hash
        super().__init__(f"transaction {tx_hash} ({function}) failed on chain without a reason")


class TransactionPendingError(LeaseholdError, TimeoutError):
    """A sent transaction was not mined within the time the caller waits for it."""

    def __init__(self, tx_hash: str, function: str, timeout: float, url: str) -> None:
        self.tx_hash = tx_hash
        self.timeout = timeout
        super().__init__(
            f"transaction {tx_hash} ({function}) still pending after {timeout:g} s: it may yet "
            f"be mined; check it with 'cast receipt {tx_hash} --rpc-url {url}' before sending "
            "it again (or wait longer with --timeout SECONDS)"
        )


class InsufficientFundsError(LeaseholdError, ValueError):
    """The signer's balance cannot pay for a transaction (its value plus gas)."""

    def __init__(self, account: str, has: int, value: int, function: str) -> None:
        self.account = account
        self.has = has
        self.value = value
        super().__init__(
            f"insufficient funds: {account} has {has} wei, needs {value} wei plus gas "
            f"for {function}; fund the account or send less"
        )


class ChainUnavailableError(LeaseholdError, ConnectionError):
    """No node answers at the RPC URL."""

    def __init__(self, url: str) -> None:
        self.url = url
        super().__init__(f"no chain answers at {url}: start one with 'leasehold chain up'")


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


class UnknownStatementError(LeaseholdError, _MessageKeyError):
    """No usage statement has this id."""

    def __init__(self, statement_id: int) -> None:
        self.statement_id = statement_id
        super().__init__(f"unknown usage statement {statement_id}")


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


class ValueOutOfRangeError(InvalidValueError):
    """A number does not fit the ABI type of the parameter it would be sent as."""

    def __init__(
        self, function: str, parameter: str, abi_type: str, value: int, low: int, high: int
    ) -> None:
        self.what = parameter
        self.value = value
        self.function = function
        self.abi_type = abi_type
        self.low = low
        self.high = high
        Exception.__init__(
            self,
            f"{parameter} of {function} must be between {low} and {high} ({abi_type}), got {value}",
        )


class RecordFormatError(InvalidValueError):
    """A metering record file has a malformed row (the message names the file and the line)."""

    def __init__(self, source: str, line: int, problem: str) -> None:
        self.what = "record"
        self.value = source
        self.source = source
        self.line = line
        Exception.__init__(self, f"{source} line {line}: {problem}")


class DevnetError(LeaseholdError, RuntimeError):
    """The local Anvil devnet cannot be started, found or stopped."""

    def __init__(self, problem: str) -> None:
        super().__init__(problem)


class ApiUnavailableError(LeaseholdError, ConnectionError):
    """No mirror API answers at the URL (or it answered with an error)."""

    def __init__(self, url: str, problem: str = "") -> None:
        self.url = url
        detail = f" ({problem})" if problem else ""
        super().__init__(
            f"no mirror API answers at {url}{detail}: start one with 'leasehold mirror serve'"
        )


# --- the off-chain mirror (offchain/chain/decode.py, offchain/mirror/) ---------------------------


class DecodeError(LeaseholdError, ValueError):
    """A log or value does not decode as the ABI says (the mirror stops rather than guess)."""

    def __init__(self, what: str, problem: str) -> None:
        self.what = what
        super().__init__(f"cannot decode {what}: {problem}")


class MirrorStateError(LeaseholdError, RuntimeError):
    """An event does not fit the mirrored state (e.g. it closes a lease the mirror never saw)."""

    def __init__(self, event: str, block: int, problem: str) -> None:
        self.event = event
        self.block = block
        super().__init__(
            f"{event} in block {block} does not fit the mirror: {problem}; "
            "the mirror missed an event or the ABI changed: resync from the deploy block"
        )


class JournalGapError(LeaseholdError, RuntimeError):
    """A journaled event's ``seq`` is not the next one: an event was missed or applied twice."""

    def __init__(self, contract: str, expected: int, got: int, block: int) -> None:
        self.contract = contract
        self.expected = expected
        self.got = got
        super().__init__(
            f"{contract} event in block {block} carries seq {got} where {expected} was next: "
            f"{'events were missed' if got > expected else 'an event was applied twice'}"
        )


class JournalMismatchError(LeaseholdError, RuntimeError):
    """The mirror's journal heads differ from the contracts' at the mirror's block hash."""

    def __init__(self, description: str) -> None:
        super().__init__(
            f"{description}: the mirror missed or misapplied an event (a node dropped a log?); "
            "repairing from a snapshot the chain confirms, else from the deploy block"
        )


class NodeBehindError(LeaseholdError, ConnectionError):
    """The node's head is below the mirror's block on the same chain: it is lagging, not forked."""

    def __init__(self, head: int, applied: int) -> None:
        self.head = head
        self.applied = applied
        super().__init__(
            f"the node's head {head} is behind the mirror's block {applied} on the same chain: "
            "waiting for it to catch up (add a --rpc fallback to fail over)"
        )


class StaleViewError(LeaseholdError, RuntimeError):
    """A read view outlived its block: the mirror applied or retracted blocks since."""

    def __init__(self, number: int, block_hash: str) -> None:
        self.number = number
        self.block_hash = block_hash
        super().__init__(
            f"view at block {number} ({block_hash[:10]}…) is stale: take a new view and read again"
        )


class ReorgTooDeepError(LeaseholdError, RuntimeError):
    """The chain reorganized below the blocks the mirror can undo (below its finality point)."""

    def __init__(self, block: int, floor: int) -> None:
        self.block = block
        self.floor = floor
        super().__init__(
            f"block {block} changed but the mirror can only undo blocks above {floor}: "
            "a reorg deeper than finality (or an evm_revert); resyncing from the snapshot or deploy"
        )


class RpcError(LeaseholdError, RuntimeError):
    """A JSON-RPC node answered a call with an error."""

    def __init__(self, method: str, code: int, message: str, url: str, data: object = None) -> None:
        self.method = method
        self.code = code
        self.rpc_message = message
        self.url = url
        self.data = data  # the error's ``data`` member (a revert's data, for eth_call)
        super().__init__(f"{method} failed at {url}: {message} (code {code})")


class RangeTooLargeError(RpcError):
    """The node refused an ``eth_getLogs`` range as too large or with too many results."""


class RpcUnavailableError(LeaseholdError, ConnectionError):
    """No RPC endpoint answered after every retry and failover."""

    def __init__(self, method: str, attempts: int, errors: dict[str, str]) -> None:
        self.method = method
        self.errors = errors
        detail = "; ".join(f"{url}: {err}" for url, err in errors.items())
        super().__init__(
            f"{method}: no RPC endpoint answered after {attempts} attempts ({detail}); "
            "check the node or add --rpc URLs"
        )


class ManifestError(LeaseholdError, ValueError):
    """The deployment manifest is missing, malformed, or does not match the chain or the ABIs."""

    def __init__(self, path: str, problem: str) -> None:
        self.path = path
        super().__init__(f"deployment manifest {path}: {problem}")


class SnapshotError(LeaseholdError, RuntimeError):
    """A mirror snapshot cannot be used (other chain or deployment, non-canonical, corrupted)."""

    def __init__(self, path: str, problem: str) -> None:
        self.path = path
        self.problem = problem
        super().__init__(f"snapshot {path} rejected: {problem}; resyncing from the chain")


class MirrorTimeoutError(LeaseholdError, TimeoutError):
    """The mirror did not reach a block in time."""

    def __init__(self, block: int, timeout: float, reached: int, status: str) -> None:
        self.block = block
        self.reached = reached
        super().__init__(
            f"mirror did not reach block {block} within {timeout:g}s "
            f"(at block {reached}; status: {status})"
        )


# --- Merkle trees and proof bundles (offchain/anchoring/) ---------------------------------------


class UnsupportedAlgorithmError(LeaseholdError, ValueError):
    """A digest algorithm other than the supported ones was asked for."""

    def __init__(self, name: str, supported: tuple[str, ...]) -> None:
        self.name = name
        super().__init__(
            f"unsupported digest algorithm {name!r}: use one of {', '.join(supported)}"
        )


class EmptyTreeError(LeaseholdError, ValueError):
    """A Merkle tree was asked for with no leaves."""

    def __init__(self) -> None:
        super().__init__(
            "cannot build a Merkle tree from no leaves: give at least one file or digest"
        )


class InvalidLeafError(LeaseholdError, ValueError):
    """A leaf value or proof element is not 32 bytes."""

    def __init__(self, value: object, label: str | None = None) -> None:
        self.value = value
        size = len(value) if isinstance(value, bytes | bytearray) else None
        got = f"{size} bytes" if size is not None else type(value).__name__
        where = f"{label}: " if label else ""
        super().__init__(f"{where}a leaf value or proof element must be 32 bytes, got {got}")


class DuplicateLeafError(LeaseholdError, ValueError):
    """Two leaves have the same value, so the tree could not tell them apart."""

    def __init__(self, value: bytes, first: str, second: str) -> None:
        self.value = value
        super().__init__(
            f"{first} and {second} have the same digest 0x{value.hex()}: "
            "identical content makes identical leaves; keep one of them"
        )


class UnknownLeafError(LeaseholdError, KeyError):
    """A proof was asked for a value that is not a leaf of the tree."""

    def __init__(self, value: bytes, root: bytes) -> None:
        self.value = value
        super().__init__(f"0x{value.hex()} is not a leaf of the tree with root 0x{root.hex()}")

    def __str__(self) -> str:  # KeyError would quote the message like a repr
        return str(self.args[0])


class InvalidTreeError(LeaseholdError, ValueError):
    """A dumped tree (OpenZeppelin ``standard-v1`` JSON) is malformed or inconsistent."""

    def __init__(self, problem: str) -> None:
        super().__init__(f"invalid Merkle tree dump: {problem}")


class BundleFormatError(LeaseholdError, ValueError):
    """A proof bundle file is not valid JSON or lacks a field, or a field is malformed."""

    def __init__(self, source: str, problem: str) -> None:
        self.source = source
        super().__init__(f"{source} is not a valid proof bundle: {problem}")


class BundleVerificationError(LeaseholdError, ValueError):
    """A proof bundle does not prove what it claims, offline or against the chain."""

    def __init__(self, problem: str) -> None:
        self.problem = problem
        super().__init__(f"proof bundle does not verify: {problem}")


class FileMismatchError(BundleVerificationError):
    """The file given is not the one the bundle proves (its digest differs)."""

    def __init__(self, what: str, algorithm: str, digest: str, expected: str) -> None:
        self.digest = digest
        super().__init__(
            f"{what} has {algorithm} digest {digest}, the bundle's {expected}: it is not the file "
            "this bundle proves (check the file, or pick the bundle written beside its name)"
        )


class SaltMismatchError(BundleVerificationError):
    """The file matches the bundle's digest, but the bundle's salt does not open its leaf."""

    def __init__(self, leaf: str, computed: str) -> None:
        self.leaf = leaf
        super().__init__(
            f"wrong salt: the bundle's salt and the file's digest give leaf {computed}, the "
            f"bundle commits to {leaf}; the salt was altered or copied from another bundle. Use "
            "the bundle 'leasehold anchor' wrote for this file (earlier ones are under .previous/)"
        )


class NotInBatchError(BundleVerificationError):
    """The bundle's leaf and proof lead to another root than the batch the bundle names."""

    def __init__(self, leaf: str, computed: str, root: str) -> None:
        self.root = root
        super().__init__(
            f"the proof leads from leaf {leaf} to {computed}, not to the bundle's root {root}: the "
            "leaf is from another batch or the proof was altered. Use the bundle written with the "
            f"batch of root {root}, or the bundle of the batch whose root is {computed}"
        )

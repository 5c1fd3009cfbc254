"""Log decoders built from the compiled ABIs at load time: ``(address, topic0) -> decoder``.

Each event of each contract gets a small decoding function generated from its ABI entry when the
:class:`Decoder` is built (nothing is hand-copied: a changed ABI changes the decoders). The
generated function turns the hex strings of a JSON-RPC log into the raw bytes
``topic0 ‖ … ‖ topicN ‖ data`` with one hex parse and reads every static word straight out of that
buffer; the same buffer is what the contracts' journal hashes (see
``contracts/common/Journal.sol``), so the log hash costs one more keccak and no copy. An event made
of static words only (every hot event) also gets a masked decoder: one integer AND checks every
word's padding and range, one ``struct`` call reads them all, and the word-by-word decoder runs
only to name what is wrong. Types outside the fast path (arrays, tuples) fall back to ``eth_abi``
for the data part. web3.py's per-log ``process_log`` is not used. The source is written and compiled
by :mod:`offchain.chain._codegen`; this module holds the specs, the decoded :class:`Event` and the
:class:`Decoder` that picks a decoder per log.

Values come out as ``eth_abi`` gives them, except addresses, which are checksummed (as web3.py and
ape return them), and strings, which are decoded with ``surrogateescape`` so a contract-stored
string that is not valid UTF-8 still decodes, losslessly, instead of stopping the mirror.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import offchain.chain.abi as _abi_module
from offchain.chain._codegen import compile_decoder
from offchain.chain.abi import ABI, CONTRACTS, load_abi
from offchain.exceptions import DecodeError, RpcError

# safe-pysha3 is ~5x faster than eth-hash's pycryptodome backend, and a keccak per log matters here.
try:
    from sha3 import keccak_256 as _keccak_256  # type: ignore[import-untyped]

    def keccak256(data: bytes) -> bytes:
        """Keccak-256 of ``data``."""
        return _keccak_256(data).digest()  # type: ignore[no-any-return]

except ImportError:  # pragma: no cover - exercised only without safe-pysha3
    from eth_hash.auto import keccak as _eth_hash_keccak

    def keccak256(data: bytes) -> bytes:
        """Keccak-256 of ``data``."""
        return _eth_hash_keccak(data)


# ------------------------------------------------------------------------------------------ ABIs


def packaged_abi_path(contract: str) -> Path:
    """Where ``offchain/chain/abi/<contract>.json`` lives, found from ``offchain.chain.abi``'s own
    file."""
    return Path(_abi_module.__file__).with_name("abi") / f"{contract}.json"


def contract_abi(contract: str) -> ABI:
    """:func:`offchain.chain.abi.load_abi`, or the same file read by path when
    ``importlib.resources`` cannot see the package (a ``tests/offchain`` directory on ``sys.path``
    makes ``offchain`` a namespace package there)."""
    try:
        return load_abi(contract)
    except (OSError, TypeError):
        abi: ABI = json.loads(packaged_abi_path(contract).read_text())
        return abi


# ------------------------------------------------------------------------------------ addresses

_CHECKSUMS: dict[bytes, str] = {}
_CHECKSUM_CACHE_LIMIT = 1 << 20


def checksum_bytes(raw: bytes) -> str:
    """EIP-55 checksummed text of a 20-byte address (cached: accounts repeat across logs)."""
    text = _CHECKSUMS.get(raw)
    if text is None:
        lower = raw.hex()
        digest = keccak256(lower.encode("ascii")).hex()
        text = "0x" + "".join(
            c.upper() if c > "9" and digest[i] > "7" else c for i, c in enumerate(lower)
        )
        if len(_CHECKSUMS) >= _CHECKSUM_CACHE_LIMIT:
            _CHECKSUMS.clear()
        _CHECKSUMS[raw] = text
    return text


def to_checksum(address: str | bytes) -> str:
    """Checksummed form of an address given as text (any case, ``0x``-prefixed) or 20 bytes."""
    if isinstance(address, bytes):
        if len(address) != 20:
            raise DecodeError("address", f"{len(address)} bytes where 20 were expected")
        return checksum_bytes(address)
    text = address[2:] if address[:2] in ("0x", "0X") else address
    if len(text) != 40:
        raise DecodeError("address", f"{address!r} is not 20 bytes of hex")
    try:
        return checksum_bytes(bytes.fromhex(text))
    except ValueError:
        raise DecodeError("address", f"{address!r} is not hex") from None


# --------------------------------------------------------------------------------------- specs


def canonical_type(param: Mapping[str, Any]) -> str:
    """The ABI type of one parameter as it appears in a signature (tuples spelled out)."""
    kind: str = param["type"]
    if kind.startswith("tuple"):
        inner = ",".join(canonical_type(c) for c in param["components"])
        return f"({inner}){kind[len('tuple') :]}"
    return kind


def event_signature(entry: Mapping[str, Any]) -> str:
    """``Name(type1,type2,…)`` of an ABI event entry."""
    return f"{entry['name']}({','.join(canonical_type(p) for p in entry['inputs'])})"


def event_topic(entry: Mapping[str, Any]) -> bytes:
    """topic0 of an ABI event entry: keccak of its signature."""
    return keccak256(event_signature(entry).encode())


@dataclass(slots=True, frozen=True)
class EventSpec:
    """One event of one contract as the decoder knows it from the ABI."""

    contract: str
    name: str
    qualname: str  # "Contract.Event": what handlers are registered under
    signature: str
    topic0: bytes
    names: tuple[str, ...]
    types: tuple[str, ...]
    indexed: tuple[bool, ...]
    seq_index: int  # position of the journal's ``seq`` argument; -1 for events not journaled
    source: str = field(repr=False)  # the generated decoder, for reading and debugging

    @property
    def journaled(self) -> bool:
        """Whether the contract chains this event into its journal (it carries ``seq``)."""
        return self.seq_index >= 0


@dataclass(slots=True)
class Event:
    """One decoded log. ``args`` are in ABI order; ``raw`` is ``topic0 ‖ … ‖ topicN ‖ data``."""

    spec: EventSpec
    args: tuple[Any, ...]
    block_number: int
    block_hash: str
    log_index: int
    tx_hash: str
    raw: bytes

    @property
    def name(self) -> str:
        """The event's name."""
        return self.spec.name

    @property
    def contract(self) -> str:
        """The emitting contract's name."""
        return self.spec.contract

    @property
    def seq(self) -> int:
        """The journal sequence number the event carries (-1 when it is not journaled)."""
        index = self.spec.seq_index
        return int(self.args[index]) if index >= 0 else -1

    def as_dict(self) -> dict[str, Any]:
        """Arguments by name."""
        return dict(zip(self.spec.names, self.args, strict=True))


# ---------------------------------------------------------------------------------- compiling


def _compile(contract: str, entry: Mapping[str, Any]) -> tuple[EventSpec, Callable[..., Any]]:
    """The spec of one event and its generated decoder (:mod:`offchain.chain._codegen`)."""
    signature = event_signature(entry)
    topic0 = event_topic(entry)
    types = tuple(canonical_type(p) for p in entry["inputs"])
    where = f"{contract}.{signature}"
    source, decode = compile_decoder(where, entry, types, topic0, checksum_bytes)
    names = tuple(p["name"] for p in entry["inputs"])
    seq_index = next(
        (
            i
            for i, p in enumerate(entry["inputs"])
            if p["name"] == "seq" and p["type"] == "uint64" and not p["indexed"]
        ),
        -1,
    )
    spec = EventSpec(
        contract=contract,
        name=entry["name"],
        qualname=f"{contract}.{entry['name']}",
        signature=signature,
        topic0=topic0,
        names=names,
        types=types,
        indexed=tuple(bool(p["indexed"]) for p in entry["inputs"]),
        seq_index=seq_index,
        source=source,
    )
    return spec, decode


# ------------------------------------------------------------------------------------- decoder

LogDict = Mapping[str, Any]


@dataclass(slots=True, frozen=True)
class _Entry:
    spec: EventSpec
    fn: Callable[[Sequence[str], str], tuple[bytes, tuple[Any, ...]]]


class Decoder:
    """Decodes the logs of the deployed contracts: ``(address, topic0) -> EventSpec + function``.

    A contract's decoders are compiled when its first log or spec is asked for (a command-line
    read that decodes one contract's logs, or none, does not pay for the others).

    Args:
        addresses: contract name -> deployed address (any case).
        abis: contract name -> ABI; defaults to the packaged ABIs
        (:func:`offchain.chain.abi.load_abi`).
    """

    def __init__(
        self,
        addresses: Mapping[str, str],
        abis: Mapping[str, Sequence[Mapping[str, Any]]] | None = None,
    ) -> None:
        self.addresses = {name: to_checksum(addr) for name, addr in addresses.items()}
        self._abis = abis
        self._specs: dict[str, dict[str, EventSpec]] = {}
        self._by_address: dict[str, dict[str, _Entry]] = {}
        self._pending: dict[str, list[str]] = {}  # lowercase address -> contracts not compiled
        for name, address in self.addresses.items():
            self._pending.setdefault(address.lower(), []).append(name)
        self.unknown = 0  # logs from our addresses whose topic0 no ABI event has

    def _load(self, address: str) -> None:
        """Compile the decoders of the events of the contract(s) at ``address`` (lowercase)."""
        for contract in self._pending.pop(address, []):  # the last one at an address serves it
            abi = self._abis[contract] if self._abis is not None else contract_abi(contract)
            table: dict[str, _Entry] = {}
            specs: dict[str, EventSpec] = {}
            for entry in abi:
                if entry.get("type") != "event" or entry.get("anonymous"):
                    continue
                spec, fn = _compile(contract, entry)
                table["0x" + spec.topic0.hex()] = _Entry(spec, fn)
                specs[spec.name] = spec
            self._by_address[address] = table
            self._specs[contract] = specs

    @property
    def specs(self) -> dict[str, dict[str, EventSpec]]:
        """contract name -> event name -> spec, for every contract (compiling what is left)."""
        for address in list(self._pending):
            self._load(address)
        return {name: self._specs[name] for name in self.addresses}

    @classmethod
    def for_deployment(cls, addresses: Mapping[str, str]) -> Decoder:
        """A decoder for the packaged ABIs of :data:`offchain.chain.abi.CONTRACTS` at these
        addresses."""
        missing = [c for c in CONTRACTS if c not in addresses]
        if missing:
            raise DecodeError("deployment", f"no address for {', '.join(missing)}")
        return cls(addresses)

    def spec(self, contract: str, event: str) -> EventSpec:
        """The spec of one event (KeyError naming what exists when unknown)."""
        if contract in self.addresses:
            self._load(self.addresses[contract].lower())
        try:
            return self._specs[contract][event]
        except KeyError:
            raise DecodeError(
                f"{contract}.{event}",
                f"no such event; known: {sorted(self.specs.get(contract, {}))}",
            ) from None

    def decode_args(self, address: str, topics: Sequence[str], data: str) -> Event | None:
        """Decode topics and data only (no block metadata): for tests and tools."""
        return self.decode({"address": address, "topics": topics, "data": data})

    def _events_at(self, address: str) -> dict[str, _Entry] | None:
        """The decoders of the contract at ``address`` in any case; a spelling found is kept, so
        the next log spelled the same way (nodes keep to one) is found without lowering it."""
        lower = address.lower()
        if lower in self._pending:
            self._load(lower)
        table = self._by_address.get(lower)
        if table is not None:
            self._by_address[address] = table
        return table

    def decode(self, log: LogDict) -> Event | None:
        """Decode one JSON-RPC log; ``None`` for a log that is not from our contracts' events."""
        table = self._by_address.get(log["address"]) or self._events_at(log["address"])
        topics = log["topics"]
        if table is None or not topics:
            return None
        entry = table.get(topics[0]) or table.get(topics[0].lower())
        if entry is None:
            self.unknown += 1
            return None
        raw, args = entry.fn(topics, log["data"])
        block = log.get("blockNumber")
        index = log.get("logIndex")
        return Event(
            entry.spec,
            args,
            int(block, 16) if block else -1,
            log.get("blockHash") or "",
            int(index, 16) if index else -1,
            log.get("transactionHash") or "",
            raw,
        )

    def decode_many(self, logs: Sequence[LogDict]) -> list[Event]:
        """Decode a batch of logs in order, skipping logs that are not our events."""
        out: list[Event] = []
        append = out.append
        by_address = self._by_address
        blocks: dict[str, int] = {}  # one int per block, shared by its logs (memory, not speed)
        for log in logs:
            table = by_address.get(log["address"]) or self._events_at(log["address"])
            topics = log["topics"]
            if table is None or not topics:
                continue
            entry = table.get(topics[0]) or table.get(topics[0].lower())
            if entry is None:
                self.unknown += 1
                continue
            raw, args = entry.fn(topics, log["data"])
            block_hex = log["blockNumber"]
            number = blocks.get(block_hex)
            if number is None:
                number = blocks[block_hex] = int(block_hex, 16)
            append(
                Event(
                    entry.spec,
                    args,
                    number,
                    log["blockHash"],
                    int(log["logIndex"], 16),
                    log["transactionHash"],
                    raw,
                )
            )
        return out

    def decode_chunk(self, logs: Sequence[LogDict], hashes: Mapping[int, str]) -> list[Event]:
        """:meth:`decode_many` for one ``eth_getLogs`` answer that must come from one fork: every
        log of a block carries the same block hash, and the hash in ``hashes`` (block number ->
        the header's hash) for the blocks given there. Checked in the decoding loop, where each
        log is at hand anyway (a pass of its own costs more than the comparison).

        Raises:
            RpcError: the node answered from two forks (the chunk is to be read again).
        """
        out: list[Event] = []
        append = out.append
        by_address = self._by_address
        blocks: dict[str, tuple[int, str]] = {}  # block number (hex) -> (number, hash)
        for log in logs:
            table = by_address.get(log["address"]) or self._events_at(log["address"])
            topics = log["topics"]
            if table is None or not topics:
                continue
            entry = table.get(topics[0]) or table.get(topics[0].lower())
            if entry is None:
                self.unknown += 1
                continue
            raw, args = entry.fn(topics, log["data"])
            block_hex = log["blockNumber"]
            block_hash = log["blockHash"]
            known = blocks.get(block_hex)
            if known is None:
                number = int(block_hex, 16)
                known = blocks[block_hex] = (number, hashes.get(number, block_hash))
            if known[1] != block_hash:
                raise RpcError(
                    "eth_getLogs",
                    -32603,
                    f"a log of block {known[0]} has hash {block_hash} where {known[1]} was read: "
                    "the chain reorganized while the chunk was read; reading it again",
                    "",
                )
            append(
                Event(
                    entry.spec,
                    args,
                    known[0],
                    block_hash,
                    int(log["logIndex"], 16),
                    log["transactionHash"],
                    raw,
                )
            )
        return out

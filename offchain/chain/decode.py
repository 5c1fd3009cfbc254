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
for the data part. web3.py's per-log ``process_log`` is not used.

Values come out as ``eth_abi`` gives them, except addresses, which are checksummed (as web3.py and
ape return them), and strings, which are decoded with ``surrogateescape`` so a contract-stored
string that is not valid UTF-8 still decodes, losslessly, instead of stopping the mirror.
"""

from __future__ import annotations

import json
import struct
from binascii import unhexlify
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eth_abi.abi import decode as eth_abi_decode

import offchain.chain.abi as _abi_module
from offchain.chain.abi import ABI, CONTRACTS, load_abi
from offchain.exceptions import DecodeError

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


# ---------------------------------------------------------------------------------- generation

_STATIC_WORD = ("uint", "int", "address", "bool", "bytes32")


def _is_word(kind: str) -> bool:
    """True for the single-word static types the fast path reads straight from the buffer."""
    if kind in ("address", "bool"):
        return True
    if kind.startswith("uint") or kind.startswith("int"):
        return "[" not in kind
    return kind.startswith("bytes") and kind != "bytes" and "[" not in kind


def _is_fast(kind: str) -> bool:
    return _is_word(kind) or kind in ("string", "bytes")


def _word_expr(kind: str, at: str, name: str, lines: list[str], consts: dict[str, Any]) -> str:
    """Emit the checks reading one static word at buffer offset ``at``; return its expression."""
    end = f"{at} + 32"
    if kind == "address":
        lines.append(
            f"    if raw[{at} : {at} + 12] != _Z12: _bad({name!r}, 'dirty address padding')"
        )
        return f"_cs(raw[{at} + 12 : {end}])"
    if kind == "bool":
        lines.append(f"    b_ = raw[{at} : {end}]")
        lines.append(f"    if b_ != _TRUE and b_ != _FALSE: _bad({name!r}, 'bool not 0 or 1')")
        return "b_ == _TRUE"
    if kind.startswith("uint"):
        bits = int(kind[4:] or 256)
        var = f"v{len(lines)}"
        lines.append(f"    {var} = _int(raw[{at} : {end}], 'big')")
        if bits < 256:
            consts[f"_MAX{bits}"] = (1 << bits) - 1
            lines.append(f"    if {var} > _MAX{bits}: _bad({name!r}, 'uint{bits} out of range')")
        return var
    if kind.startswith("int"):
        bits = int(kind[3:] or 256)
        var = f"v{len(lines)}"
        lines.append(f"    {var} = _int(raw[{at} : {end}], 'big', signed=True)")
        if bits < 256:
            consts[f"_IMAX{bits}"] = (1 << (bits - 1)) - 1
            lines.append(
                f"    if not -_IMAX{bits} - 1 <= {var} <= _IMAX{bits}: "
                f"_bad({name!r}, 'int{bits} out of range')"
            )
        return var
    size = int(kind[5:])  # bytesN
    if size == 32:
        return f"raw[{at} : {end}]"
    lines.append(
        f"    if raw[{at} + {size} : {end}] != _Z32[{size}:]: _bad({name!r}, 'dirty bytes{size}')"
    )
    return f"raw[{at} : {at} + {size}]"


def _generate(entry: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    """Source of ``decode(topics, data) -> (raw, args)`` for one event, and its constants."""
    inputs = entry["inputs"]
    topic_params = [p for p in inputs if p["indexed"]]
    data_params = [p for p in inputs if not p["indexed"]]
    n_topics = 1 + len(topic_params)
    base = 32 * n_topics
    consts: dict[str, Any] = {}
    hexes = "".join(f"{{topics[{i}][2:]}}" for i in range(n_topics))
    lines = [
        "def decode(topics, data):",
        f"    if len(topics) != {n_topics}: _bad('topics', f'{{len(topics)}} topics, "
        f"expected {n_topics}')",
        "    try:",
        f'        raw = _fromhex(f"{hexes}{{data[2:]}}")',
        "    except (ValueError, TypeError):",
        "        _bad('hex', 'topics or data are not hex')",
        "    n = len(raw)",
        f"    if n != {base} + ((n - {base}) // 32) * 32 or len(topics[{n_topics - 1}]) != 66:",
        "        _bad('length', f'{n} bytes are not whole words')",
    ]
    exprs: dict[int, str] = {}
    slow = any(not _is_fast(canonical_type(p)) for p in data_params)
    head = 32 * len(data_params)
    if slow:
        consts["_DATA_TYPES"] = [canonical_type(p) for p in data_params]
        lines.append(f"    values = _abi_decode(_DATA_TYPES, raw[{base}:])")
    elif data_params:
        lines.append(
            f"    if n < {base + head}: _bad('data', f'{{n - {base}}} data bytes, need {head}')"
        )
    data_i = 0
    topic_i = 1
    for position, param in enumerate(inputs):
        kind = canonical_type(param)
        name = param["name"] or f"arg{position}"
        if param["indexed"]:
            at = 32 * topic_i
            topic_i += 1
            # Indexed dynamic values (string, bytes, arrays, tuples) are only their hash on chain.
            exprs[position] = (
                _word_expr(kind, str(at), name, lines, consts)
                if _is_word(kind)
                else f"raw[{at} : {at} + 32]"
            )
        elif slow:
            exprs[position] = f"values[{data_i}]"
            data_i += 1
        else:
            at = base + 32 * data_i
            data_i += 1
            if _is_word(kind):
                exprs[position] = _word_expr(kind, str(at), name, lines, consts)
            else:
                var = f"d{position}"
                lines += [
                    f"    o_ = _int(raw[{at} : {at + 32}], 'big')",
                    f"    if o_ < {head} or o_ % 32 or {base} + o_ + 32 > n: "
                    f"_bad({name!r}, 'offset out of range')",
                    f"    s_ = {base} + o_ + 32",
                    "    l_ = _int(raw[s_ - 32 : s_], 'big')",
                    f"    if s_ + l_ > n: _bad({name!r}, 'length out of range')",
                    "    p_ = s_ + l_ + (-l_ % 32)",
                    f"    if p_ > n or raw[s_ + l_ : p_].strip(b'\\x00'): "
                    f"_bad({name!r}, 'dirty padding')",
                ]
                if kind == "string":
                    lines.append(
                        f"    {var} = raw[s_ : s_ + l_].decode('utf-8', 'surrogateescape')"
                    )
                else:
                    lines.append(f"    {var} = raw[s_ : s_ + l_]")
                exprs[position] = var
    args = ", ".join(exprs[i] for i in range(len(inputs)))
    lines.append(f"    return raw, ({args}{',' if len(inputs) == 1 else ''})")
    return "\n".join(lines) + "\n", consts


def _word_layout(kind: str) -> tuple[str, int, str] | None:
    """How the masked path reads one static word: its ``struct`` format, the bits of the word
    that must be zero (as an int over its 256 bits) and the expression building the value from
    the unpacked items (``{0}``, ``{1}``); ``None`` for types it cannot check with a mask."""
    if kind == "address":
        return "12x20s", ((1 << 96) - 1) << 160, "_cs({0})"
    if kind == "bool":
        return "31x?", ((1 << 255) - 1) << 1, "{0}"
    if kind.startswith("uint"):
        bits = int(kind[4:] or 256)
        pad = ((1 << (256 - bits)) - 1) << bits
        if bits <= 64:
            return "24xQ", pad, "{0}"
        if bits <= 128:
            return "16xQQ", pad, "{0} << 64 | {1}"
        return "32s", pad, "_int({0}, 'big')"
    if kind.startswith("bytes") and kind != "bytes" and "[" not in kind:
        size = int(kind[5:])
        return f"{size}s{32 - size}x" if size < 32 else "32s", (1 << (8 * (32 - size))) - 1, "{0}"
    return None  # signed ints must be sign-extended, not zero-padded: checked word by word


def _generate_masked(entry: Mapping[str, Any]) -> tuple[str, dict[str, Any]] | None:
    """Source of a faster ``decode(topics, data)`` for events of static words only, or ``None``.

    One ``int.from_bytes`` of the words and one AND with the bits every word must have zero
    check all of them at once (padding, ranges); one ``struct`` call unpacks them; topic0 is not
    parsed (it chose the decoder) and ``binascii.unhexlify`` parses the rest (a fifth faster than
    ``bytes.fromhex``). Anything amiss goes to ``_checked``, the word-by-word decoder of
    :func:`_generate`, which says what.
    """
    inputs = entry["inputs"]
    layouts = []
    for param in [p for p in inputs if p["indexed"]] + [p for p in inputs if not p["indexed"]]:
        kind = canonical_type(param)
        indexed_hash = param["indexed"] and not _is_word(kind)  # a dynamic value's hash
        if indexed_hash:
            layout: tuple[str, int, str] | None = ("32s", 0, "{0}")
        else:
            layout = _word_layout(kind) if _is_word(kind) else None
        if layout is None:
            return None
        layouts.append((param, layout))
    n_topics = 1 + sum(1 for p in inputs if p["indexed"])
    base = 32 * n_topics
    end = 32 + 32 * len(layouts)  # topic0 is not read: it chose this decoder
    fmt, mask, values, item = ">", 0, {}, 0
    for word, (param, (word_fmt, pad, expr)) in enumerate(layouts):
        fmt += word_fmt
        mask |= pad << (256 * (len(layouts) - 1 - word))
        items = sum(1 for c in word_fmt if c.isalpha() and c != "x")
        values[id(param)] = expr.format(*(f"u{item + i}" for i in range(items)))
        item += items
    # topic0 chose this decoder (the table is keyed by it), so its bytes are the spec's.
    hexes = "".join(f"{{topics[{i}][2:]}}" for i in range(1, n_topics))
    lines = [
        "def decode(topics, data):",
        f"    if len(topics) != {n_topics}: return _checked(topics, data)",
        "    try:",
        f'        raw = _TOPIC0 + _unhex(f"{hexes}{{data[2:]}}")',
        "    except (ValueError, TypeError):",
        "        return _checked(topics, data)",
        "    n = len(raw)",
        f"    if n != {base} + ((n - {base}) // 32) * 32 or n < {end} "
        f"or len(topics[{n_topics - 1}]) != 66:",
        "        return _checked(topics, data)",
    ]
    if mask:
        lines.append(f"    if _int(raw[32:{end}], 'big') & _PAD: return _checked(topics, data)")
    unpacked = ", ".join(f"u{i}" for i in range(item))
    if item:
        lines.append(f"    {unpacked}{',' if item == 1 else ''} = _unpack(raw, 32)")
    args = ", ".join(values[id(p)] for p in inputs)
    lines.append(f"    return raw, ({args}{',' if len(inputs) == 1 else ''})")
    consts = {"_PAD": mask, "_unpack": struct.Struct(fmt).unpack_from, "_unhex": unhexlify}
    return "\n".join(lines) + "\n", {**consts, "_TOPIC0": event_topic(entry)}


def _compile(contract: str, entry: Mapping[str, Any]) -> tuple[EventSpec, Callable[..., Any]]:
    source, consts = _generate(entry)
    signature = event_signature(entry)

    def bad(what: str, why: str) -> None:
        raise DecodeError(f"{contract}.{signature} {what}", why)

    def abi_decode(types: list[str], data: bytes) -> tuple[Any, ...]:
        try:
            return tuple(eth_abi_decode(types, data))
        except Exception as exc:
            raise DecodeError(f"{contract}.{signature} data", str(exc)) from None

    namespace: dict[str, Any] = {
        "_fromhex": bytes.fromhex,
        "_int": int.from_bytes,
        "_cs": checksum_bytes,
        "_bad": bad,
        "_abi_decode": abi_decode,
        "_Z12": bytes(12),
        "_Z32": bytes(32),
        "_TRUE": (1).to_bytes(32, "big"),
        "_FALSE": bytes(32),
        **consts,
    }
    exec(compile(source, f"<decoder {contract}.{signature}>", "exec"), namespace)
    masked = _generate_masked(entry)
    if masked is not None:  # the word-by-word decoder stays, to name what is wrong
        fast, consts = masked
        namespace.update(consts, _checked=namespace["decode"])
        exec(compile(fast, f"<decoder {contract}.{signature}, masked>", "exec"), namespace)
        source = source.replace("def decode(", "def _checked(", 1) + "\n" + fast
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
        topic0=event_topic(entry),
        names=names,
        types=tuple(canonical_type(p) for p in entry["inputs"]),
        indexed=tuple(bool(p["indexed"]) for p in entry["inputs"]),
        seq_index=seq_index,
        source=source,
    )
    return spec, namespace["decode"]


# ------------------------------------------------------------------------------------- decoder

LogDict = Mapping[str, Any]


@dataclass(slots=True, frozen=True)
class _Entry:
    spec: EventSpec
    fn: Callable[[Sequence[str], str], tuple[bytes, tuple[Any, ...]]]


class Decoder:
    """Decodes the logs of the deployed contracts: ``(address, topic0) -> EventSpec + function``.

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
        self.specs: dict[str, dict[str, EventSpec]] = {}
        self._by_address: dict[str, dict[str, _Entry]] = {}
        for contract, address in self.addresses.items():
            abi = abis[contract] if abis is not None else contract_abi(contract)
            table: dict[str, _Entry] = {}
            specs: dict[str, EventSpec] = {}
            for entry in abi:
                if entry.get("type") != "event" or entry.get("anonymous"):
                    continue
                spec, fn = _compile(contract, entry)
                table["0x" + spec.topic0.hex()] = _Entry(spec, fn)
                specs[spec.name] = spec
            self._by_address[address.lower()] = table
            self.specs[contract] = specs
        self.unknown = 0  # logs from our addresses whose topic0 no ABI event has

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
        try:
            return self.specs[contract][event]
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
        table = self._by_address.get(address.lower())
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

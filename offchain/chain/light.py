"""Contract reads without web3.py: ``eth_call`` through the package's JSON-RPC client.

Importing web3.py costs a command-line read more than everything else it does (issue 14: 0.2 s of
a 0.6 s ``leasehold tenant show``). :class:`LightWeb3` is the part of ``Web3`` the contract
clients' views use, over :class:`~offchain.chain.rpc.RpcClient` and a small ABI codec for the
types the three contracts' views take and return (words, ``string``/``bytes``, arrays of words,
static tuples): ``eth.contract(address=, abi=).functions[name](*args).call()``, ``eth.get_logs``,
``eth.get_block``, ``eth.block_number``, ``eth.chain_id`` and ``provider.endpoint_uri``. Values come
back as web3.py gives them (checksummed addresses, ``bytes``, a tuple per struct, a list for
several outputs), so :class:`~offchain.chain.client.LeaseholdClient` reads through it unchanged.

A one-shot reader asks few requests: :meth:`LightWeb3.gather` runs several reads of the client's
views with one JSON-RPC batch per round of their calls, and ``LeaseholdClient.from_manifest``
checks the deployment in one batch (:func:`~offchain.chain.manifest.check_chain_batch`).

It sends no transactions: a client over it has no signer (writes take a ``Web3``). A revert
raises :class:`CallRevertError` carrying the revert data, which
:mod:`offchain.chain.errors` decodes as it does web3.py's ``ContractLogicError``; a node that does
not answer raises :class:`~offchain.exceptions.RpcUnavailableError` (a ``ConnectionError``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from offchain.chain.decode import canonical_type, keccak256, to_checksum
from offchain.chain.rpc import RpcClient
from offchain.exceptions import RpcError

_WORD = re.compile(r"^(uint|int)(\d*)$|^bytes([1-9]|[12]\d|3[0-2])$|^address$|^bool$")
T = TypeVar("T")
_QUANTITIES = frozenset(
    {"number", "timestamp", "gasLimit", "gasUsed", "baseFeePerGas", "size", "difficulty", "nonce"}
)


class CallRevertError(Exception):
    """An ``eth_call`` reverted; ``data`` is the revert data (``0x`` hex, maybe empty)."""

    def __init__(self, message: str, data: str) -> None:
        super().__init__(message)
        self.data = data


# ------------------------------------------------------------------------------------ codec


def _encode_word(kind: str, value: Any) -> bytes:
    if kind == "address":
        text = str(value)
        return bytes(12) + bytes.fromhex(text[2:] if text[:2] in ("0x", "0X") else text)
    if kind == "bool":
        return int(bool(value)).to_bytes(32, "big")
    if kind.startswith("bytes"):
        raw = bytes.fromhex(value[2:]) if isinstance(value, str) else bytes(value)
        if len(raw) > int(kind[5:]):
            raise ValueError(f"{kind} given {len(raw)} bytes")
        return raw.ljust(32, b"\0")
    bits = int((kind[4:] if kind.startswith("uint") else kind[3:]) or 256)
    number = int(value)
    if kind.startswith("uint") and not 0 <= number < 1 << bits:
        raise ValueError(f"{number} is out of the range of {kind}")
    if kind.startswith("int") and not -(1 << (bits - 1)) <= number < 1 << (bits - 1):
        raise ValueError(f"{number} is out of the range of {kind}")
    return number.to_bytes(32, "big", signed=kind.startswith("int"))


def _padded(raw: bytes) -> bytes:
    return len(raw).to_bytes(32, "big") + raw + bytes(-len(raw) % 32)


def encode(types: Sequence[str], values: Sequence[Any]) -> bytes:
    """ABI-encode ``values``: words, ``string``/``bytes`` and arrays of words."""
    heads: list[bytes] = []
    tails: list[bytes] = []
    for kind, value in zip(types, values, strict=True):
        if _WORD.match(kind):
            heads.append(_encode_word(kind, value))
            continue
        if kind in ("string", "bytes"):
            tail = _padded(value.encode() if isinstance(value, str) else bytes(value))
        elif kind.endswith("[]") and _WORD.match(kind[:-2]):
            items = list(value)
            tail = len(items).to_bytes(32, "big") + b"".join(
                _encode_word(kind[:-2], v) for v in items
            )
        else:
            raise TypeError(f"the light client does not encode {kind}")
        heads.append(b"")  # the offset, once the heads' size is known
        tails.append(tail)
    offset = 32 * len(heads)
    out: list[bytes] = []
    rest = iter(tails)
    for head in heads:
        if head:
            out.append(head)
        else:
            tail = next(rest)
            out.append(offset.to_bytes(32, "big"))
            offset += len(tail)
    return b"".join(out + tails)


def _decode_word(kind: str, word: bytes) -> Any:
    if kind == "address":
        return to_checksum(word[12:])
    if kind == "bool":
        return word[-1] == 1
    if kind.startswith("bytes"):
        return word[: int(kind[5:])]
    return int.from_bytes(word, "big", signed=kind.startswith("int"))


def _tuple_parts(kind: str) -> list[str] | None:
    """The member types of a static tuple of words (``(uint8,address)``), else None."""
    if not (kind.startswith("(") and kind.endswith(")")):
        return None
    parts = kind[1:-1].split(",")
    return parts if all(_WORD.match(p) for p in parts) else None


def decode(types: Sequence[str], data: bytes) -> list[Any]:
    """ABI-decode ``data``: words, static tuples of words, ``string``/``bytes``, arrays of words
    and arrays of static tuples of words.

    Raises:
        ValueError: the data is too short for the types.
    """
    found: list[Any] = []
    at = 0

    def word(offset: int) -> bytes:
        if offset + 32 > len(data):
            raise ValueError(f"{len(data)} bytes of return data is too short for {list(types)}")
        return data[offset : offset + 32]

    for kind in types:
        parts = _tuple_parts(kind)
        if _WORD.match(kind):
            found.append(_decode_word(kind, word(at)))
            at += 32
        elif parts is not None:
            found.append(tuple(_decode_word(p, word(at + 32 * i)) for i, p in enumerate(parts)))
            at += 32 * len(parts)
        elif kind in ("string", "bytes") or (kind.endswith("[]") and _WORD.match(kind[:-2])):
            start = int.from_bytes(word(at), "big")
            size = int.from_bytes(word(start), "big")
            at += 32
            if kind.endswith("[]"):
                found.append(
                    [_decode_word(kind[:-2], word(start + 32 * (i + 1))) for i in range(size)]
                )
                continue
            if start + 32 + size > len(data):
                raise ValueError(f"{kind} runs past the end of the return data")
            raw = data[start + 32 : start + 32 + size]
            found.append(raw.decode() if kind == "string" else raw)
        elif kind.endswith("[]") and _tuple_parts(kind[:-2]) is not None:
            fields = _tuple_parts(kind[:-2]) or []
            start = int.from_bytes(word(at), "big")
            size = int.from_bytes(word(start), "big")
            at += 32
            step = 32 * len(fields)
            found.append(
                [
                    tuple(
                        _decode_word(f, word(start + 32 + step * i + 32 * j))
                        for j, f in enumerate(fields)
                    )
                    for i in range(size)
                ]
            )
        else:
            raise TypeError(f"the light client does not decode {kind}")
    return found


# ----------------------------------------------------------------------------------- calls


@dataclass(frozen=True, slots=True)
class _Function:
    contract: LightContract
    entry: Mapping[str, Any]
    args: tuple[Any, ...]

    def call(self) -> Any:
        """The function's result at the latest block, as web3.py returns it."""
        outputs = [canonical_type(p) for p in self.entry["outputs"]]
        answer = self.contract.w3.eth_call(self.contract.address, self.data())
        values = decode(outputs, bytes.fromhex(str(answer)[2:]))
        return values[0] if len(values) == 1 else values

    def data(self) -> str:
        """The call's input data: selector and encoded arguments, ``0x`` hex."""
        inputs = [canonical_type(p) for p in self.entry["inputs"]]
        selector = self.contract.selector(self.entry["name"], inputs)
        return "0x" + (selector + encode(inputs, self.args)).hex()


class _Functions:
    def __init__(self, contract: LightContract) -> None:
        self._contract = contract

    def __getitem__(self, name: str) -> Any:
        entries = [
            e for e in self._contract.abi if e.get("type") == "function" and e["name"] == name
        ]
        if not entries:
            raise KeyError(f"no function {name!r} in the ABI")

        def bind(*args: Any) -> _Function:
            for entry in entries:
                if len(entry["inputs"]) == len(args):
                    return _Function(self._contract, entry, args)
            raise TypeError(f"{name} takes {len(entries[0]['inputs'])} arguments, not {len(args)}")

        return bind


class LightContract:
    """A deployed contract's functions, called with ``eth_call``."""

    def __init__(self, w3: LightWeb3, address: str, abi: Sequence[Mapping[str, Any]]) -> None:
        self.w3 = w3
        self.address = to_checksum(address)
        self.abi = abi
        self.functions = _Functions(self)

    def selector(self, name: str, inputs: Sequence[str]) -> bytes:
        """The 4-byte selector of ``name(inputs)``."""
        return keccak256(f"{name}({','.join(inputs)})".encode())[:4]


# ------------------------------------------------------------------------------------- node


@dataclass(frozen=True, slots=True)
class _Provider:
    endpoint_uri: str


class _Eth:
    def __init__(self, w3: LightWeb3) -> None:
        self._w3 = w3

    def contract(self, address: str, abi: Sequence[Mapping[str, Any]]) -> LightContract:
        return LightContract(self._w3, address, abi)

    @property
    def block_number(self) -> int:
        return int(self._w3.rpc.call("eth_blockNumber"), 16)

    @property
    def chain_id(self) -> int:
        return int(self._w3.rpc.call("eth_chainId"), 16)

    def get_block(self, block: int | str) -> dict[str, Any]:
        tag = hex(block) if isinstance(block, int) else block
        found = self._w3.rpc.call("eth_getBlockByNumber", [tag, False])
        if found is None:
            raise LookupError(f"no block {block}")
        return {k: int(v, 16) if k in _QUANTITIES else v for k, v in found.items()}

    def get_logs(self, query: Mapping[str, Any]) -> list[dict[str, Any]]:
        wire = {k: hex(v) if isinstance(v, int) else v for k, v in query.items()}
        return [
            {
                **log,
                "topics": [bytes.fromhex(t[2:]) for t in log["topics"]],
                "data": bytes.fromhex(log["data"][2:]),
                "blockNumber": int(log["blockNumber"], 16),
                "logIndex": int(log["logIndex"], 16),
            }
            for log in self._w3.rpc.call("eth_getLogs", [wire])
        ]


class LightWeb3:
    """Reads from a node at ``url`` in the shape of ``Web3`` (see the module's docstring)."""

    def __init__(self, url: str, *, timeout: float = 60.0, attempts: int = 3) -> None:
        # small answers: the standard library parses them as fast as msgspec, without its import
        self.rpc = RpcClient(url, timeout=timeout, attempts=attempts, parse=json.loads)
        self.provider = _Provider(url)
        self.eth = _Eth(self)
        self._answers: dict[tuple[str, str], Any] = {}  # eth_call answers, inside gather()
        self._asked: list[tuple[str, str]] | None = None  # calls to ask next, inside gather()

    def call(self, method: str, params: Any = ()) -> Any:
        """One JSON-RPC call (the shape :func:`offchain.chain.manifest.check_chain` asks for)."""
        return self.rpc.call(method, list(params))

    def batch(self, calls: Sequence[tuple[str, Sequence[Any]]]) -> list[Any]:
        """Several JSON-RPC calls in one request; each item is its result or an ``RpcError``."""
        return self.rpc.batch(calls)

    def eth_call(self, to: str, data: str) -> str:
        """``eth_call`` at the latest block (inside :meth:`gather`, from its batches).

        Raises:
            CallRevertError: the call reverted.
        """
        key = (to.lower(), data)
        if key in self._answers:
            answer = self._answers[key]
        elif self._asked is not None:
            self._asked.append(key)
            raise _Unanswered
        else:
            try:
                answer = self.rpc.call("eth_call", [{"to": to, "data": data}, "latest"])
            except RpcError as exc:
                answer = exc
        if isinstance(answer, RpcError):
            raise _reverted(answer) from None
        return str(answer)

    def gather(self, reads: Sequence[Callable[[], T]]) -> list[T]:
        """``[read() for read in reads]``, but each round of the reads' contract calls asked in one
        JSON-RPC batch request instead of one request per call.

        A read is a function of the client's views (``lambda: client.registry.tenant(7)``). Each
        runs until it makes a call not asked yet; the round's calls go to the node in one batch,
        and the reads not finished run again, taking the answers they had from the batches: as
        many requests as the longest read makes calls, not as all reads together. Other requests
        (logs, blocks) are sent as they come, again in each round a read runs. The answers are
        those of the latest block when each batch was answered. The first read (in order) that
        failed raises its error.
        """
        done: dict[int, tuple[bool, Any]] = {}
        pending = list(range(len(reads)))
        try:
            while pending:
                self._asked, waiting = [], []
                for index in pending:
                    try:
                        done[index] = (True, reads[index]())
                    except _Unanswered:
                        waiting.append(index)
                    except Exception as exc:  # raised below, in the reads' order
                        done[index] = (False, exc)
                keys = list(dict.fromkeys(self._asked))
                self._asked = None
                if keys:
                    calls = [("eth_call", [{"to": a, "data": d}, "latest"]) for a, d in keys]
                    self._answers.update(zip(keys, self.rpc.batch(calls), strict=True))
                pending = waiting
        finally:
            self._asked = None
            self._answers.clear()
        results: list[T] = []
        for index in range(len(reads)):
            ok, value = done[index]
            if not ok:
                raise value
            results.append(value)
        return results


class _Unanswered(BaseException):
    """A call :meth:`LightWeb3.gather` asks in its next batch (a ``BaseException``, so that no
    ``except Exception`` of the reads' code takes it for a failure)."""


def _reverted(exc: RpcError) -> Exception:
    """A node's answer to a failed ``eth_call``: a :class:`CallRevertError` when it reverted."""
    if "revert" in exc.rpc_message.lower() or exc.code == 3:
        return CallRevertError(exc.rpc_message, exc.data if isinstance(exc.data, str) else "0x")
    return exc


__all__ = ["CallRevertError", "LightContract", "LightWeb3", "decode", "encode"]

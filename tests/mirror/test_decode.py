"""Decoders built from the ABIs agree with eth_abi on every event, and refuse malformed logs."""

from __future__ import annotations

from typing import Any

import pytest
from eth_abi import decode as abi_decode
from eth_abi import encode as abi_encode
from eth_utils import event_abi_to_log_topic, to_checksum_address
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from offchain.chain.abi import CONTRACTS
from offchain.chain.decode import Decoder, checksum_bytes, contract_abi, keccak256, to_checksum
from offchain.exceptions import DecodeError

ADDRESSES = {
    "TenantRegistry": "0x" + "a1" * 20,
    "DataAnchor": "0x" + "b2" * 20,
    "LeaseMarket": "0x" + "c3" * 20,
}
EVENTS = [
    (contract, entry)
    for contract in CONTRACTS
    for entry in contract_abi(contract)
    if entry["type"] == "event"
]


@pytest.fixture(scope="module")
def decoder() -> Decoder:
    return Decoder(ADDRESSES)


def _strategy(kind: str) -> st.SearchStrategy[Any]:
    if kind == "address":
        return st.binary(min_size=20, max_size=20).map(lambda b: to_checksum_address(b))
    if kind == "bool":
        return st.booleans()
    if kind == "string":
        return st.text(max_size=300)
    if kind == "bytes":
        return st.binary(max_size=300)
    if kind.startswith("uint"):
        bits = int(kind[4:] or 256)
        return st.one_of(st.integers(0, 2**bits - 1), st.sampled_from([0, 2**bits - 1]))
    if kind.startswith("int"):
        bits = int(kind[3:] or 256)
        return st.integers(-(2 ** (bits - 1)), 2 ** (bits - 1) - 1)
    if kind.startswith("bytes"):
        return st.binary(min_size=int(kind[5:]), max_size=int(kind[5:]))
    raise AssertionError(f"no strategy for {kind}")


def _log(contract: str, entry: dict[str, Any], values: list[Any]) -> dict[str, Any]:
    """A JSON-RPC log as a node would send it, encoded with eth_abi."""
    topics = ["0x" + event_abi_to_log_topic(entry).hex()]
    data_types, data_values = [], []
    for param, value in zip(entry["inputs"], values, strict=True):
        if param["indexed"]:
            topics.append("0x" + abi_encode([param["type"]], [value]).hex())
        else:
            data_types.append(param["type"])
            data_values.append(value)
    return {
        "address": ADDRESSES[contract],
        "topics": topics,
        "data": "0x" + abi_encode(data_types, data_values).hex(),
        "blockNumber": "0x2a",
        "blockHash": "0x" + "ee" * 32,
        "logIndex": "0x3",
        "transactionHash": "0x" + "dd" * 32,
    }


def _reference(entry: dict[str, Any], log: dict[str, Any]) -> tuple[Any, ...]:
    """What eth_abi decodes from the same log (addresses checksummed, as the decoder returns)."""
    topics = iter(bytes.fromhex(t[2:]) for t in log["topics"][1:])
    data_types = [p["type"] for p in entry["inputs"] if not p["indexed"]]
    data = iter(abi_decode(data_types, bytes.fromhex(log["data"][2:])))
    out = []
    for param in entry["inputs"]:
        value = abi_decode([param["type"]], next(topics))[0] if param["indexed"] else next(data)
        out.append(to_checksum_address(value) if param["type"] == "address" else value)
    return tuple(out)


@st.composite
def _event_logs(draw: st.DrawFn) -> tuple[str, dict[str, Any], list[Any]]:
    contract, entry = draw(st.sampled_from(EVENTS))
    values = [draw(_strategy(p["type"])) for p in entry["inputs"]]
    return contract, entry, values


def _edge(contract: str, name: str, pick: str) -> tuple[str, dict[str, Any], list[Any]]:
    entry = next(e for c, e in EVENTS if c == contract and e["name"] == name)
    values = []
    for p in entry["inputs"]:
        kind = p["type"]
        if kind == "string":
            values.append({"max": "ü" * 128, "min": ""}[pick])
        elif kind == "address":
            values.append(
                to_checksum_address({"max": "0x" + "ff" * 20, "min": "0x" + "00" * 20}[pick])
            )
        elif kind.startswith("uint"):
            values.append({"max": 2 ** int(kind[4:] or 256) - 1, "min": 0}[pick])
        elif kind.startswith("bytes"):
            values.append({"max": b"\xff", "min": b"\x00"}[pick] * int(kind[5:]))
        elif kind == "bool":
            values.append(pick == "max")
        else:
            raise AssertionError(kind)
    return contract, entry, values


@given(case=_event_logs())
@example(case=_edge("TenantRegistry", "TenantRegistered", "max"))
@example(case=_edge("TenantRegistry", "TenantRegistered", "min"))
@example(case=_edge("LeaseMarket", "LeaseClosed", "max"))
@example(case=_edge("LeaseMarket", "LeaseOpened", "min"))
@example(case=_edge("DataAnchor", "BatchAnchored", "max"))
@example(case=_edge("LeaseMarket", "PoolStatusChanged", "max"))
@example(case=_edge("LeaseMarket", "PoolStatusChanged", "min"))
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_every_event_decodes_equal_to_eth_abi(decoder: Decoder, case: Any) -> None:
    contract, entry, values = case
    log = _log(contract, entry, values)
    event = decoder.decode(log)
    assert event is not None
    assert event.args == _reference(entry, log)
    assert event.spec.name == entry["name"]


@given(case=_event_logs())
@settings(max_examples=100, deadline=None)
def test_raw_bytes_are_topics_then_data_as_the_journal_hashes_them(
    decoder: Decoder, case: Any
) -> None:
    contract, entry, values = case
    log = _log(contract, entry, values)
    event = decoder.decode(log)
    assert event is not None
    expected = b"".join(bytes.fromhex(t[2:]) for t in log["topics"]) + bytes.fromhex(
        log["data"][2:]
    )
    assert event.raw == expected


def test_block_metadata_comes_from_the_log(decoder: Decoder) -> None:
    contract, entry, values = _edge("DataAnchor", "Anchored", "max")
    event = decoder.decode(_log(contract, entry, values))
    assert event is not None
    assert (event.block_number, event.log_index) == (42, 3)
    assert (event.block_hash, event.tx_hash) == ("0x" + "ee" * 32, "0x" + "dd" * 32)


def test_decode_many_matches_decode_one_by_one(decoder: Decoder) -> None:
    logs = [
        _log(*_edge(c, n, p))
        for c, n, p in [
            ("DataAnchor", "Anchored", "max"),
            ("LeaseMarket", "Deposited", "min"),
            ("TenantRegistry", "QuotaSet", "max"),
        ]
    ]
    one_by_one = [decoder.decode(log) for log in logs]
    assert decoder.decode_many(logs) == one_by_one


@pytest.mark.parametrize(
    ("contract", "event", "seq_index"),
    [
        ("TenantRegistry", "TenantRegistered", 6),
        ("TenantRegistry", "RoleGranted", -1),
        ("DataAnchor", "Anchored", 3),
        ("LeaseMarket", "LeaseOpened", 9),
    ],
)
def test_journaled_events_are_those_carrying_seq(
    decoder: Decoder, contract: str, event: str, seq_index: int
) -> None:
    assert decoder.spec(contract, event).seq_index == seq_index


def test_topic0_is_the_keccak_of_the_signature(decoder: Decoder) -> None:
    spec = decoder.spec("LeaseMarket", "LeaseClosed")
    assert spec.signature == "LeaseClosed(uint64,uint8,uint32,uint128,uint128,address,uint64)"
    assert spec.topic0 == keccak256(spec.signature.encode())


def test_logs_of_other_contracts_are_skipped(decoder: Decoder) -> None:
    log = _log(*_edge("DataAnchor", "Anchored", "max"))
    log["address"] = "0x" + "99" * 20
    assert decoder.decode(log) is None
    assert decoder.decode_many([log]) == []


def test_unknown_topic_from_our_contract_is_counted_not_decoded() -> None:
    fresh = Decoder(ADDRESSES)
    log = _log(*_edge("DataAnchor", "Anchored", "max"))
    log["topics"][0] = "0x" + "12" * 32
    assert fresh.decode_many([log]) == []
    assert fresh.unknown == 1


def test_address_case_of_the_log_does_not_matter(decoder: Decoder) -> None:
    log = _log(*_edge("DataAnchor", "Anchored", "max"))
    log["address"] = log["address"].upper().replace("0X", "0x")
    log["topics"] = [t.upper().replace("0X", "0x") for t in log["topics"]]
    assert decoder.decode(log) is not None


# ------------------------------------------------------------------------------- malformed logs


def _anchored() -> dict[str, Any]:
    return _log(*_edge("DataAnchor", "Anchored", "min"))


def _registered(uri: str = "ipfs://x") -> dict[str, Any]:
    contract, entry, values = _edge("TenantRegistry", "TenantRegistered", "min")
    values[4] = uri
    return _log(contract, entry, values)


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda log: log["topics"].pop(), "topics"),
        (lambda log: log["topics"].append("0x" + "00" * 32), "topics"),
        (lambda log: log.update(data=log["data"][:-64]), "data bytes"),
        (lambda log: log.update(data=log["data"][:-2]), "whole words"),
        (lambda log: log.update(data="0xzz" + log["data"][4:]), "not hex"),
        (lambda log: log["topics"].__setitem__(2, "0x" + "ff" * 32), "uint64 out of range"),
    ],
    ids=["missing-topic", "extra-topic", "short-data", "odd-length", "not-hex", "dirty-uint"],
)
def test_malformed_anchored_log_raises_decode_error(
    decoder: Decoder, mutate: Any, message: str
) -> None:
    log = _anchored()
    mutate(log)
    with pytest.raises(DecodeError, match=message):
        decoder.decode(log)


@pytest.mark.parametrize(
    ("patch", "message"),
    [
        (lambda raw: raw[: 64 * 2] + "f" * 64 + raw[64 * 3 :], "offset out of range"),  # uri offset
        (lambda raw: raw[: 64 * 5] + "f" * 64 + raw[64 * 6 :], "length out of range"),  # uri length
        (lambda raw: raw[:-2] + "01", "dirty padding"),  # a byte after the uri's end
    ],
    ids=["offset", "length", "padding"],
)
def test_malformed_string_raises_decode_error(decoder: Decoder, patch: Any, message: str) -> None:
    log = _registered()
    log["data"] = "0x" + patch(log["data"][2:])
    with pytest.raises(DecodeError, match=message):
        decoder.decode(log)


def test_dirty_address_padding_raises_decode_error(decoder: Decoder) -> None:
    log = _registered()
    log["topics"][2] = "0x" + "01" + log["topics"][2][4:]
    with pytest.raises(DecodeError, match="dirty address padding"):
        decoder.decode(log)


@pytest.mark.parametrize(
    ("event", "word", "value", "message"),
    [
        ("LeaseSettled", 0, 1 << 128, "amount: uint128 out of range"),  # data words
        ("LeaseSettled", 1, 1 << 40, "paidUntil: uint40 out of range"),
        ("LeaseOpened", 1, 1 << 96, "pricePerUnitSecond: uint96 out of range"),
        ("LeaseClosed", 0, 256, "reason: uint8 out of range"),
        ("LeaseClosed", 4, 1 << 160, "by: dirty address padding"),
        ("EarningsClaimed", 1, 1 << 64, "seq: uint64 out of range"),
    ],
)
def test_static_words_out_of_range_name_the_field(
    decoder: Decoder, event: str, word: int, value: int, message: str
) -> None:
    """Events of static words are checked with one mask; what fails it is named word by word."""
    assert "def _checked(" in decoder.spec("LeaseMarket", event).source
    log = _log(*_edge("LeaseMarket", event, "min"))
    data = bytearray(bytes.fromhex(log["data"][2:]))
    data[32 * word : 32 * word + 32] = value.to_bytes(32, "big")
    log["data"] = "0x" + data.hex()
    with pytest.raises(DecodeError, match=message):
        decoder.decode(log)


@pytest.mark.parametrize("by_admin", [True, False])
def test_a_non_indexed_bool_among_static_words_decodes_equal_to_eth_abi(
    decoder: Decoder, by_admin: bool
) -> None:
    """PoolStatusChanged(uint32 indexed, uint8, address, bool, uint64): the masked fast path."""
    spec = decoder.spec("LeaseMarket", "PoolStatusChanged")
    assert "def _checked(" in spec.source
    contract, entry, _ = _edge("LeaseMarket", "PoolStatusChanged", "max")
    log = _log(contract, entry, [7, 2, "0x" + "ab" * 20, by_admin, 9])
    event = decoder.decode(log)
    assert event is not None
    assert (
        event.args == _reference(entry, log) == (7, 2, to_checksum("0x" + "ab" * 20), by_admin, 9)
    )
    assert event.args[3] is by_admin


def test_a_bool_word_other_than_0_or_1_is_refused(decoder: Decoder) -> None:
    log = _log(*_edge("LeaseMarket", "PoolStatusChanged", "min"))
    data = bytearray(bytes.fromhex(log["data"][2:]))
    data[2 * 32 + 31] = 2  # byAdmin
    log["data"] = "0x" + data.hex()
    with pytest.raises(DecodeError, match="byAdmin: bool not 0 or 1"):
        decoder.decode(log)


def test_string_that_is_not_utf8_decodes_losslessly(decoder: Decoder) -> None:
    log = _registered()
    raw = bytearray(bytes.fromhex(log["data"][2:]))
    raw[6 * 32] = 0xFF  # first byte of the uri "ipfs://x": now invalid UTF-8
    log["data"] = "0x" + raw.hex()
    event = decoder.decode(log)
    assert event is not None
    assert event.args[4].encode("utf-8", "surrogateescape") == b"\xffpfs://x"


# --------------------------------------------------------------------------- slow-path types

_EXOTIC = [
    {
        "type": "event",
        "name": "Exotic",
        "anonymous": False,
        "inputs": [
            {"name": "id", "type": "uint64", "indexed": True},
            {"name": "tag", "type": "string", "indexed": True},
            {"name": "values", "type": "uint256[]", "indexed": False},
            {
                "name": "pair",
                "type": "tuple",
                "indexed": False,
                "components": [
                    {"name": "a", "type": "address"},
                    {"name": "b", "type": "int24"},
                ],
            },
            {"name": "flag", "type": "bool", "indexed": False},
        ],
    }
]


@given(
    values=st.lists(st.integers(0, 2**256 - 1), max_size=5),
    b=st.integers(-(2**23), 2**23 - 1),
    flag=st.booleans(),
)
@example(values=[], b=-(2**23), flag=False)
@settings(max_examples=50, deadline=None)
def test_arrays_and_tuples_fall_back_to_eth_abi(values: list[int], b: int, flag: bool) -> None:
    exotic = Decoder({"TenantRegistry": ADDRESSES["TenantRegistry"]}, {"TenantRegistry": _EXOTIC})
    spec = exotic.spec("TenantRegistry", "Exotic")
    assert spec.signature == "Exotic(uint64,string,uint256[],(address,int24),bool)"
    pair = ("0x" + "ab" * 20, b)
    data = abi_encode(["uint256[]", "(address,int24)", "bool"], [values, pair, flag])
    tag_hash = keccak256(b"tag")
    log = {
        "address": ADDRESSES["TenantRegistry"],
        "topics": [
            "0x" + spec.topic0.hex(),
            "0x" + (7).to_bytes(32, "big").hex(),
            "0x" + tag_hash.hex(),
        ],
        "data": "0x" + data.hex(),
    }
    event = exotic.decode(log)
    assert event is not None
    assert event.args == (7, tag_hash, tuple(values), pair, flag)


# ------------------------------------------------------------------------------------ addresses


@given(raw=st.binary(min_size=20, max_size=20))
@example(raw=bytes(20))
@example(raw=b"\xff" * 20)
def test_checksum_equals_eth_utils(raw: bytes) -> None:
    assert checksum_bytes(raw) == to_checksum_address(raw)


@pytest.mark.parametrize("bad", ["0x1234", "0x" + "zz" * 20, b"\x00" * 19])
def test_malformed_address_raises_decode_error(bad: str | bytes) -> None:
    with pytest.raises(DecodeError, match="address"):
        to_checksum(bad)


def test_a_contracts_decoders_compile_when_first_needed():
    """A command-line read that decodes one contract's logs compiles only that contract's."""
    lazy = Decoder(ADDRESSES)
    assert lazy._by_address == {}
    topic0 = lazy.spec("TenantRegistry", "OperatorGranted").topic0
    assert set(lazy._specs) == {"TenantRegistry"}
    assert lazy.specs == Decoder(ADDRESSES).specs  # all of them, equal to a fresh decoder's
    assert topic0 == lazy.specs["TenantRegistry"]["OperatorGranted"].topic0

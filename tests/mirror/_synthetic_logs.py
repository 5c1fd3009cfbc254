"""JSON-RPC logs of our contracts' events, encoded from the ABIs: mirror input without a chain.

Each contract's ``seq`` is assigned in order, as the contracts' journal does, unless given.
"""

from __future__ import annotations

from typing import Any

from eth_abi import encode as abi_encode

from offchain.chain.abi import CONTRACTS
from offchain.chain.decode import Decoder, Event

ADDRESSES = {
    "TenantRegistry": "0x" + "a1" * 20,
    "DataAnchor": "0x" + "b2" * 20,
    "LeaseMarket": "0x" + "c3" * 20,
}
GPU = b"gpu.h100".ljust(32, b"\x00")
CPU = b"cpu.epyc".ljust(32, b"\x00")
OWNER = "0x" + "01" * 20
OPERATOR = "0x" + "02" * 20
PROVIDER = "0x" + "03" * 20
OTHER = "0x" + "04" * 20


class Logs:
    """Makes logs block by block; ``event(...)`` returns the log dict (and keeps it)."""

    def __init__(self, decoder: Decoder | None = None) -> None:
        self.decoder = decoder or Decoder(ADDRESSES)
        self.seq = dict.fromkeys(CONTRACTS, 0)
        self.block = 1
        self.index = 0
        self.logs: list[dict[str, Any]] = []

    def next_block(self) -> int:
        self.block += 1
        self.index = 0
        return self.block

    @property
    def block_hash(self) -> str:
        return "0x" + self.block.to_bytes(32, "big").hex()

    def event(self, contract: str, name: str, **values: Any) -> dict[str, Any]:
        spec = self.decoder.spec(contract, name)
        if spec.journaled and "seq" not in values:
            self.seq[contract] += 1
            values["seq"] = self.seq[contract]
        topics = ["0x" + spec.topic0.hex()]
        data_types, data_values = [], []
        for param, kind, indexed in zip(spec.names, spec.types, spec.indexed, strict=True):
            value = values[param]
            if indexed:
                topics.append("0x" + abi_encode([kind], [value]).hex())
            else:
                data_types.append(kind)
                data_values.append(value)
        log = {
            "address": ADDRESSES[contract],
            "topics": topics,
            "data": "0x" + abi_encode(data_types, data_values).hex(),
            "blockNumber": hex(self.block),
            "blockHash": self.block_hash,
            "logIndex": hex(self.index),
            "transactionHash": "0x" + (self.block * 1000 + self.index).to_bytes(32, "big").hex(),
            "removed": False,
        }
        self.index += 1
        self.logs.append(log)
        return log

    def decoded(self, log: dict[str, Any]) -> Event:
        event = self.decoder.decode(log)
        assert event is not None
        return event

"""The deployment's logs, for the lists the contracts keep no view of (lease ids, operators).

``eth_getLogs`` from the contract's deployment block to the head, in bounded ranges, halving any
range the node refuses; decoded with the packaged ABIs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from offchain.exceptions import RangeTooLargeError

if TYPE_CHECKING:
    from offchain.chain.decode import Event
    from offchain.cli._env import Env

LOG_RANGE_BLOCKS = 10_000  # blocks per eth_getLogs; halved where a node refuses a range


def topic_of(value: int | str) -> str:
    """An indexed ``uint`` or ``address`` argument as a topic."""
    number = int(value, 16) if isinstance(value, str) else value
    return "0x" + number.to_bytes(32, "big").hex()


def contract_events(env: Env, contract: str, event: str, *indexed: int | str | None) -> list[Event]:
    """The decoded ``event`` logs of the deployed ``contract``, filtered by its indexed arguments
    in order (``None``: any value)."""
    from offchain.chain.decode import Decoder

    address = env.manifest().addresses[contract]
    decoder = Decoder({contract: address})
    topics: list[Any] = [
        "0x" + decoder.spec(contract, event).topic0.hex(),
        *(None if value is None else topic_of(value) for value in indexed),
    ]
    while topics[-1] is None:
        topics.pop()
    start = env.manifest().contracts[contract].deploy_block
    end = int(env.reader().eth.block_number)
    logs = logs_in_ranges(env.rpc, {"address": address, "topics": topics}, start, end)
    found = [decoder.decode_args(address, log["topics"], log["data"]) for log in logs]
    return [e for e in found if e is not None]


def logs_in_ranges(rpc: str, query: dict[str, Any], start: int, end: int) -> list[Any]:
    """``eth_getLogs`` of ``start..end`` in bounded ranges, halving any range the node refuses."""
    from offchain.chain.rpc import RpcClient

    node = RpcClient(rpc, attempts=3)
    found: list[Any] = []
    pending = [
        (a, min(a + LOG_RANGE_BLOCKS - 1, end)) for a in range(start, end + 1, LOG_RANGE_BLOCKS)
    ]
    pending.reverse()
    try:
        while pending:
            low, high = pending.pop()
            try:
                found += node.call(
                    "eth_getLogs", [{**query, "fromBlock": hex(low), "toBlock": hex(high)}]
                )
            except RangeTooLargeError:
                if low == high:
                    raise
                middle = (low + high) // 2
                pending += [(middle + 1, high), (low, middle)]
    finally:
        node.close()
    return found

"""``Decoder.decode_chunk``: a backfill chunk's logs decoded and checked to come from one fork."""

from __future__ import annotations

from typing import Any

import pytest
from _synthetic_logs import Logs

from offchain.chain.decode import Decoder
from offchain.exceptions import RpcError


def _chunk() -> tuple[Decoder, list[dict[str, Any]]]:
    """Anchors in blocks 2 (two logs), 3, 4 (two logs): hashes as their headers have them."""
    logs = Logs()
    for per_block in (2, 1, 2):
        logs.next_block()
        for _ in range(per_block):
            logs.event("DataAnchor", "Anchored", digest=b"\x01" * 32, tenantId=1, timestamp=9)
    return logs.decoder, logs.logs


def _hash(number: int) -> str:
    return "0x" + number.to_bytes(32, "big").hex()


def test_logs_of_one_fork_decode_as_decode_many_does():
    decoder, logs = _chunk()
    assert decoder.decode_chunk(logs, {2: _hash(2), 4: _hash(4)}) == decoder.decode_many(logs)
    assert decoder.decode_chunk([], {2: _hash(2)}) == []


@pytest.mark.parametrize(
    ("bad", "hashes"),
    [
        (1, {}),  # the second log of block 2 disagrees with the first
        (0, {}),  # the first disagrees with the second
        (0, {2: _hash(2)}),  # block 2's logs agree with each other, not with its header
        (4, {4: _hash(4)}),
        (2, {3: _hash(3)}),  # block 3's only log
    ],
)
def test_logs_from_two_forks_are_refused(bad, hashes):
    decoder, logs = _chunk()
    if bad in (0, 2, 4) and hashes:
        for log in logs:
            if log["blockNumber"] == logs[bad]["blockNumber"]:
                log["blockHash"] = "0x" + "ee" * 32
    else:
        logs[bad]["blockHash"] = "0x" + "ee" * 32
    with pytest.raises(RpcError, match="reorganized while the chunk was read"):
        decoder.decode_chunk(logs, hashes)


def test_a_block_not_in_the_headers_may_carry_any_hash_its_logs_agree_on():
    decoder, logs = _chunk()
    logs[2]["blockHash"] = "0x" + "ee" * 32  # block 3: neither the first nor the last block
    assert len(decoder.decode_chunk(logs, {2: _hash(2), 4: _hash(4)})) == 5

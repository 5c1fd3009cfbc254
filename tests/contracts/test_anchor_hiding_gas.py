"""A hiding anchor costs what a plain one does: the commitment is computed off chain (Anvil).

The transaction is the same call with another 32-byte value, so only calldata can differ (16 gas
per non-zero byte, 4 per zero byte); execution, the receipt gas less the base and calldata cost,
is equal. bench/gas.py measures the same pairs for bench/GAS.md.
"""

from __future__ import annotations

import pytest

from offchain.anchoring.commitment import new_salt, salted_leaf
from offchain.anchoring.merkle import MerkleTree, digest_bytes

pytestmark = pytest.mark.anvil

FILES = [f"form {i}: approved=yes\n".encode() for i in range(8)]


def _execution_gas(receipt, chain) -> int:
    data = bytes(chain.provider.web3.eth.get_transaction(receipt.txn_hash)["input"])
    return receipt.gas_used - 21_000 - sum(4 if b == 0 else 16 for b in data)


def _warm(data_anchor, tenant_owner, tenant_id) -> None:
    data_anchor.anchor(tenant_id, digest_bytes(b"warm-up"), sender=tenant_owner)


def test_a_hiding_batch_costs_what_a_plain_batch_of_the_same_files_does(
    chain, data_anchor, tenant_owner, tenant_id
):
    _warm(data_anchor, tenant_owner, tenant_id)
    plain = MerkleTree.of(digest_bytes(f) for f in FILES)
    hiding = MerkleTree.of(salted_leaf(new_salt(), digest_bytes(f)) for f in FILES)

    gas = [
        _execution_gas(
            data_anchor.anchorBatch(tenant_id, t.root, 8, "", sender=tenant_owner), chain
        )
        for t in (plain, hiding)
    ]

    assert gas[0] == gas[1]


def test_a_hiding_file_anchored_alone_costs_what_its_plain_digest_does(
    chain, data_anchor, tenant_owner, tenant_id
):
    _warm(data_anchor, tenant_owner, tenant_id)
    digest = digest_bytes(FILES[0])
    commitment = next(
        c for c in (salted_leaf(new_salt(), digest) for _ in range(100)) if 0 not in c
    )
    assert 0 not in digest  # so the calldata costs the same too: the receipts are equal

    receipts = [data_anchor.anchor(tenant_id, v, sender=tenant_owner) for v in (digest, commitment)]

    assert receipts[0].gas_used == receipts[1].gas_used
    assert _execution_gas(receipts[0], chain) == _execution_gas(receipts[1], chain)

"""The read-only client over LightWeb3 (no web3.py) reads what the web3.py client reads.

Its ABI codec is checked against eth-abi; its reads against the web3.py client on the CLI's devnet
(the demo scenario played); its reverts and dead nodes are told apart as the web3.py client's are.
"""

from __future__ import annotations

import random
import socket
from dataclasses import replace
from functools import partial

import pytest
from eth_abi import decode as abi_decode
from eth_abi import encode as abi_encode

from offchain.chain.client import LeaseholdClient
from offchain.chain.light import LightWeb3, decode, encode
from offchain.chain.manifest import Manifest, check_chain, check_chain_batch, load_manifest
from offchain.exceptions import (
    ChainUnavailableError,
    ContractRevertError,
    ManifestError,
    UnknownLeaseError,
    UnknownTenantError,
)

TYPES = ["address", "bool", "bytes4", "bytes32", "uint8", "uint40", "uint96", "uint256", "int64"]


def _value(kind: str, rng: random.Random) -> object:
    if kind == "address":
        return "0x" + rng.randbytes(20).hex()
    if kind == "bool":
        return rng.random() < 0.5
    if kind.startswith("bytes"):
        return rng.randbytes(int(kind[5:]))
    bits = int(kind.removeprefix("u")[3:])
    if kind.startswith("uint"):
        return rng.randrange(1 << bits)
    return rng.randrange(-(1 << (bits - 1)), 1 << (bits - 1))


def test_the_codec_agrees_with_eth_abi():
    rng = random.Random(14)
    for _ in range(300):
        types = rng.sample(TYPES, rng.randint(1, 5))
        values = [_value(t, rng) for t in types]
        types += ["string", "bytes32[]", "bytes"]
        values += ["héllo" * rng.randint(0, 9), [rng.randbytes(32)] * rng.randint(0, 3), b"\x01"]
        assert encode(types, values) == abi_encode(types, values)
        decoded = decode(types, abi_encode(types, values))
        expected = abi_decode(types, abi_encode(types, values))
        for kind, got, want in zip(types, decoded, expected, strict=True):
            if kind == "address":
                assert got == want.lower() or got.lower() == want.lower()
            elif kind.endswith("[]"):
                assert list(got) == list(want)
            else:
                assert got == want


def test_the_codec_decodes_a_static_struct_and_refuses_short_data():
    data = abi_encode(["(uint64,address,bytes32)"], [(7, "0x" + "ab" * 20, b"x" * 32)])
    [(number, address, digest)] = decode(["(uint64,address,bytes32)"], data)
    assert (number, address.lower(), digest) == (7, "0x" + "ab" * 20, b"x" * 32)
    with pytest.raises(ValueError, match="too short"):
        decode(["uint256", "uint256"], data[:40])
    with pytest.raises(ValueError, match="out of the range"):
        encode(["uint8"], [256])


@pytest.fixture(scope="module")
def light(stack):
    return LeaseholdClient.from_manifest(LightWeb3(stack.rpc), stack.manifest_path)


def test_every_view_the_cli_reads_equals_the_web3_clients(light, chain_client, stack):
    assert light.registry.tenants() == chain_client.registry.tenants()
    assert light.market.pools() == chain_client.market.pools()
    for lease_id in stack.scenario.leases.values():
        assert light.market.lease(lease_id) == chain_client.market.lease(lease_id)
        assert light.market.lease_opener(lease_id) == chain_client.market.lease_opener(lease_id)
        assert light.market.remaining(lease_id) == chain_client.market.remaining(lease_id)
    for tenant_id in (1, 2, 3):
        assert light.market.escrow(tenant_id) == chain_client.market.escrow(tenant_id)
    assert light.market.asset() == chain_client.market.asset()
    assert light.journals() == chain_client.journals()
    root = bytes.fromhex(stack.scenario.batch_root.removeprefix("0x"))
    assert light.anchor.record(root) == chain_client.anchor.record(root)


def test_a_revert_is_decoded_as_by_the_web3_client(light, chain_client):
    with pytest.raises(UnknownLeaseError):
        light.market.lease(99_999)
    # approve() as a call from nobody: refused by the registry's access control
    with pytest.raises(ContractRevertError) as by_light:
        light.registry._call("approve", 1)
    with pytest.raises(ContractRevertError) as by_web3:
        chain_client.registry._call("approve", 1)
    assert by_light.value.error == "AccessControlUnauthorizedAccount"
    assert str(by_light.value) == str(by_web3.value)


def test_a_light_client_cannot_sign(stack):
    light = LeaseholdClient.from_manifest(LightWeb3(stack.rpc), stack.manifest_path)
    with pytest.raises(TypeError, match="only reads"):
        light.using("0x" + "11" * 20)


def test_a_dead_node_is_a_chain_unavailable_error(light):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    dead = LeaseholdClient(LightWeb3(url, attempts=1), light.addresses)
    with pytest.raises(ChainUnavailableError, match=url):
        dead.registry.tenant(1)


def _requests(reader: LightWeb3) -> list[str]:
    """Record each HTTP request ``reader`` sends (its method, or the batch's label)."""
    sent: list[str] = []
    send = reader.rpc._send

    def counted(method: str, body: bytes, *, expect_list: bool) -> object:
        sent.append(method)
        return send(method, body, expect_list=expect_list)

    reader.rpc._send = counted  # type: ignore[method-assign]
    return sent


def test_gather_reads_what_one_by_one_reads_in_a_batch_per_round(stack, chain_client):
    reader = LightWeb3(stack.rpc)
    light = LeaseholdClient.from_manifest(reader, stack.manifest_path)
    sent = _requests(reader)
    ids = sorted(stack.scenario.leases.values())
    reads = [partial(light.registry.tenant, t) for t in (1, 2, 3)]
    reads += [partial(light.market.lease, i) for i in ids] + [light.market.asset]
    found = reader.gather(reads)
    # tenant() makes three calls one after the other: three rounds, each one batch request
    assert len(sent) == 3
    assert found[:3] == [chain_client.registry.tenant(t) for t in (1, 2, 3)]
    assert found[3:-1] == [chain_client.market.lease(i) for i in ids]
    assert found[-1] == chain_client.market.asset()
    sent.clear()
    assert light.registry.tenant(1) == found[0]  # outside gather: asked again, one by one
    assert len(sent) == 3


def test_gather_raises_the_first_failing_read_in_order(stack):
    reader = LightWeb3(stack.rpc)
    light = LeaseholdClient.from_manifest(reader, stack.manifest_path)
    unknown_tenant = partial(light.registry.tenant, 999)
    unknown_lease = partial(light.market.lease, 99_999)
    with pytest.raises(UnknownTenantError):
        reader.gather([light.market.asset, unknown_tenant, unknown_lease])
    with pytest.raises(UnknownLeaseError):
        reader.gather([unknown_lease, unknown_tenant])


def _broken(manifest: Manifest, how: str) -> Manifest:
    first = next(iter(manifest.contracts.values()))
    if how == "chain":
        return replace(manifest, chain_id=manifest.chain_id + 1)
    if how == "block":
        bad = replace(first, deploy_block_hash="0x" + "ab" * 32)
    else:
        bad = replace(first, address="0x" + "ab" * 20)
    return replace(manifest, contracts={**manifest.contracts, first.name: bad})


@pytest.mark.parametrize("how", ["chain", "block", "code"])
def test_the_batched_check_refuses_what_the_sequential_check_refuses(stack, how):
    manifest = _broken(load_manifest(stack.manifest_path), how)
    reader = LightWeb3(stack.rpc)
    with pytest.raises(ManifestError) as one_by_one:
        check_chain(manifest, reader)
    sent = _requests(reader)
    with pytest.raises(ManifestError) as batched:
        check_chain_batch(manifest, reader)
    assert str(batched.value) == str(one_by_one.value)
    assert len(sent) == 1
    check_chain_batch(load_manifest(stack.manifest_path), reader)

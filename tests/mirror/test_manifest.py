"""The deployment manifest: validation with clear errors, and checks against the chain."""

from __future__ import annotations

import json
from typing import Any

import pytest
from _fake_node import FakeChain, serve

from offchain.chain.manifest import check_chain, load_manifest, packaged_abi_sha256, parse_manifest
from offchain.chain.rpc import RpcClient
from offchain.exceptions import ManifestError

NAMES = ("TenantRegistry", "DataAnchor", "LeaseMarket")


def document(chain: FakeChain | None = None) -> dict[str, Any]:
    contracts = {}
    for i, name in enumerate(NAMES, start=1):
        block = chain.blocks[i] if chain else None
        contracts[name] = {
            "address": "0x" + f"{i:02x}" * 20,
            "deployBlock": i,
            "deployBlockHash": block.hash if block else "0x" + f"{i:02x}" * 32,
            "deployTx": "0x" + "ab" * 32,
            "abiSha256": packaged_abi_sha256(name),
        }
    contracts["LeaseMarket"]["asset"] = "0x" + "00" * 20
    return {"schema": 1, "chainId": 31337, "contracts": contracts}


def test_valid_manifest_loads_with_addresses_and_start_block(tmp_path):
    path = tmp_path / "31337.json"
    path.write_text(json.dumps(document()))
    manifest = load_manifest(path)
    assert manifest.addresses["DataAnchor"] == "0x" + "02" * 20
    assert (manifest.start_block, manifest.asset) == (1, "0x" + "00" * 20)


def test_missing_manifest_says_to_deploy(tmp_path):
    with pytest.raises(ManifestError, match="not found: deploy first"):
        load_manifest(tmp_path / "1.json")


def test_manifest_that_is_not_json_is_refused(tmp_path):
    path = tmp_path / "1.json"
    path.write_text("{oops")
    with pytest.raises(ManifestError, match="is not valid JSON"):
        load_manifest(path)


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d.update(schema=2), "schema 2 is not supported"),
        (lambda d: d.update(chainId="1"), "chainId '1' must be a positive integer"),
        (lambda d: d["contracts"].pop("LeaseMarket"), "contracts lacks LeaseMarket"),
        (lambda d: d["contracts"]["DataAnchor"].update(address="0x12"), "is not an address"),
        (lambda d: d["contracts"]["DataAnchor"].update(deployBlock=-1), "is not a block"),
        (lambda d: d["contracts"]["DataAnchor"].update(deployBlockHash="0x1"), "not a block hash"),
        (
            lambda d: d["contracts"]["DataAnchor"].update(abiSha256="00"),
            "run 'make abi' or redeploy",
        ),
    ],
    ids=["schema", "chain-id", "contract", "address", "block", "hash", "abi"],
)
def test_malformed_manifest_names_the_field(mutate, message):
    data = document()
    mutate(data)
    with pytest.raises(ManifestError, match=message):
        parse_manifest(data)


def test_abi_check_can_be_skipped():
    data = document()
    data["contracts"]["DataAnchor"]["abiSha256"] = "00"
    assert parse_manifest(data, check_abis=False).contracts["DataAnchor"].abi_sha256 == "00"


@pytest.fixture
def chain():
    chain = FakeChain(chain_id=31337)
    for _ in range(3):
        chain.mine()
    for i in range(1, 4):
        chain.code["0x" + f"{i:02x}" * 20] = "0x6000"
    return chain


def test_manifest_matching_the_chain_passes(chain):
    with serve(chain) as node:
        check_chain(parse_manifest(document(chain)), RpcClient(node.url))


def test_manifest_of_another_chain_is_refused(chain):
    chain.chain_id = 1
    with serve(chain) as node, pytest.raises(ManifestError, match="RPC serves chain 1"):
        check_chain(parse_manifest(document(chain)), RpcClient(node.url))


def test_manifest_of_a_reset_chain_is_refused(chain):
    data = document(chain)
    chain.rewind(0)
    for _ in range(3):
        chain.mine()
    with serve(chain) as node, pytest.raises(ManifestError, match="the chain was reset"):
        check_chain(parse_manifest(data), RpcClient(node.url))


def test_manifest_without_code_at_an_address_is_refused(chain):
    chain.code.clear()
    with serve(chain) as node, pytest.raises(ManifestError, match="no TenantRegistry code"):
        check_chain(parse_manifest(document(chain)), RpcClient(node.url))

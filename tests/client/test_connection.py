"""What the client says when the chain or the deployment is not what the manifest promises."""

from __future__ import annotations

import json
import socket

import pytest
from web3 import Web3

from offchain.chain.client import LeaseholdClient
from offchain.exceptions import ChainUnavailableError, ManifestError, NoSignerError


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_no_node_raises_chain_unavailable_naming_the_url(manifest_document):
    url = f"http://127.0.0.1:{_closed_port()}"
    w3 = Web3(Web3.HTTPProvider(url, request_kwargs={"timeout": 2}))
    with pytest.raises(ChainUnavailableError, match=f"no chain answers at {url}"):
        LeaseholdClient.from_manifest(w3, manifest_document)


def test_reads_against_a_dead_node_raise_chain_unavailable(deployment):
    w3 = Web3(Web3.HTTPProvider(f"http://127.0.0.1:{_closed_port()}"))
    client = LeaseholdClient(w3, deployment)
    with pytest.raises(ChainUnavailableError):
        client.registry.tenant_count()


def test_manifest_for_another_chain_is_refused_naming_both_chains(w3, manifest_document):
    other = {**manifest_document, "chainId": 999}
    with pytest.raises(
        ManifestError, match=f"is for chain 999 but the RPC serves chain {w3.eth.chain_id}"
    ):
        LeaseholdClient.from_manifest(w3, other)


def test_address_without_code_is_refused(w3, manifest_document):
    contracts = dict(manifest_document["contracts"])
    contracts["TenantRegistry"] = {
        **contracts["TenantRegistry"],
        "address": "0x" + "00" * 19 + "01",
    }
    with pytest.raises(ManifestError, match="no TenantRegistry code at"):
        LeaseholdClient.from_manifest(w3, {**manifest_document, "contracts": contracts})


def test_manifest_file_path_is_accepted(w3, deployment, manifest_document, tmp_path):
    path = tmp_path / "1337.json"
    path.write_text(json.dumps(manifest_document))
    assert LeaseholdClient.from_manifest(w3, path).addresses == deployment


def test_write_without_a_signer_raises_no_signer(client):
    with pytest.raises(NoSignerError, match=r"TenantRegistry.register sends a transaction"):
        client.registry.register("ipfs://x", b"\x00" * 32)


def test_node_unlocked_account_signs_when_given_an_address(client, tenant_owner):
    result = client.using(tenant_owner.address).registry.register("ipfs://u", b"\x00" * 32)
    assert client.registry.tenant(result.created).owner == tenant_owner.address

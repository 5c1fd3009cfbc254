"""What the client says when the chain or the deployment is not what the manifest promises."""

from __future__ import annotations

import socket

import pytest
from web3 import Web3

from offchain.client import Addresses, LeaseholdClient
from offchain.exceptions import ChainUnavailableError, NoSignerError, NotDeployedError


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _manifest(addresses: Addresses, chain_id: int) -> dict:
    return {
        "schema": 1,
        "chainId": chain_id,
        "contracts": {
            "TenantRegistry": {"address": addresses.registry},
            "DataAnchor": {"address": addresses.anchor},
            "LeaseMarket": {"address": addresses.market},
        },
    }


def test_no_node_raises_chain_unavailable_naming_the_url(deployment):
    url = f"http://127.0.0.1:{_closed_port()}"
    w3 = Web3(Web3.HTTPProvider(url, request_kwargs={"timeout": 2}))
    with pytest.raises(ChainUnavailableError, match=f"no chain answers at {url}"):
        LeaseholdClient.from_manifest(w3, _manifest(deployment, 31337))


def test_reads_against_a_dead_node_raise_chain_unavailable(deployment):
    w3 = Web3(Web3.HTTPProvider(f"http://127.0.0.1:{_closed_port()}"))
    client = LeaseholdClient(w3, deployment)
    with pytest.raises(ChainUnavailableError):
        client.registry.tenant_count()


def test_manifest_for_another_chain_raises_not_deployed(w3, deployment):
    with pytest.raises(NotDeployedError, match="run 'leasehold deploy'"):
        LeaseholdClient.from_manifest(w3, _manifest(deployment, 999))


def test_address_without_code_raises_not_deployed(w3, deployment):
    empty = Addresses(
        registry="0x" + "00" * 19 + "01", anchor=deployment.anchor, market=deployment.market
    )
    with pytest.raises(NotDeployedError, match="no TenantRegistry code at"):
        LeaseholdClient.from_manifest(w3, _manifest(empty, w3.eth.chain_id))


def test_manifest_file_path_is_accepted(w3, deployment, tmp_path):
    import json

    path = tmp_path / "1337.json"
    path.write_text(json.dumps(_manifest(deployment, w3.eth.chain_id)))
    client = LeaseholdClient.from_manifest(w3, path)
    assert client.addresses == deployment


def test_write_without_a_signer_raises_no_signer(client):
    with pytest.raises(NoSignerError, match=r"TenantRegistry.register sends a transaction"):
        client.registry.register("ipfs://x", b"\x00" * 32)


def test_node_unlocked_account_signs_when_given_an_address(client, tenant_owner):
    result = client.using(tenant_owner.address).registry.register("ipfs://u", b"\x00" * 32)
    assert client.registry.tenant(result.created).owner == tenant_owner.address

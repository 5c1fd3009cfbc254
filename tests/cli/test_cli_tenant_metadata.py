"""Tenant metadata and privacy: a URI is public (the CLI says so); hash-only metadata has none."""

from __future__ import annotations

import hashlib

STRANGER_ACCOUNT = "9"


def test_hash_only_metadata_puts_no_uri_on_chain_and_needs_no_note(
    leasehold, chain_client, isolated, tmp_path
):
    document = tmp_path / "metadata.json"
    document.write_text('{"name": "Initrode", "nonce": "5f0c2d8e"}\n')

    result = leasehold(
        "tenant", "register", "--metadata-file", str(document), "--account", STRANGER_ACCOUNT,
        "--json",
    )  # fmt: skip

    assert result.code == 0, result.err
    assert result.err == ""
    tenant = chain_client.registry.tenant(result.json()["created"])
    assert tenant.metadata_uri == ""
    assert tenant.metadata_hash == hashlib.sha256(document.read_bytes()).digest()


def test_a_metadata_uri_is_registered_with_a_note_that_it_is_public(
    leasehold, chain_client, isolated
):
    result = leasehold(
        "tenant", "register", "ipfs://newco", "--account", STRANGER_ACCOUNT, "--json"
    )

    assert result.code == 0
    assert chain_client.registry.tenant(result.json()["created"]).metadata_uri == "ipfs://newco"
    assert "'ipfs://newco' is stored on chain in the clear" in " ".join(result.err.split())


def test_update_metadata_to_hash_only_clears_the_uri(leasehold, chain_client, isolated, tmp_path):
    document = tmp_path / "metadata.json"
    document.write_text("private\n")

    result = leasehold(
        "tenant", "update-metadata", "2", "--metadata-file", str(document), "--account", "5"
    )

    assert result.code == 0, result.err
    assert chain_client.registry.tenant(2).metadata_uri == ""
    assert chain_client.registry.tenant(2).metadata_hash == hashlib.sha256(b"private\n").digest()


def test_hash_and_metadata_file_together_are_a_usage_error(leasehold, tmp_path):
    document = tmp_path / "metadata.json"
    document.write_text("x")

    result = leasehold(
        "tenant", "register", "--metadata-file", str(document), "--hash", "0x" + "ab" * 32,
        "--account", STRANGER_ACCOUNT,
    )  # fmt: skip

    assert result.code == 2
    assert "give --hash or --metadata-file, not both" in result.err

"""Revert data to ContractRevertError: every custom error in the ABIs, and the built-in ones."""

from __future__ import annotations

import pytest
from eth_abi import encode
from eth_hash.auto import keccak
from hypothesis import example, given
from hypothesis import strategies as st

from offchain.chain.abi import CONTRACTS, load_abi
from offchain.chain.errors import decode_revert, error_table
from offchain.chain.registry import TenantStatus
from offchain.chain.values import ADMIN_ROLE, PROVIDER_ROLE


def _selector(signature: str) -> bytes:
    return keccak(signature.encode())[:4]


def _errors():
    for contract in CONTRACTS:
        for item in load_abi(contract):
            if item["type"] == "error":
                yield contract, item


@pytest.mark.parametrize(
    ("contract", "item"),
    list(_errors()),
    ids=[f"{c}.{i['name']}" for c, i in _errors()],
)
def test_every_abi_error_decodes_to_its_name_and_argument_names(contract, item):
    types = [i["type"] for i in item["inputs"]]
    samples = {
        "address": "0x" + "12" * 20,
        "bytes32": b"\x07" * 32,
        "bytes4": b"\x01\x02\x03\x04",
        "bool": True,
        "string": "x",
    }
    values = [samples.get(t, 1) for t in types]
    data = _selector(f"{item['name']}({','.join(types)})") + encode(types, values)
    error = decode_revert(contract, "f", data)
    assert error.error == item["name"]
    assert list(error.arguments) == [i["name"] for i in item["inputs"]]


def test_error_table_holds_each_contract_s_errors():
    names = {e.name for e in error_table().values()}
    assert {"RegistryUnknownTenant", "AnchorUnknownDigest", "LeaseUnknown"} <= names


def test_reason_string_decodes_as_error():
    data = _selector("Error(string)") + encode(["string"], ["nope"])
    error = decode_revert("LeaseMarket", "claim", data)
    assert (error.error, error.arguments) == ("Error", {"reason": "nope"})
    assert str(error) == "LeaseMarket.claim reverted: Error(reason='nope')"


def test_panic_decodes_with_its_code_in_hex():
    data = _selector("Panic(uint256)") + encode(["uint256"], [0x11])
    assert decode_revert("LeaseMarket", "openLease", data).arguments == {"code": "0x11"}


@given(st.binary(max_size=100))
@example(b"")
@example(b"\xde\xad\xbe\xef")
@example(_selector("RegistryUnknownTenant(uint64)") + b"\x01")  # truncated arguments
def test_any_revert_data_yields_an_error_never_an_exception(data):
    error = decode_revert("TenantRegistry", "register", data)
    assert error.data == data
    assert error.error in {e.name for e in error_table().values()} | {"Error", "Panic", "unknown"}


def test_unknown_selector_shows_the_raw_data():
    error = decode_revert("DataAnchor", "anchor", b"\xde\xad\xbe\xef")
    assert str(error) == "DataAnchor.anchor reverted: unknown error 0xdeadbeef"


def test_enum_arguments_decode_to_enum_members():
    data = _selector("RegistryInvalidStatus(uint64,uint8)") + encode(["uint64", "uint8"], [3, 4])
    error = decode_revert("TenantRegistry", "approve", data)
    assert error.arguments == {"tenantId": 3, "status": TenantStatus.CLOSED}
    assert (
        str(error)
        == "TenantRegistry.approve reverted: RegistryInvalidStatus(tenantId=3, status=Closed)"
    )


@pytest.mark.parametrize(
    ("role", "shown"),
    [
        (PROVIDER_ROLE, "PROVIDER_ROLE"),
        (ADMIN_ROLE, "ADMIN_ROLE"),
        (bytes(32), "DEFAULT_ADMIN_ROLE"),
        (b"\x01" * 32, "0x" + "01" * 32),
    ],
)
def test_role_arguments_are_shown_by_name(role, shown):
    account = "0x" + "11" * 20
    data = _selector("AccessControlUnauthorizedAccount(address,bytes32)") + encode(
        ["address", "bytes32"], [account, role]
    )
    error = decode_revert("TenantRegistry", "grantRole", data)
    assert error.arguments["neededRole"] == role  # the value stays the bytes
    assert str(error).endswith(f"neededRole={shown})")


def test_a_bytes32_that_is_not_a_role_is_shown_in_hex_even_if_zero():
    data = _selector("AnchorAlreadyAnchored(bytes32,uint64,uint40)") + encode(
        ["bytes32", "uint64", "uint40"], [bytes(32), 1, 2]
    )
    error = decode_revert("DataAnchor", "anchor", data)
    assert error.error == "AnchorAlreadyAnchored"
    assert "0x" + "00" * 32 in str(error)

"""The JSON shape shared by the CLI and the API."""

from __future__ import annotations

import pytest

from offchain.chain.values import resource_class, resource_class_name
from offchain.mirror.entities import CloseReason, Pool, PoolStatus, Tenant, TenantStatus
from offchain.models import (
    PoolOut,
    TenantOut,
    dump,
    solidity_name,
)

OWNER = "0x" + "11" * 20


@pytest.mark.parametrize(
    ("member", "name"),
    [
        (TenantStatus.SUSPENDED, "Suspended"),
        (CloseReason.RELEASED_BY_TENANT, "ReleasedByTenant"),
        (CloseReason.TENANT_CLOSED, "TenantClosed"),
        (PoolStatus.NONE, "None"),
    ],
)
def test_enums_render_with_their_solidity_names(member, name):
    assert solidity_name(member) == name


def test_tenant_json_uses_camel_case_and_hex():
    t = Tenant(3, OWNER, TenantStatus.ACTIVE, 100, "ipfs://x", b"\x01" * 32)
    assert dump(TenantOut.of(t)) == {
        "tenantId": 3,
        "owner": OWNER,
        "status": "Active",
        "createdAt": 100,
        "metadataUri": "ipfs://x",
        "metadataHash": "0x" + "01" * 32,
        "pendingOwner": "0x" + "00" * 20,
        "operators": None,
    }


def test_amounts_render_as_decimal_strings():
    pool = Pool(1, OWNER, resource_class("gpu.h100"), 10, 4, 2**80, 60, 120, PoolStatus.OPEN)
    out = dump(PoolOut.of(pool))
    assert out["pricePerUnitSecond"] == str(2**80)
    assert (out["resourceClass"], out["available"]) == ("gpu.h100", 6)


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        (resource_class("cpu.vcpu"), "cpu.vcpu"),
        (b"\xff" * 32, "0x" + "ff" * 32),
        (b"a\x00b".ljust(32, b"\x00"), "0x" + b"a\x00b".ljust(32, b"\x00").hex()),
    ],
)
def test_resource_classes_show_as_text_or_hex(raw, shown):
    assert resource_class_name(raw) == shown

"""Numbers that do not fit their ABI type are refused before anything is encoded or sent."""

from __future__ import annotations

import pytest

from offchain.chain.abi import check_arguments, int_bounds, load_abi, parameter_type
from offchain.exceptions import InvalidValueError, ValueOutOfRangeError

MARKET = load_abi("LeaseMarket")


@pytest.mark.parametrize(
    ("abi_type", "bounds"),
    [
        ("uint256", (0, 2**256 - 1)),
        ("uint", (0, 2**256 - 1)),
        ("uint40", (0, 2**40 - 1)),
        ("int8", (-128, 127)),
        ("bytes32", None),
        ("address", None),
    ],
)
def test_int_bounds_follow_the_abi_type(abi_type, bounds):
    assert int_bounds(abi_type) == bounds


def test_parameter_type_reads_the_packaged_abi():
    assert parameter_type("LeaseMarket", "openLease", "duration") == "uint32"
    assert parameter_type("TenantRegistry", "grantOperator", "expiresAt") == "uint40"


@pytest.mark.parametrize(
    ("function", "args", "message"),
    [
        ("deposit", (1, 2**256), f"amount of M.deposit must be between 0 and {2**256 - 1} "
                                 f"(uint256), got {2**256}"),
        ("deposit", (1, -1), "amount of M.deposit must be between 0 and"),
        ("openLease", (1, 1, 1, 2**32, 5), "duration of M.openLease must be between 0 and "
                                           "4294967295 (uint32), got 4294967296"),
        ("reclaim", ([3, 2**64],), "leaseIds of M.reclaim must be between 0 and "
                                   f"{2**64 - 1} (uint64), got {2**64}"),
    ],
)  # fmt: skip
def test_an_argument_beyond_its_type_names_the_parameter_and_range(function, args, message):
    with pytest.raises(ValueOutOfRangeError) as raised:
        check_arguments(MARKET, f"M.{function}", function, args)
    assert str(raised.value).startswith(message)
    assert isinstance(raised.value, InvalidValueError)


def test_a_value_beyond_uint256_is_refused():
    with pytest.raises(ValueOutOfRangeError, match=r"value of M\.deposit"):
        check_arguments(MARKET, "M.deposit", "deposit", (1, 1), value=2**256)


def test_arguments_in_range_pass():
    check_arguments(MARKET, "M.openLease", "openLease", (2**64 - 1, 1, 1, 2**32 - 1, 2**96 - 1))


def test_the_client_refuses_before_sending(as_owner, tenant_id):
    with pytest.raises(ValueOutOfRangeError, match=r"amount of LeaseMarket\.deposit"):
        as_owner.market.deposit(tenant_id, 2**256)

"""Price protection on 'lease open' and 'lease extend', and operators' limits ('tenant
grant-operator'): what is sent (read back from the transaction's input), what the chain refuses, and
bad input.

Accounts as the scenario cast them: 3 Acme's owner (tenant 1), 4 Acme's operator, 9 a stranger.
Pool 2 sells vCPUs at 1 gwei per unit-second.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from offchain.chain.devnet import dev_account
from offchain.cli.lease import MAX_PRICE, with_margin

STRANGER = dev_account(9).address
GWEI = 10**9


def sent_max_price(chain_client, node, tx_hash):
    """The ``maxPricePerUnitSecond`` the transaction carried."""
    tx = node("eth_getTransactionByHash", [tx_hash])
    _, args = chain_client.market.contract.decode_function_input(tx["input"])
    return args["maxPricePerUnitSecond"]


def one_line(result):
    assert "Traceback" not in result.err
    [line] = result.err.strip().splitlines()
    return line


def test_open_accepts_the_pools_price_read_before_sending(leasehold, chain_client, node, isolated):
    result = leasehold("lease", "open", "1", "2", "--duration", "1h", "--account", "3", "--json")
    assert result.code == 0, result.err
    assert sent_max_price(chain_client, node, result.json()["txHash"]) == (
        chain_client.market.pool(2).price_per_unit_second
    )


@pytest.mark.parametrize(
    ("option", "value", "sent"),
    [
        ("--margin", "5", 1_050_000_000),
        ("--margin", "0.5%", 1_005_000_000),
        ("--max-price", "3gwei", 3 * GWEI),
    ],
)
def test_open_sends_the_max_price_asked_for(
    leasehold, chain_client, node, isolated, option, value, sent
):
    result = leasehold(
        "lease", "open", "1", "2", "--duration", "1h", option, value, "--account", "3", "--json"
    )
    assert result.code == 0, result.err
    assert sent_max_price(chain_client, node, result.json()["txHash"]) == sent
    lease_id = result.json()["created"]
    assert chain_client.market.lease(lease_id).price_per_unit_second == 1 * GWEI


def test_open_above_the_max_price_is_refused_in_one_line_naming_both_prices(
    leasehold, chain_client, isolated
):
    allocated = chain_client.market.pool(2).allocated
    result = leasehold(
        "lease", "open", "1", "2", "--duration", "1h", "--max-price", "999999999", "--account", "3"
    )
    assert result.code == 5
    line = one_line(result)
    assert "reverted: LeasePriceAboveMax(poolId=2, pricePerUnitSecond=1000000000, " in line
    assert "the price is 1000000000 wei per unit-second, above the 999999999 wei accepted" in line
    assert chain_client.market.pool(2).allocated == allocated


def test_extend_accepts_the_leases_locked_price(leasehold, chain_client, node, stack, isolated):
    lease_id = stack.scenario.leases["acme-cpu"]
    result = leasehold("lease", "extend", str(lease_id), "--by", "1h", "--account", "3", "--json")
    assert result.code == 0, result.err
    assert sent_max_price(chain_client, node, result.json()["txHash"]) == (
        chain_client.market.lease(lease_id).price_per_unit_second
    )


def test_extend_below_the_locked_price_is_refused(leasehold, chain_client, stack, isolated):
    lease_id = stack.scenario.leases["acme-cpu"]
    end = chain_client.market.lease(lease_id).end
    result = leasehold(
        "lease", "extend", str(lease_id), "--by", "1h", "--max-price", "1wei", "--account", "3"
    )
    assert result.code == 5
    assert "LeasePriceAboveMax(" in one_line(result)
    assert chain_client.market.lease(lease_id).end == end


@pytest.mark.parametrize(
    ("options", "fragment"),
    [
        (("--max-price", "2gwei", "--margin", "5"), "--max-price and --margin are exclusive"),
        (("--margin", "-5"), "bad percentage '-5'"),
        (("--margin", "lots"), "bad percentage 'lots'"),
        (("--max-price", "0"), "must be between 1 and"),
        (("--max-price", str(2**96)), "must be between 1 and"),
        (("--max-price", "cheap"), "bad amount 'cheap'"),
    ],
)
@pytest.mark.parametrize(
    "command",
    [("lease", "open", "1", "2", "--duration", "1h"), ("lease", "extend", "9", "--by", "1h")],
    ids=["open", "extend"],
)
def test_bad_price_options_are_usage_errors(leasehold, command, options, fragment):
    result = leasehold(*command, *options, "--account", "3")
    assert result.code == 2, result.err
    assert fragment in one_line(result)


def test_margin_rounds_down_and_stays_a_uint96():
    assert with_margin(1_000_000_001, Decimal("0.5")) == 1_005_000_001
    assert with_margin(3, Decimal("10")) == 3
    assert with_margin(MAX_PRICE, Decimal("1")) == MAX_PRICE


# ------------------------------------------------------------------------- operator limits


def grant(leasehold, *limits):
    result = leasehold(
        "tenant", "grant-operator", "1", STRANGER, "--for", "1d", *limits, "--account", "3"
    )
    assert result.code == 0, result.err
    return result


def test_grant_operator_limits_reach_the_chain_and_tenant_show(
    leasehold, chain_client, tenant_json, isolated
):
    grant(leasehold, "--allowance", "0.01eth", "--max-duration", "2h")

    limits = chain_client.market.operator_limits(1, STRANGER)
    assert (limits.allowance, limits.max_duration) == (10**16, 7200)
    shown = leasehold("tenant", "show", "1", "--json").json()
    assert shown == tenant_json(1)
    assert {"operator": STRANGER, "expiresAt": chain_client.registry.operator_expiry(1, STRANGER),
            "allowance": str(10**16), "maxDuration": 7200} in shown["operators"]  # fmt: skip


def test_grant_operator_without_limits_is_unlimited(leasehold, chain_client, isolated):
    grant(leasehold)
    [shown] = [
        o
        for o in leasehold("tenant", "show", "1", "--json").json()["operators"]
        if o["operator"] == STRANGER
    ]
    assert (shown["allowance"], shown["maxDuration"]) == (None, None)
    assert chain_client.market.operator_limits(1, STRANGER).allowance == 2**128 - 1
    assert "unlimited" in leasehold("tenant", "show", "1").out


def test_an_operators_leases_spend_its_allowance(leasehold, chain_client, isolated):
    grant(leasehold, "--allowance", "0.01eth")
    opened = leasehold("lease", "open", "1", "2", "--duration", "1h", "--account", "9", "--json")
    assert opened.code == 0, opened.err

    left = 10**16 - 3600 * GWEI
    assert chain_client.market.operator_limits(1, STRANGER).allowance == left
    [shown] = [
        o
        for o in leasehold("tenant", "show", "1", "--json").json()["operators"]
        if o["operator"] == STRANGER
    ]
    assert shown["allowance"] == str(left)
    assert (
        leasehold("lease", "show", str(opened.json()["created"]), "--json").json()["openedBy"]
        == STRANGER
    )


@pytest.mark.parametrize(
    ("limits", "open_args", "error"),
    [
        (("--max-duration", "2h"), ("--duration", "3h"), "MarketOperatorDurationExceeded("),
        (("--allowance", "1gwei"), ("--duration", "1h"), "MarketAllowanceExceeded("),
    ],
)
def test_an_operator_may_not_go_past_its_limits(leasehold, isolated, limits, open_args, error):
    grant(leasehold, *limits)
    result = leasehold("lease", "open", "1", "2", *open_args, "--account", "9")
    assert result.code == 5
    assert error in one_line(result)


def test_a_stranger_may_not_grant_with_limits(leasehold, isolated):
    result = leasehold(
        "tenant", "grant-operator", "1", STRANGER, "--allowance", "1eth", "--account", "9"
    )
    assert result.code == 5  # the limits go first, to the market, which refuses
    assert "MarketNotTenantOwner(" in one_line(result)


@pytest.mark.parametrize(
    ("options", "fragment"),
    [
        (("--allowance", "lots"), "bad amount 'lots'"),
        (("--allowance", str(2**128 - 1)), "must be below"),
        (("--max-duration", "0"), "a positive duration"),
        (("--max-duration", str(2**32 - 1)), "must be below"),
    ],
)
def test_bad_operator_limits_are_usage_errors(leasehold, options, fragment):
    result = leasehold("tenant", "grant-operator", "1", STRANGER, *options, "--account", "3")
    assert result.code == 2
    assert fragment in one_line(result)

"""'provider' (payout address, handover, show), 'earnings' for payout addresses, and pools run by
platform admins: what reaches the chain, who may NOT, and bad input.

Accounts as the scenario cast them: 0 platform admin, 1 provider A (pools 1 and 2), 2 provider B
(pool 3), 3 Acme's owner, 9 a stranger.
"""

from __future__ import annotations

import pytest

from offchain.chain.devnet import dev_account
from offchain.mirror.entities import PoolStatus

PROVIDER_A = dev_account(1).address
PROVIDER_B = dev_account(2).address
STRANGER = dev_account(9).address
ZERO = "0x" + "00" * 20


def ok(result):
    assert result.code == 0, result.err
    return result


def one_line(result):
    assert "Traceback" not in result.err
    [line] = result.err.strip().splitlines()
    return line


def events(result):
    return [e["event"] for e in result.json()["events"]]


def test_provider_show_json_equals_the_market_views(leasehold, chain_client):
    market = chain_client.market
    for provider in (PROVIDER_A, PROVIDER_B):
        assert ok(leasehold("provider", "show", provider.lower(), "--json")).json() == {
            "provider": provider,
            "pools": [p.pool_id for p in market.pools() if p.provider == provider],
            "claimable": str(market.claimable(provider)),
            "payoutAddress": market.payout_address(provider),
            "pendingHandover": market.pending_provider_handover(provider),
        }


def test_an_address_that_runs_no_pools_shows_none(leasehold):
    shown = ok(leasehold("provider", "show", STRANGER, "--json")).json()
    assert (shown["pools"], shown["claimable"], shown["payoutAddress"]) == ([], "0", STRANGER)


def test_payout_address_is_paid_and_may_claim_for_its_provider(
    leasehold, chain_client, stack, isolated
):
    assert "PayoutAddressSet" in events(
        ok(leasehold("provider", "payout", STRANGER, "--account", "1", "--json"))
    )
    assert chain_client.market.payout_address(PROVIDER_A) == STRANGER
    shown = ok(leasehold("earnings", "show", PROVIDER_A, "--json")).json()
    assert shown["payoutAddress"] == STRANGER

    running = str(stack.scenario.leases["acme-cpu"])
    claimed = ok(
        leasehold(
            "earnings", "claim", running, "--provider", PROVIDER_A, "--account", "9", "--json"
        )
    ).json()

    [paid] = [e["args"] for e in claimed["events"] if e["event"] == "EarningsClaimed"]
    assert (paid["provider"], paid["to"]) == (PROVIDER_A, STRANGER)
    assert int(paid["amount"]) > 0
    assert chain_client.market.claimable(PROVIDER_A) == 0


def test_payout_clear_pays_the_provider_itself_again(leasehold, chain_client, isolated):
    ok(leasehold("provider", "payout", STRANGER, "--account", "1"))
    cleared = ok(leasehold("provider", "payout", "--clear", "--account", "1"))
    assert cleared.out.startswith("earnings now pay the provider itself")
    assert chain_client.market.payout_address(PROVIDER_A) == PROVIDER_A


def test_claim_defaults_to_the_signers_own_earnings(leasehold, chain_client, stack, isolated):
    running = str(stack.scenario.leases["acme-cpu"])
    claimed = ok(leasehold("earnings", "claim", running, "--account", "1", "--json")).json()
    [paid] = [e["args"] for e in claimed["events"] if e["event"] == "EarningsClaimed"]
    assert (paid["provider"], paid["to"]) == (PROVIDER_A, PROVIDER_A)


def test_handover_moves_every_pool_when_the_new_address_accepts(leasehold, chain_client, isolated):
    ok(leasehold("role", "grant", "provider", STRANGER, "--account", "0"))
    proposed = ok(leasehold("provider", "handover", STRANGER, "--account", "1", "--json"))
    assert "ProviderHandoverProposed" in events(proposed)
    assert (
        ok(leasehold("provider", "show", PROVIDER_A, "--json")).json()["pendingHandover"]
        == STRANGER
    )
    claimable = chain_client.market.claimable(PROVIDER_A)

    accepted = ok(leasehold("provider", "accept", PROVIDER_A, "--account", "9", "--json"))

    assert "ProviderHandedOver" in events(accepted)
    assert {chain_client.market.pool(i).provider for i in (1, 2)} == {STRANGER}
    shown = ok(leasehold("provider", "show", STRANGER, "--json")).json()
    assert (shown["pools"], shown["claimable"]) == ([1, 2], str(claimable))
    assert ok(leasehold("provider", "show", PROVIDER_A, "--json")).json()["pools"] == []


def test_handover_cancel_withdraws_the_proposal(leasehold, chain_client, isolated):
    ok(leasehold("provider", "handover", STRANGER, "--account", "1"))
    ok(leasehold("provider", "handover", "--cancel", "--account", "1"))
    assert chain_client.market.pending_provider_handover(PROVIDER_A) == ZERO
    refused = leasehold("provider", "accept", PROVIDER_A, "--account", "9")
    assert refused.code == 5
    assert "MarketNotPendingProvider(" in one_line(refused)


# (id, args, account that may not, the custom error)
REFUSED = [
    ("payout-not-a-provider", ("provider", "payout", STRANGER), "9", "MarketUnknownProvider"),
    ("handover-not-a-provider", ("provider", "handover", STRANGER), "9", "MarketUnknownProvider"),
    ("accept-unproposed", ("provider", "accept", PROVIDER_A), "9", "MarketNotPendingProvider"),
    ("accept-running-pools", ("provider", "accept", PROVIDER_A), "2", "MarketNotPendingProvider"),
    ("claim-for-another", ("earnings", "claim", "--provider", PROVIDER_A), "9", "MarketNotPayee"),
    ("pause-not-manager", ("pool", "pause", "1"), "2", "PoolNotManager"),
    ("retire-not-manager", ("pool", "retire", "1"), "9", "PoolNotManager"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("args", "account", "error"), [c[1:] for c in REFUSED], ids=[c[0] for c in REFUSED]
)
def test_who_may_not_gets_the_custom_error_and_exit_5(leasehold, isolated, args, account, error):
    result = leasehold(*args, "--account", account)
    assert result.code == 5
    assert f"reverted: {error}(" in one_line(result)


def test_accept_needs_the_provider_role(leasehold, isolated):
    ok(leasehold("provider", "handover", STRANGER, "--account", "1"))
    result = leasehold("provider", "accept", PROVIDER_A, "--account", "9")
    assert result.code == 5
    assert "MarketNotProvider(" in one_line(result)


@pytest.mark.parametrize("action", ["pause", "retire"])
def test_a_platform_admin_pauses_and_retires_any_pool(leasehold, chain_client, isolated, action):
    ok(leasehold("pool", action, "3", "--account", "0"))
    wanted = PoolStatus.PAUSED if action == "pause" else PoolStatus.RETIRED
    assert chain_client.market.pool(3).status == wanted


def test_a_pool_an_admin_paused_waits_for_an_admin(leasehold, chain_client, isolated):
    ok(leasehold("pool", "pause", "3", "--account", "0"))
    refused = leasehold("pool", "unpause", "3", "--account", "2")
    assert refused.code == 5
    assert "PoolPausedByAdmin(poolId=3)" in one_line(refused)
    ok(leasehold("pool", "unpause", "3", "--account", "0"))
    assert chain_client.market.pool(3).status == PoolStatus.OPEN


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (("provider", "payout"), "pass ADDRESS or --clear"),
        (("provider", "payout", STRANGER, "--clear"), "pass ADDRESS or --clear"),
        (("provider", "handover"), "pass NEW_ADDRESS or --cancel"),
        (("provider", "payout", "0x1234"), "expected 0x followed by 40 hex digits"),
        (("provider", "accept", "nope"), "expected 0x followed by 40 hex digits"),
        (("provider", "show", "0x" + "zz" * 20), "expected 0x followed by 40 hex digits"),
        (("earnings", "claim", "--provider", "0x12"), "expected 0x followed by 40 hex digits"),
    ],
)
def test_bad_input_is_a_usage_error(leasehold, args, fragment):
    signer = () if args[1] == "show" else ("--account", "1")
    result = leasehold(*args, *signer)
    assert result.code == 2
    assert fragment in one_line(result)


@pytest.mark.parametrize(
    "command", ["provider", "provider payout", "provider handover", "provider accept",
                "provider show", "earnings claim", "lease open", "lease extend",
                "tenant grant-operator"],
)  # fmt: skip
def test_every_new_command_explains_itself(leasehold, command):
    result = leasehold(*command.split(), "--help", chain=False)
    assert result.code == 0
    assert "Usage: leasehold " + command in result.out

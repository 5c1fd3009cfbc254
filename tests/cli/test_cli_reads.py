"""Every read command's --json equals the chain's views (read with the web3.py client)."""

from __future__ import annotations

import pytest

from offchain.chain.devnet import dev_account
from offchain.models import AnchorOut, EscrowOut, PoolOut, dump


def test_tenant_show_json_equals_the_registry_view(leasehold, tenant_json):
    for tenant_id in (1, 2, 3):
        result = leasehold("tenant", "show", str(tenant_id), "--json")
        assert result.code == 0
        assert result.json() == tenant_json(tenant_id)


def test_tenant_show_json_lists_the_operators_grant(leasehold, chain_client):
    operator = dev_account(4).address
    limits = chain_client.market.operator_limits(1, operator)
    [grant] = leasehold("tenant", "show", "1", "--json").json()["operators"]
    assert grant == {
        "operator": operator,
        "expiresAt": chain_client.registry.operator_expiry(1, operator),
        "allowance": str(limits.allowance),
        "maxDuration": limits.max_duration,
    }


def test_tenant_list_json_lists_every_tenant(leasehold, chain_client, tenant_json):
    expected = [tenant_json(t.tenant_id) for t in chain_client.registry.tenants()]
    assert leasehold("tenant", "list", "--json").json() == expected


def test_pool_show_and_list_json_equal_the_market_views(leasehold, chain_client):
    expected = [dump(PoolOut.of(p)) for p in chain_client.market.pools()]
    assert leasehold("pool", "list", "--json").json() == expected
    assert leasehold("pool", "show", "2", "--json").json() == expected[1]


def test_lease_list_json_equals_each_lease_view(leasehold, lease_json, stack):
    ids = sorted(stack.scenario.leases.values())
    assert leasehold("lease", "list", "--json").json() == [lease_json(i) for i in ids]


@pytest.mark.parametrize(
    ("filters", "keep"),
    [
        (("--tenant", "1"), lambda x: x["tenantId"] == 1),
        (("--pool", "3"), lambda x: x["poolId"] == 3),
        (("--status", "active"), lambda x: x["status"] == "Active"),
        (
            ("--tenant", "2", "--status", "closed"),
            lambda x: x["tenantId"] == 2 and x["status"] == "Closed",
        ),
    ],
)
def test_lease_list_filters(leasehold, filters, keep):
    everything = leasehold("lease", "list", "--json").json()
    filtered = leasehold("lease", "list", *filters, "--json").json()
    assert filtered == [x for x in everything if keep(x)]
    assert 0 < len(filtered) < len(everything)


def test_lease_show_json_equals_the_market_view(leasehold, lease_json, stack):
    lease_id = stack.scenario.leases["acme-gpu"]
    result = leasehold("lease", "show", str(lease_id), "--json")
    assert result.json() == lease_json(lease_id)
    assert result.json()["closeReason"] == "Expired"


def test_lease_json_names_who_opened_it(leasehold, stack):
    by_operator = leasehold("lease", "show", str(stack.scenario.leases["acme-gpu"]), "--json")
    by_owner = leasehold("lease", "show", str(stack.scenario.leases["acme-cpu"]), "--json")
    assert by_operator.json()["openedBy"] == dev_account(4).address
    assert by_owner.json()["openedBy"] == dev_account(3).address


def test_escrow_show_json_equals_the_account_view(leasehold, chain_client):
    assert leasehold("escrow", "show", "1", "--json").json() == dump(
        EscrowOut.of(1, chain_client.market.escrow(1))
    )


def test_anchors_show_json_equals_the_anchor_view(leasehold, chain_client, stack):
    root = stack.scenario.batch_root
    record = chain_client.anchor.record(bytes.fromhex(root[2:]))
    assert leasehold("anchors", "show", root, "--json").json() == dump(AnchorOut.of(record))


def test_earnings_show_json_equals_claimable(leasehold, chain_client):
    provider = chain_client.market.pool(1).provider
    assert leasehold("earnings", "show", provider, "--json").json() == {
        "provider": provider,
        "claimable": str(chain_client.market.claimable(provider)),
        "payoutAddress": provider,
        "pendingHandover": "0x" + "00" * 20,
    }


@pytest.mark.parametrize(
    "args",
    [("tenant", "show", "1"), ("tenant", "list"), ("pool", "list"), ("lease", "list"),
     ("lease", "show", "9"), ("escrow", "show", "2"), ("pool", "show", "1"),
     ("provider", "show", dev_account(1).address), ("earnings", "show", dev_account(1).address)],
)  # fmt: skip
def test_human_output_is_a_table_not_json(leasehold, args):
    result = leasehold(*args)
    assert result.code == 0
    assert not result.out.lstrip().startswith(("{", "["))
    assert result.err == ""


def test_options_after_the_command_work_like_global_ones(leasehold, stack):
    result = leasehold("tenant", "show", "1", "--json", "--rpc", stack.rpc, chain=False)
    # no --deployment: the default path deployments/<chain id>.json is not where the stack wrote it
    assert result.code in (0, 3)
    result = leasehold(
        "tenant", "show", "1", "--json", "--rpc", stack.rpc,
        "--deployment", str(stack.manifest_path), chain=False,
    )  # fmt: skip
    assert result.code == 0
    assert result.json()["tenantId"] == 1

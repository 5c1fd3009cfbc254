"""Each write command: what it does (read back from the chain), its event, and who may NOT run it.

Accounts are the devnet's development accounts, as the scenario cast them: 0 platform admin,
1 and 2 providers, 3 Acme's owner (tenant 1), 4 Acme's operator, 5 Globex's owner (tenant 2),
6 Initech's owner (tenant 3, suspended), 9 a stranger.
"""

from __future__ import annotations

import pytest

from offchain.chain.devnet import dev_account
from offchain.chain.values import PROVIDER_ROLE
from offchain.chain.values import resource_class as rc
from offchain.mirror.entities import CloseReason, LeaseStatus, PoolStatus, TenantStatus

STRANGER = dev_account(9).address
OPERATOR = dev_account(4).address


def _lease(stack, name):
    return str(stack.scenario.leases[name])


# (id, args builder, account, effect on the chain, event emitted)
ALLOWED = [
    ("suspend", lambda s: ("tenant", "suspend", "1", "--reason", "3"), "0",
     lambda c, s: c.registry.tenant(1).status == TenantStatus.SUSPENDED, "TenantStatusChanged"),
    ("resume", lambda s: ("tenant", "resume", "3"), "0",
     lambda c, s: c.registry.tenant(3).status == TenantStatus.ACTIVE, "TenantStatusChanged"),
    ("close", lambda s: ("tenant", "close", "2"), "5",
     lambda c, s: c.registry.tenant(2).status == TenantStatus.CLOSED, "TenantStatusChanged"),
    ("grant-operator", lambda s: ("tenant", "grant-operator", "1", STRANGER, "--for", "1d"), "3",
     lambda c, s: c.registry.is_authorized(1, STRANGER), "OperatorGranted"),
    ("revoke-operator", lambda s: ("tenant", "revoke-operator", "1", OPERATOR), "3",
     lambda c, s: not c.registry.is_authorized(1, OPERATOR), "OperatorRevoked"),
    ("update-metadata", lambda s: ("tenant", "update-metadata", "2", "ipfs://new", "--hash",
     "0x" + "ab" * 32), "5", lambda c, s: c.registry.tenant(2).metadata_uri == "ipfs://new",
     "TenantMetadataUpdated"),
    ("transfer", lambda s: ("tenant", "transfer", "2", STRANGER), "5",
     lambda c, s: c.registry.tenant(2).pending_owner == STRANGER, "TenantOwnershipProposed"),
    ("quota", lambda s: ("tenant", "quota", "1", "gpu.h100", "16"), "0",
     lambda c, s: c.registry.quota(1, rc("gpu.h100")) == 16, "QuotaSet"),
    ("policy", lambda s: ("tenant", "policy", "open"), "0",
     lambda c, s: c.registry.registration_policy() == 0, "RegistrationPolicyChanged"),
    ("role-grant", lambda s: ("role", "grant", "provider", STRANGER), "0",
     lambda c, s: c.registry.has_role(PROVIDER_ROLE, STRANGER), "RoleGranted"),
    ("pool-create", lambda s: ("pool", "create", "gpu.h100", "--capacity", "4", "--price", "1gwei"),
     "1", lambda c, s: c.market.pool_count() == 4, "PoolCreated"),
    ("pool-pause", lambda s: ("pool", "pause", "1"), "1",
     lambda c, s: c.market.pool(1).status == PoolStatus.PAUSED, "PoolStatusChanged"),
    ("pool-retire", lambda s: ("pool", "retire", "3"), "2",
     lambda c, s: c.market.pool(3).status == PoolStatus.RETIRED, "PoolStatusChanged"),
    ("pool-capacity", lambda s: ("pool", "set-capacity", "2", "300"), "1",
     lambda c, s: c.market.pool(2).capacity == 300, "PoolCapacityChanged"),
    ("pool-price", lambda s: ("pool", "set-price", "2", "2gwei"), "1",
     lambda c, s: c.market.pool(2).price_per_unit_second == 2 * 10**9, "PoolPriceChanged"),
    ("lease-open", lambda s: ("lease", "open", "1", "1", "--units", "2", "--duration", "2h"), "4",
     lambda c, s: c.market.pool(1).allocated
     == 2 + c.market.lease(s.scenario.leases["acme-gpu-metered"]).units, "LeaseOpened"),
    ("lease-extend", lambda s: ("lease", "extend", _lease(s, "acme-cpu"), "--by", "1h"), "3",
     lambda c, s: c.market.lease(s.scenario.leases["acme-cpu"]).end
     - c.market.lease(s.scenario.leases["acme-cpu"]).start == 25 * 3600, "LeaseExtended"),
    ("lease-release", lambda s: ("lease", "release", _lease(s, "acme-cpu")), "3",
     lambda c, s: c.market.lease(s.scenario.leases["acme-cpu"]).close_reason
     == CloseReason.RELEASED_BY_TENANT, "LeaseClosed"),
    ("lease-terminate", lambda s: ("lease", "terminate", _lease(s, "globex-storage")), "2",
     lambda c, s: c.market.lease(s.scenario.leases["globex-storage"]).status
     == LeaseStatus.CLOSED, "LeaseClosed"),
    ("deposit", lambda s: ("escrow", "deposit", "2", "0.5eth"), "9",
     lambda c, s: c.market.escrow(2).free >= 5 * 10**17, "Deposited"),
    ("withdraw", lambda s: ("escrow", "withdraw", "1", "0.01eth"), "3", None, "Withdrawn"),
    ("claim", lambda s: ("earnings", "claim", _lease(s, "acme-cpu")), "1",
     lambda c, s: c.market.claimable(dev_account(1).address) == 0, "EarningsClaimed"),
    ("anchor-revoke", lambda s: ("anchors", "revoke", s.scenario.batch_root, "--reason", "9"), "3",
     lambda c, s: c.anchor.record(bytes.fromhex(s.scenario.batch_root[2:])).revoked_at > 0,
     "AnchorRevoked"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("build", "account", "effect", "event"),
    [case[1:] for case in ALLOWED],
    ids=[case[0] for case in ALLOWED],
)
def test_write_changes_the_chain_and_reports_its_event(
    leasehold, stack, chain_client, isolated, build, account, effect, event
):
    result = leasehold(*build(stack), "--account", account, "--json")
    assert result.code == 0, result.err
    report = result.json()
    assert report["txHash"].startswith("0x")
    assert event in [e["event"] for e in report["events"]]
    if effect is not None:
        assert effect(chain_client, stack)


# (id, args builder, account that may not, the custom error)
REFUSED = [
    ("suspend", lambda s: ("tenant", "suspend", "1"), "9", "AccessControlUnauthorizedAccount"),
    ("close", lambda s: ("tenant", "close", "2"), "3", "RegistryNotTenantOwner"),
    ("grant-operator", lambda s: ("tenant", "grant-operator", "1", STRANGER), "9",
     "RegistryNotTenantOwner"),
    ("quota", lambda s: ("tenant", "quota", "1", "gpu.h100", "1"), "3",
     "AccessControlUnauthorizedAccount"),
    ("update-metadata", lambda s: ("tenant", "update-metadata", "2", "ipfs://x"), "3",
     "RegistryNotTenantOwner"),
    ("transfer", lambda s: ("tenant", "transfer", "2", STRANGER), "9", "RegistryNotTenantOwner"),
    ("accept-unproposed", lambda s: ("tenant", "accept", "2"), "9", "RegistryNotPendingOwner"),
    ("policy", lambda s: ("tenant", "policy", "open"), "9", "AccessControlUnauthorizedAccount"),
    ("role-grant", lambda s: ("role", "grant", "provider", STRANGER), "9",
     "AccessControlUnauthorizedAccount"),
    ("pool-create", lambda s: ("pool", "create", "gpu.h100", "--capacity", "1", "--price", "1"),
     "9", "MarketNotProvider"),
    ("pool-pause", lambda s: ("pool", "pause", "1"), "2", "PoolNotManager"),
    ("pool-price", lambda s: ("pool", "set-price", "1", "1gwei"), "0", "PoolNotProvider"),
    ("lease-open", lambda s: ("lease", "open", "1", "1", "--duration", "2h"), "9",
     "MarketUnauthorized"),
    ("lease-open-suspended", lambda s: ("lease", "open", "3", "1", "--duration", "2h"), "6",
     "MarketUnauthorized"),
    ("lease-extend", lambda s: ("lease", "extend", _lease(s, "acme-cpu"), "--by", "1h"), "9",
     "MarketUnauthorized"),
    ("lease-terminate", lambda s: ("lease", "terminate", _lease(s, "acme-cpu")), "2",
     "LeaseNotTerminator"),
    ("lease-reclaim-running", lambda s: ("lease", "reclaim", _lease(s, "acme-cpu")), "9",
     "LeaseNotReclaimable"),
    ("withdraw", lambda s: ("escrow", "withdraw", "1", "1wei"), "4", "MarketNotTenantOwner"),
    ("anchor-revoke", lambda s: ("anchors", "revoke", s.scenario.batch_root), "5",
     "AnchorUnauthorized"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("build", "account", "error"),
    [case[1:] for case in REFUSED],
    ids=[case[0] for case in REFUSED],
)
def test_who_may_not_gets_the_custom_error_and_exit_5(
    leasehold, stack, isolated, build, account, error
):
    result = leasehold(*build(stack), "--account", account)
    assert result.code == 5
    lines = result.err.strip().splitlines()
    assert len(lines) == 1
    assert f"reverted: {error}(" in lines[0]


def test_ownership_moves_when_the_proposed_owner_accepts(leasehold, chain_client, isolated):
    assert leasehold("tenant", "transfer", "2", STRANGER, "--account", "5").code == 0

    accepted = leasehold("tenant", "accept", "2", "--account", "9", "--json")

    assert accepted.code == 0, accepted.err
    assert "TenantOwnershipTransferred" in [e["event"] for e in accepted.json()["events"]]
    assert chain_client.registry.tenant(2).owner == STRANGER


def test_register_then_approve_a_pending_tenant(leasehold, chain_client, isolated):
    registered = leasehold("tenant", "register", "ipfs://newco", "--account", "9", "--json")
    tenant_id = registered.json()["created"]
    assert chain_client.registry.tenant(tenant_id).status == TenantStatus.PENDING
    approved = leasehold("tenant", "approve", str(tenant_id), "--account", "0")
    assert approved.out.startswith(f"tenant {tenant_id} approved")
    assert chain_client.registry.tenant(tenant_id).status == TenantStatus.ACTIVE


def test_reject_closes_a_pending_tenant(leasehold, chain_client, isolated):
    tenant_id = leasehold("tenant", "register", "ipfs://x", "--account", "9", "--json").json()[
        "created"
    ]
    leasehold("tenant", "reject", str(tenant_id), "--reason", "4", "--account", "0")
    assert chain_client.registry.tenant(tenant_id).status == TenantStatus.CLOSED


def test_private_key_from_the_environment_signs(leasehold, chain_client, isolated, monkeypatch):
    monkeypatch.setenv("LEASEHOLD_PRIVATE_KEY", dev_account(9).key.hex())
    tenant_id = leasehold("tenant", "register", "ipfs://env", "--json").json()["created"]
    assert chain_client.registry.tenant(tenant_id).owner == STRANGER


def test_node_unlocked_address_signs(leasehold, chain_client, isolated):
    result = leasehold("tenant", "register", "ipfs://node", "--account", STRANGER, "--json")
    assert chain_client.registry.tenant(result.json()["created"]).owner == STRANGER


def test_expired_leases_are_reclaimed_by_anyone(leasehold, chain_client, node, isolated):
    lease_id = leasehold(
        "lease", "open", "1", "1", "--duration", "1h", "--account", "3", "--json"
    ).json()["created"]
    node("evm_setNextBlockTimestamp", [chain_client.market.lease(lease_id).end + 1])
    node("evm_mine")
    result = leasehold("lease", "reclaim", str(lease_id), "--account", "9")
    assert result.out.startswith(f"reclaimed 1 lease(s): {lease_id}")
    assert chain_client.market.lease(lease_id).close_reason == CloseReason.EXPIRED

"""The registry's journal, and a model of the whole registry driven by random sequences.

Every journaled event carries the next sequence number; the head recomputed in Python from the logs
(``offchain.mirror.journal``) equals the contract's ``journal()`` after any sequence of operations.
"""

from __future__ import annotations

import ape
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

NONE, PENDING, ACTIVE, SUSPENDED, CLOSED = range(5)
OPEN, APPROVAL = 0, 1
GPU = b"gpu.h100".ljust(32, b"\x00")
HOUR = 3600


def test_each_journaled_event_carries_the_next_seq_and_the_head_follows_the_logs(
    registry, admin, tenant_owner, operator, other_owner, journal, now
):
    tracker = journal(registry)
    first = registry.tenantCount() + 1
    second = first + 1
    start = tracker.state.seq
    receipts = [
        registry.register("ipfs://a", b"\x01" * 32, sender=tenant_owner),
        registry.setRegistrationPolicy(APPROVAL, sender=admin),
        registry.register("ipfs://b", b"\x02" * 32, sender=other_owner),
        registry.approve(second, sender=admin),
        registry.grantOperator(
            first,
            operator,
            now() + HOUR,
            sender=tenant_owner,
        ),
        registry.setQuota(first, GPU, 8, sender=admin),
        registry.updateMetadata(first, "ipfs://c", b"\x03" * 32, sender=tenant_owner),
        registry.revokeOperator(first, operator, sender=tenant_owner),
        registry.proposeOwner(first, other_owner, sender=tenant_owner),
        registry.acceptOwnership(first, sender=other_owner),
        registry.suspend(second, 5, sender=admin),
        registry.resume(second, 0, sender=admin),
        registry.close(second, sender=other_owner),
    ]

    seqs = [seq for receipt in receipts for seq in tracker.apply(receipt)]

    assert seqs == list(range(start + 1, start + 14))
    assert tracker.matches()


def test_a_reverted_call_leaves_the_journal_unchanged(registry, stranger, tenant_id):
    before = registry.journal()

    with ape.reverts():
        registry.close(tenant_id, sender=stranger)

    assert registry.journal() == before


def test_registry_matches_a_model_over_random_sequences(
    chain, registry, admin, tenant_owner, operator, other_owner, stranger, journal
):
    """Statuses move only along allowed edges, isAuthorized follows owners, operators, expiry and
    ownership transfers (which lapse every operator), and the journal recomputed from the logs
    matches, whatever the order of operations."""
    people = [tenant_owner, operator, other_owner, stranger]

    class RegistryMachine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.snapshot = chain.snapshot()
            self.tracker = journal(registry)
            self.start_count = int(registry.tenantCount())
            self.policy = OPEN
            self.status: dict[int, int] = {}
            self.owner: dict[int, object] = {}
            self.pending: dict[int, object] = {}
            self.operators: dict[tuple[int, str], int] = {}

        def teardown(self) -> None:
            chain.restore(self.snapshot)

        def _tenant(self, pick: int) -> int:
            # Ids the model knows plus one unknown id, so unknown tenants are exercised too.
            return self.start_count + 1 + pick % (len(self.status) + 1)

        def _send(self, method, *args, sender, ok: bool):
            if ok:
                self.tracker.apply(method(*args, sender=sender))
            else:
                # A call, not a transaction: what must revert is checked without mining anything.
                with ape.reverts():
                    method.call(*args, sender=sender)

        @rule(who=st.sampled_from(range(4)))
        def register(self, who):
            receipt = registry.register("ipfs://t", b"\x09" * 32, sender=people[who])
            self.tracker.apply(receipt)
            tenant = self.start_count + len(self.status) + 1
            self.status[tenant] = ACTIVE if self.policy == OPEN else PENDING
            self.owner[tenant] = people[who]

        @rule(policy=st.sampled_from([OPEN, APPROVAL]))
        def set_policy(self, policy):
            self._send(registry.setRegistrationPolicy, policy, sender=admin, ok=True)
            self.policy = policy

        @rule(
            action=st.sampled_from(["approve", "reject", "suspend", "resume"]),
            pick=st.integers(0, 10),
        )
        def admin_transition(self, action, pick):
            tenant = self._tenant(pick)
            source, target = {
                "approve": (PENDING, ACTIVE),
                "reject": (PENDING, CLOSED),
                "suspend": (ACTIVE, SUSPENDED),
                "resume": (SUSPENDED, ACTIVE),
            }[action]
            ok = self.status.get(tenant) == source
            args = (tenant,) if action == "approve" else (tenant, 3)
            self._send(getattr(registry, action), *args, sender=admin, ok=ok)
            if ok:
                self.status[tenant] = target

        @rule(pick=st.integers(0, 10), who=st.sampled_from(range(4)))
        def close(self, pick, who):
            tenant = self._tenant(pick)
            ok = self.owner.get(tenant) == people[who] and self.status[tenant] != CLOSED
            self._send(registry.close, tenant, sender=people[who], ok=ok)
            if ok:
                self.status[tenant] = CLOSED

        @rule(pick=st.integers(0, 10), who=st.sampled_from(range(4)), lifetime=st.integers(1, 50))
        def grant(self, pick, who, lifetime):
            tenant = self._tenant(pick)
            owner = self.owner.get(tenant)
            expiry = (
                int(chain.pending_timestamp) + lifetime
            )  # the grant's own block time + lifetime
            ok = owner is not None and self.status[tenant] != CLOSED
            self._send(
                registry.grantOperator,
                tenant,
                people[who],
                expiry,
                sender=owner or admin,
                ok=ok,
            )
            if ok:
                self.operators[(tenant, people[who].address)] = expiry

        @rule(pick=st.integers(0, 10), who=st.sampled_from(range(4)))
        def revoke(self, pick, who):
            tenant = self._tenant(pick)
            owner = self.owner.get(tenant)
            ok = owner is not None and self.operators.get((tenant, people[who].address), 0) != 0
            self._send(registry.revokeOperator, tenant, people[who], sender=owner or admin, ok=ok)
            if ok:
                self.operators[(tenant, people[who].address)] = 0

        @rule(pick=st.integers(0, 10), who=st.sampled_from(range(4)))
        def transfer(self, pick, who):
            tenant = self._tenant(pick)
            owner = self.owner.get(tenant)
            ok = owner is not None and self.status[tenant] != CLOSED
            self._send(registry.proposeOwner, tenant, people[who], sender=owner or admin, ok=ok)
            if ok:
                self._send(registry.acceptOwnership, tenant, sender=people[who], ok=True)
                self.owner[tenant] = people[who]
                # The previous owner's operators lapse with the transfer.
                for key in [k for k in self.operators if k[0] == tenant]:
                    self.operators[key] = 0

        @rule(blocks=st.integers(1, 30))
        def warp(self, blocks):
            # eth-tester's blocks are one second apart: mining moves time without time travel,
            # which confuses its pending block when mixed with snapshots.
            chain.mine(blocks)

        @rule(pick=st.integers(0, 10), who=st.sampled_from(range(4)))
        def authorization_follows_the_model(self, pick, who):
            tenant = self._tenant(pick)
            account = people[who]
            now = int(chain.blocks.head.timestamp)
            expected = self.status.get(tenant) == ACTIVE and (
                self.owner[tenant] == account
                or self.operators.get((tenant, account.address), 0) > now
            )
            assert registry.isAuthorized(tenant, account) is expected
            if tenant in self.owner:
                granted = self.operators.get((tenant, account.address), 0)
                assert registry.operatorExpiry(tenant, account) == granted

        @invariant()
        def statuses_follow_the_model_along_allowed_edges(self):
            for tenant, status in self.status.items():
                assert registry.tenant(tenant).status == status

        @invariant()
        def journal_matches_the_logs(self):
            assert self.tracker.matches()

    RegistryMachine.TestCase.settings = settings(
        max_examples=6,
        stateful_step_count=12,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    run_state_machine_as_test(RegistryMachine, settings=RegistryMachine.TestCase.settings)

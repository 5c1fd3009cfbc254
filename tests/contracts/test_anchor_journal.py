"""DataAnchor's journal, and a model of anchoring driven by random sequences.

The model checks, whatever the order of operations: an anchor's record never changes except for its
revocation fields, only the tenant's authorized accounts anchor and revoke, and the journal head
recomputed from the logs equals ``journal()``.
"""

from __future__ import annotations

import hashlib

import ape
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

ACTIVE, SUSPENDED = 2, 3
DIGESTS = [hashlib.sha256(f"file-{i}".encode()).digest() for i in range(6)]


def test_each_journaled_event_carries_the_next_seq_and_the_head_follows_the_logs(
    data_anchor, tenant_owner, operator, tenant_id, operator_expiry, journal
):
    tracker = journal(data_anchor)
    start = tracker.state.seq
    receipts = [
        data_anchor.anchor(tenant_id, DIGESTS[0], sender=tenant_owner),
        data_anchor.anchorBatch(tenant_id, DIGESTS[1], 3, "ipfs://b", sender=operator),
        data_anchor.anchorBatch(tenant_id, DIGESTS[2], 1, "", sender=tenant_owner),
        data_anchor.revoke(DIGESTS[0], 1, sender=operator),
        data_anchor.revoke(DIGESTS[1], 2, sender=tenant_owner),
    ]

    seqs = [seq for receipt in receipts for seq in tracker.apply(receipt)]

    assert seqs == [start + 1, start + 2, start + 3, start + 4, start + 5]
    assert tracker.matches()


def test_registry_events_do_not_enter_the_anchor_journal(data_anchor, registry, admin, tenant_id):
    before = data_anchor.journal()

    registry.suspend(tenant_id, 1, sender=admin)

    assert data_anchor.journal() == before


def test_anchoring_matches_a_model_over_random_sequences(
    chain,
    registry,
    data_anchor,
    admin,
    tenant_owner,
    other_owner,
    operator,
    stranger,
    tenant_id,
    other_tenant_id,
    journal,
):
    people = [tenant_owner, other_owner, operator, stranger]
    owners = {tenant_id: tenant_owner, other_tenant_id: other_owner}
    tenants = [tenant_id, other_tenant_id]

    class AnchorMachine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.snapshot = chain.snapshot()
            self.tracker = journal(data_anchor)
            self.status = {t: int(registry.tenant(t).status) for t in tenants}
            # Session fixtures may already have granted operators or anchored: start from the chain.
            self.operators = {
                (t, p.address): int(registry.operatorExpiry(t, p)) for t in tenants for p in people
            }
            self.records = {
                d: tuple(data_anchor.anchorOf(d))
                for d in DIGESTS
                if data_anchor.anchorOf(d).tenantId != 0
            }

        def teardown(self) -> None:
            chain.restore(self.snapshot)

        def _authorized(self, tenant, account, now: int) -> bool:
            if self.status[tenant] != ACTIVE:
                return False
            expiry = self.operators.get((tenant, account.address), 0)
            return owners[tenant] == account or expiry > now

        def _expect(self, tenant, account) -> bool | None:
            """Whether a transaction now is authorized; None at an operator's expiry instant,
            where a transaction (next block) and a call (latest block) disagree by design."""
            in_tx = self._authorized(tenant, account, int(chain.pending_timestamp))
            in_call = self._authorized(tenant, account, int(chain.blocks.head.timestamp))
            return in_tx if in_tx == in_call else None

        @rule(
            t=st.sampled_from([0, 1]),
            who=st.sampled_from(range(4)),
            d=st.sampled_from(range(6)),
            count=st.sampled_from([0, 1, 7]),
        )
        def anchor(self, t, who, d, count):
            tenant, account, digest = tenants[t], people[who], DIGESTS[d]
            authorized = self._expect(tenant, account)
            if authorized is None:
                return
            ok = digest not in self.records and authorized
            if not ok:
                with ape.reverts():
                    if count:
                        data_anchor.anchorBatch.call(tenant, digest, count, "u", sender=account)
                    else:
                        data_anchor.anchor.call(tenant, digest, sender=account)
                return
            receipt = (
                data_anchor.anchorBatch(tenant, digest, count, "u", sender=account)
                if count
                else data_anchor.anchor(tenant, digest, sender=account)
            )
            self.tracker.apply(receipt)
            when = int(chain.blocks[receipt.block_number].timestamp)
            self.records[digest] = (tenant, when, receipt.block_number, 0, count, 0)

        @rule(who=st.sampled_from(range(4)), d=st.sampled_from(range(6)), reason=st.integers(1, 9))
        def revoke(self, who, d, reason):
            account, digest = people[who], DIGESTS[d]
            record = self.records.get(digest)
            authorized = record is not None and self._expect(record[0], account)
            if authorized is None:
                return
            ok = record is not None and record[3] == 0 and authorized
            if not ok:
                with ape.reverts():
                    data_anchor.revoke.call(digest, reason, sender=account)
                return
            receipt = data_anchor.revoke(digest, reason, sender=account)
            self.tracker.apply(receipt)
            when = int(chain.blocks[receipt.block_number].timestamp)
            self.records[digest] = (*record[:3], when, record[4], reason)

        @rule(t=st.sampled_from([0, 1]))
        def toggle_suspension(self, t):
            tenant = tenants[t]
            if self.status[tenant] == ACTIVE:
                registry.suspend(tenant, 1, sender=admin)
                self.status[tenant] = SUSPENDED
            else:
                registry.resume(tenant, 0, sender=admin)
                self.status[tenant] = ACTIVE

        @rule(t=st.sampled_from([0, 1]), lifetime=st.integers(1, 20))
        def grant_operator(self, t, lifetime):
            tenant = tenants[t]
            expiry = int(chain.pending_timestamp) + lifetime
            registry.grantOperator(
                tenant,
                operator,
                expiry,
                sender=owners[tenant],
            )
            self.operators[(tenant, operator.address)] = expiry

        @rule(blocks=st.integers(1, 20))
        def let_time_pass(self, blocks):
            chain.mine(blocks)  # eth-tester's blocks are one second apart

        @invariant()
        def records_change_only_by_revocation(self):
            for digest, expected in self.records.items():
                assert tuple(data_anchor.anchorOf(digest)) == expected

        @invariant()
        def journal_matches_the_logs(self):
            assert self.tracker.matches()

    run_state_machine_as_test(
        AnchorMachine,
        settings=settings(
            max_examples=6,
            stateful_step_count=15,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        ),
    )

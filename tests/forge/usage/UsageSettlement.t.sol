// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {UsageBase} from "./UsageBase.sol";
import {IUsageLedger} from "../../../contracts/interfaces/IUsageLedger.sol";
import {MaliciousReceiver} from "../../../contracts/test/MaliciousReceiver.sol";

/// @notice Settlement: accepting, disputing, amending, arbitration, expiry, claims and refunds, with
/// their events, every revert and the callers each refuses.
contract UsageSettlementTest is UsageBase {
    uint64 internal sid;
    uint128 internal amount;

    function setUp() public override {
        super.setUp();
        sid = _postHour(100, 1000);
        amount = ledger.statement(sid).amount;
    }

    // --------------------------------------------------------------------------- accept/dispute

    function test_accept_makes_a_statement_payable_at_once() public {
        uint64 seq = _nextSeq();
        vm.expectEmit(true, true, true, true);
        emit IUsageLedger.StatementAccepted(sid, OPERATOR, seq);
        vm.prank(OPERATOR);
        ledger.acceptStatement(sid);
        assertTrue(ledger.statement(sid).status == IUsageLedger.StatementStatus.Accepted, "accepted");
        vm.prank(PROVIDER);
        assertEq(ledger.claim(PROVIDER, _ids(sid)), amount, "claimed in the window");
    }

    function test_accept_and_dispute_refuse_strangers_providers_and_the_arbiter() public {
        address[4] memory others = [STRANGER, PROVIDER, REPORTER, ARBITER];
        for (uint256 i; i < others.length; ++i) {
            vm.expectRevert(abi.encodeWithSelector(IUsageLedger.UsageNotMember.selector, tenant, others[i]));
            vm.prank(others[i]);
            ledger.acceptStatement(sid);
            vm.expectRevert(abi.encodeWithSelector(IUsageLedger.UsageNotMember.selector, tenant, others[i]));
            vm.prank(others[i]);
            ledger.disputeStatement(sid, keccak256("why"));
        }
    }

    function test_accept_and_dispute_revert_after_the_window_or_off_pending() public {
        uint40 payableAt = ledger.statement(sid).payableAt;
        vm.warp(payableAt);
        vm.expectRevert(abi.encodeWithSelector(IUsageLedger.UsageWindowClosed.selector, sid, payableAt));
        vm.prank(OWNER);
        ledger.acceptStatement(sid);
        vm.expectRevert(abi.encodeWithSelector(IUsageLedger.UsageWindowClosed.selector, sid, payableAt));
        vm.prank(OWNER);
        ledger.disputeStatement(sid, keccak256("late"));
        vm.warp(payableAt - 1);
        vm.prank(OWNER);
        ledger.acceptStatement(sid);
        vm.expectRevert(
            abi.encodeWithSelector(IUsageLedger.UsageBadStatus.selector, sid, IUsageLedger.StatementStatus.Accepted)
        );
        vm.prank(OWNER);
        ledger.disputeStatement(sid, keccak256("twice"));
        vm.expectRevert(abi.encodeWithSelector(IUsageLedger.UsageUnknownStatement.selector, uint64(999)));
        vm.prank(OWNER);
        ledger.acceptStatement(999);
    }

    function test_dispute_holds_the_amount_with_a_reason() public {
        vm.expectRevert(IUsageLedger.UsageZeroReason.selector);
        vm.prank(OWNER);
        ledger.disputeStatement(sid, bytes32(0));
        uint64 seq = _nextSeq();
        uint40 resolveBy = uint40(ledger.statement(sid).payableAt + 14 days);
        vm.expectEmit(true, true, true, true);
        emit IUsageLedger.StatementDisputed(sid, keccak256("why"), resolveBy, OWNER, seq);
        vm.prank(OWNER);
        ledger.disputeStatement(sid, keccak256("why"));
        assertTrue(ledger.statement(sid).status == IUsageLedger.StatementStatus.Disputed, "disputed");
        vm.warp(ledger.statement(sid).payableAt + 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                IUsageLedger.UsageNotPayable.selector,
                sid,
                IUsageLedger.StatementStatus.Disputed,
                ledger.statement(sid).payableAt
            )
        );
        vm.prank(PROVIDER);
        ledger.claim(PROVIDER, _ids(sid));
    }

    function test_a_suspended_tenant_still_disputes() public {
        vm.prank(ADMIN);
        registry.suspend(tenant, 1);
        vm.prank(OPERATOR);
        ledger.disputeStatement(sid, keccak256("why"));
    }

    // ---------------------------------------------------------------------------------- amend

    function test_amend_lowers_a_pending_statement_and_returns_the_rest() public {
        uint128 remaining = ledger.budget(leaseId).remaining;
        uint64 seq = _nextSeq();
        vm.expectEmit(true, true, true, true);
        emit IUsageLedger.StatementAmended(sid, 5, amount - 5, IUsageLedger.StatementStatus.Pending, REPORTER, seq);
        vm.prank(REPORTER);
        ledger.amendStatement(sid, 5);
        assertEq(ledger.statement(sid).amount, 5, "lowered");
        assertEq(ledger.budget(leaseId).remaining, remaining + amount - 5, "returned");
    }

    function test_amend_ends_a_dispute_and_zero_withdraws() public {
        vm.prank(OWNER);
        ledger.disputeStatement(sid, keccak256("why"));
        vm.prank(PROVIDER);
        ledger.amendStatement(sid, 5);
        assertTrue(ledger.statement(sid).status == IUsageLedger.StatementStatus.Resolved, "resolved");
        vm.prank(PROVIDER);
        ledger.amendStatement(sid, 0);
        assertTrue(ledger.statement(sid).status == IUsageLedger.StatementStatus.Withdrawn, "withdrawn");
        assertEq(ledger.budget(leaseId).remaining, BUDGET, "all back");
        vm.expectRevert(
            abi.encodeWithSelector(IUsageLedger.UsageBadStatus.selector, sid, IUsageLedger.StatementStatus.Withdrawn)
        );
        vm.prank(PROVIDER);
        ledger.amendStatement(sid, 0);
    }

    function test_amend_reverts_unless_lower_and_for_anyone_but_provider_or_reporter() public {
        vm.expectRevert(abi.encodeWithSelector(IUsageLedger.UsageNotLower.selector, sid, amount, amount));
        vm.prank(PROVIDER);
        ledger.amendStatement(sid, amount);
        address[4] memory others = [STRANGER, OWNER, ARBITER, OTHER_PROVIDER];
        for (uint256 i; i < others.length; ++i) {
            vm.expectRevert(abi.encodeWithSelector(IUsageLedger.UsageNotReporter.selector, pool, others[i]));
            vm.prank(others[i]);
            ledger.amendStatement(sid, 0);
        }
        vm.expectRevert(abi.encodeWithSelector(IUsageLedger.UsageUnknownStatement.selector, uint64(999)));
        vm.prank(PROVIDER);
        ledger.amendStatement(999, 0);
    }

    // ------------------------------------------------------------------------------ arbitration

    function test_the_arbiter_splits_a_dispute() public {
        vm.prank(OWNER);
        ledger.disputeStatement(sid, keccak256("why"));
        uint128 remaining = ledger.budget(leaseId).remaining;
        uint64 seq = _nextSeq();
        vm.expectEmit(true, true, true, true);
        emit IUsageLedger.DisputeResolved(sid, 40, amount - 40, ARBITER, seq);
        vm.prank(ARBITER);
        ledger.resolveDispute(sid, 40);
        IUsageLedger.Statement memory s = ledger.statement(sid);
        assertTrue(s.status == IUsageLedger.StatementStatus.Resolved, "resolved");
        assertEq(s.amount, 40, "provider's share");
        assertEq(ledger.budget(leaseId).remaining, remaining + amount - 40, "tenant's share");
        uint256 before = PROVIDER.balance;
        vm.prank(PROVIDER);
        ledger.claim(PROVIDER, _ids(sid));
        assertEq(PROVIDER.balance - before, 40, "paid the share");
    }

    function test_the_arbiter_may_give_everything_to_either_side() public {
        vm.prank(OWNER);
        ledger.disputeStatement(sid, keccak256("why"));
        vm.prank(ARBITER);
        ledger.resolveDispute(sid, amount);
        assertEq(ledger.statement(sid).amount, amount, "all to the provider");
        uint64 other = _postHour(1, 1);
        vm.prank(OWNER);
        ledger.disputeStatement(other, keccak256("why"));
        vm.prank(ARBITER);
        ledger.resolveDispute(other, 0);
        assertEq(ledger.statement(other).amount, 0, "all to the tenant");
    }

    function test_resolve_reverts_for_non_arbiters_off_dispute_above_amount_and_late() public {
        address[4] memory others = [STRANGER, OWNER, PROVIDER, ADMIN];
        for (uint256 i; i < others.length; ++i) {
            vm.expectRevert(abi.encodeWithSelector(IUsageLedger.UsageNotArbiter.selector, others[i]));
            vm.prank(others[i]);
            ledger.resolveDispute(sid, 0);
        }
        vm.expectRevert(
            abi.encodeWithSelector(IUsageLedger.UsageBadStatus.selector, sid, IUsageLedger.StatementStatus.Pending)
        );
        vm.prank(ARBITER);
        ledger.resolveDispute(sid, 0);
        vm.prank(OWNER);
        ledger.disputeStatement(sid, keccak256("why"));
        vm.expectRevert(abi.encodeWithSelector(IUsageLedger.UsageSplitAboveAmount.selector, sid, amount + 1, amount));
        vm.prank(ARBITER);
        ledger.resolveDispute(sid, amount + 1);
        uint256 deadline = ledger.resolveBy(sid);
        vm.warp(deadline);
        vm.expectRevert(abi.encodeWithSelector(IUsageLedger.UsageResolutionClosed.selector, sid, deadline));
        vm.prank(ARBITER);
        ledger.resolveDispute(sid, 0);
    }

    function test_an_unresolved_dispute_returns_to_the_budget_after_its_deadline() public {
        vm.prank(OWNER);
        ledger.disputeStatement(sid, keccak256("why"));
        uint256 deadline = ledger.resolveBy(sid);
        vm.expectRevert(abi.encodeWithSelector(IUsageLedger.UsageResolutionOpen.selector, sid, deadline));
        ledger.expireDispute(sid);
        vm.warp(deadline);
        uint64 seq = _nextSeq();
        vm.expectEmit(true, true, true, true);
        emit IUsageLedger.DisputeExpired(sid, amount, STRANGER, seq);
        vm.prank(STRANGER);
        ledger.expireDispute(sid);
        assertTrue(ledger.statement(sid).status == IUsageLedger.StatementStatus.Returned, "returned");
        assertEq(ledger.budget(leaseId).remaining, BUDGET, "back in the budget");
        vm.expectRevert(
            abi.encodeWithSelector(IUsageLedger.UsageBadStatus.selector, sid, IUsageLedger.StatementStatus.Returned)
        );
        ledger.expireDispute(sid);
        vm.expectRevert(abi.encodeWithSelector(IUsageLedger.UsageUnknownStatement.selector, uint64(999)));
        ledger.expireDispute(999);
    }

    // ---------------------------------------------------------------------------------- claim

    function test_claim_pays_payable_statements_to_the_payout_address() public {
        uint64 second = _postHour(200, 0);
        uint128 secondAmount = ledger.statement(second).amount;
        address payout = address(0x7777);
        vm.prank(PROVIDER);
        market.setPayoutAddress(payout);
        vm.warp(ledger.statement(second).payableAt);
        uint64[] memory ids = new uint64[](2);
        ids[0] = sid;
        ids[1] = second;
        uint64 seq = _nextSeq();
        vm.expectEmit(true, true, true, true);
        emit IUsageLedger.UsageClaimed(PROVIDER, payout, uint256(amount) + secondAmount, ids, seq);
        vm.prank(payout);
        uint256 paid = ledger.claim(PROVIDER, ids);
        assertEq(paid, uint256(amount) + secondAmount, "paid");
        assertEq(payout.balance, paid, "received");
        assertTrue(ledger.statement(sid).status == IUsageLedger.StatementStatus.Claimed, "claimed");
        vm.expectRevert(
            abi.encodeWithSelector(
                IUsageLedger.UsageNotPayable.selector,
                sid,
                IUsageLedger.StatementStatus.Claimed,
                ledger.statement(sid).payableAt
            )
        );
        vm.prank(PROVIDER);
        ledger.claim(PROVIDER, _ids(sid));
    }

    function test_claim_refuses_early_strangers_others_pools_and_bad_batches() public {
        uint40 payableAt = ledger.statement(sid).payableAt;
        vm.expectRevert(
            abi.encodeWithSelector(
                IUsageLedger.UsageNotPayable.selector, sid, IUsageLedger.StatementStatus.Pending, payableAt
            )
        );
        vm.prank(PROVIDER);
        ledger.claim(PROVIDER, _ids(sid));
        vm.warp(payableAt);
        address[3] memory others = [STRANGER, REPORTER, OWNER];
        for (uint256 i; i < others.length; ++i) {
            vm.expectRevert(abi.encodeWithSelector(IUsageLedger.UsageNotPayee.selector, PROVIDER, others[i]));
            vm.prank(others[i]);
            ledger.claim(PROVIDER, _ids(sid));
        }
        vm.expectRevert(abi.encodeWithSelector(IUsageLedger.UsageNotProviders.selector, sid, OTHER_PROVIDER));
        vm.prank(OTHER_PROVIDER);
        ledger.claim(OTHER_PROVIDER, _ids(sid));
        vm.expectRevert(abi.encodeWithSelector(IUsageLedger.UsageBadBatchLength.selector, 0, 100));
        vm.prank(PROVIDER);
        ledger.claim(PROVIDER, new uint64[](0));
        vm.expectRevert(abi.encodeWithSelector(IUsageLedger.UsageBadBatchLength.selector, 101, 100));
        vm.prank(PROVIDER);
        ledger.claim(PROVIDER, new uint64[](101));
    }

    function test_a_statement_listed_twice_is_not_paid_twice() public {
        vm.prank(OWNER);
        ledger.acceptStatement(sid);
        uint64[] memory ids = new uint64[](2);
        ids[0] = sid;
        ids[1] = sid;
        vm.expectRevert(
            abi.encodeWithSelector(
                IUsageLedger.UsageNotPayable.selector,
                sid,
                IUsageLedger.StatementStatus.Claimed,
                ledger.statement(sid).payableAt
            )
        );
        vm.prank(PROVIDER);
        ledger.claim(PROVIDER, ids);
    }

    /// @notice Top-ups are bounded by everything ever credited, not by what remains: a disputed
    /// amount returned to a budget topped up to the brim cannot overflow it.
    function test_top_ups_count_what_statements_hold() public {
        uint256 room = type(uint128).max - BUDGET;
        _fund(OWNER, room + 1);
        vm.prank(OWNER);
        ledger.fundBudget{value: room}(leaseId, room);
        assertEq(ledger.budget(leaseId).remaining, type(uint128).max - amount, "remaining");
        vm.expectRevert(abi.encodeWithSelector(IUsageLedger.UsageAmountOverflow.selector, 1));
        vm.prank(OWNER);
        ledger.fundBudget{value: 1}(leaseId, 1);
        vm.prank(OWNER);
        ledger.disputeStatement(sid, keccak256("why"));
        vm.warp(ledger.resolveBy(sid));
        ledger.expireDispute(sid);
        assertEq(ledger.budget(leaseId).remaining, type(uint128).max, "all back, no wrap");
    }

    function test_claim_of_zero_amounts_sends_nothing() public {
        uint64 zero = _postHour(0, 0);
        vm.prank(OWNER);
        ledger.acceptStatement(zero);
        uint256 before = PROVIDER.balance;
        vm.prank(PROVIDER);
        assertEq(ledger.claim(PROVIDER, _ids(zero)), 0, "nothing");
        assertEq(PROVIDER.balance, before, "nothing sent");
    }

    function test_claim_reverts_when_the_payout_address_refuses() public {
        MaliciousReceiver receiver = new MaliciousReceiver();
        receiver.refuse();
        vm.prank(PROVIDER);
        market.setPayoutAddress(address(receiver));
        vm.prank(OWNER);
        ledger.acceptStatement(sid);
        vm.expectRevert(abi.encodeWithSelector(IUsageLedger.UsageTransferFailed.selector, address(receiver), amount));
        vm.prank(PROVIDER);
        ledger.claim(PROVIDER, _ids(sid));
    }

    function test_claim_cannot_be_reentered_from_the_payout_address() public {
        MaliciousReceiver receiver = new MaliciousReceiver();
        vm.prank(PROVIDER);
        market.setPayoutAddress(address(receiver));
        vm.prank(OWNER);
        ledger.acceptStatement(sid);
        receiver.arm(address(ledger), abi.encodeCall(ledger.claim, (PROVIDER, _ids(sid))), false);
        vm.prank(PROVIDER);
        ledger.claim(PROVIDER, _ids(sid));
        assertTrue(receiver.attempted() && !receiver.succeeded(), "re-entry refused");
        assertEq(address(receiver).balance, amount, "paid once");
    }

    // --------------------------------------------------------------------------------- refund

    function test_refund_after_the_grace_and_again_after_a_late_return() public {
        vm.prank(OWNER);
        ledger.disputeStatement(sid, keccak256("why"));
        uint128 remaining = ledger.budget(leaseId).remaining;
        uint256 refundableAt = uint256(start) + DURATION + 2 days;
        vm.warp(refundableAt - 1);
        vm.expectRevert(abi.encodeWithSelector(IUsageLedger.UsageNotRefundable.selector, leaseId, refundableAt));
        vm.prank(OWNER);
        ledger.refundBudget(leaseId, OWNER);
        vm.warp(refundableAt);
        uint64 seq = _nextSeq();
        vm.expectEmit(true, true, true, true);
        emit IUsageLedger.BudgetRefunded(leaseId, address(0xBEEF), remaining, seq);
        vm.prank(OWNER);
        assertEq(ledger.refundBudget(leaseId, address(0xBEEF)), remaining, "refunded");
        assertEq(address(0xBEEF).balance, remaining, "received");
        vm.expectRevert(IUsageLedger.UsageZeroAmount.selector);
        vm.prank(OWNER);
        ledger.refundBudget(leaseId, OWNER);
        // The dispute outlives the lease: once expired, its amount is refundable too.
        vm.warp(ledger.resolveBy(sid));
        ledger.expireDispute(sid);
        vm.prank(OWNER);
        assertEq(ledger.refundBudget(leaseId, address(0xBEEF)), amount, "second refund");
        assertEq(_held(), 0, "nothing left");
    }

    function test_refund_of_an_early_closed_lease_counts_from_its_close() public {
        vm.prank(OWNER);
        market.releaseLease(leaseId);
        uint256 refundableAt = block.timestamp + 2 days;
        vm.warp(refundableAt);
        vm.prank(OWNER);
        ledger.refundBudget(leaseId, OWNER);
    }

    function test_refund_refuses_non_owners_bad_recipients_and_unbudgeted_leases() public {
        vm.warp(uint256(start) + DURATION + 2 days);
        address[3] memory others = [OPERATOR, STRANGER, PROVIDER];
        for (uint256 i; i < others.length; ++i) {
            vm.expectRevert(abi.encodeWithSelector(IUsageLedger.UsageNotTenantOwner.selector, tenant, others[i]));
            vm.prank(others[i]);
            ledger.refundBudget(leaseId, others[i]);
        }
        vm.expectRevert(abi.encodeWithSelector(IUsageLedger.UsageInvalidRecipient.selector, address(0)));
        vm.prank(OWNER);
        ledger.refundBudget(leaseId, address(0));
        vm.expectRevert(abi.encodeWithSelector(IUsageLedger.UsageInvalidRecipient.selector, address(ledger)));
        vm.prank(OWNER);
        ledger.refundBudget(leaseId, address(ledger));
        vm.expectRevert(abi.encodeWithSelector(IUsageLedger.UsageNoBudget.selector, uint64(999)));
        vm.prank(OWNER);
        ledger.refundBudget(999, OWNER);
        vm.expectRevert(abi.encodeWithSelector(IUsageLedger.UsageUnknownStatement.selector, uint64(999)));
        ledger.resolveBy(999);
    }
}

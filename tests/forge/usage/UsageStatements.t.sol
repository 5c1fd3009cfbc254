// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {UsageBase} from "./UsageBase.sol";
import {IUsageLedger} from "../../../contracts/interfaces/IUsageLedger.sol";

/// @notice Statements: posting (one and batched), with every check on the period, the quantities,
/// the ceilings and the budget, and who may post.
contract UsageStatementsTest is UsageBase {
    function test_post_charges_the_locked_prices_and_advances_the_period() public {
        vm.warp(start + 1 hours);
        IUsageLedger.StatementInput memory input = _input(leaseId, start, start + 1 hours, 7200, 1000);
        uint64 seq = _nextSeq();
        uint256 charge = 7200 * uint256(GPU_PRICE) + 1000 * uint256(TOKEN_PRICE);
        uint64[4] memory q = [uint64(7200), 1000, 0, 0];
        vm.expectEmit(true, true, true, true);
        emit IUsageLedger.StatementPosted(
            seq,
            leaseId,
            start,
            start + 1 hours,
            q,
            uint128(charge),
            input.recordsRoot,
            3,
            uint40(block.timestamp + WINDOW),
            REPORTER,
            seq
        );
        vm.prank(REPORTER);
        uint64 id = ledger.postStatement(input);
        assertEq(id, seq, "id is the seq");
        IUsageLedger.Statement memory s = ledger.statement(id);
        assertEq(s.leaseId, leaseId, "lease");
        assertEq(s.amount, charge, "amount");
        assertEq(s.payableAt, block.timestamp + WINDOW, "payableAt");
        assertTrue(s.status == IUsageLedger.StatementStatus.Pending, "pending");
        IUsageLedger.Budget memory b = ledger.budget(leaseId);
        assertEq(b.remaining, BUDGET - charge, "budget charged");
        assertEq(b.billedUntil, start + 1 hours, "billed until");
        assertEq(ledger.resolveBy(id), block.timestamp + WINDOW + 14 days, "resolveBy");
    }

    function test_post_reverts_for_anyone_but_the_provider_and_its_reporter() public {
        vm.warp(start + 1 hours);
        address[4] memory others = [STRANGER, OWNER, OPERATOR, OTHER_PROVIDER];
        for (uint256 i; i < others.length; ++i) {
            vm.expectRevert(abi.encodeWithSelector(IUsageLedger.UsageNotReporter.selector, pool, others[i]));
            vm.prank(others[i]);
            ledger.postStatement(_input(leaseId, start, start + 1 hours, 1, 1));
        }
        // A cleared reporter no longer posts.
        vm.prank(PROVIDER);
        ledger.setReporter(address(0));
        vm.expectRevert(abi.encodeWithSelector(IUsageLedger.UsageNotReporter.selector, pool, REPORTER));
        vm.prank(REPORTER);
        ledger.postStatement(_input(leaseId, start, start + 1 hours, 1, 1));
    }

    function test_after_a_handover_the_new_provider_posts_and_the_old_one_cannot() public {
        address next = address(0x3009);
        vm.prank(ADMIN);
        registry.grantRole(keccak256("leasehold.role.provider"), next);
        vm.prank(PROVIDER);
        market.proposeProviderHandover(next);
        vm.prank(next);
        market.acceptProviderHandover(PROVIDER);
        vm.warp(start + 1 hours);
        vm.expectRevert(abi.encodeWithSelector(IUsageLedger.UsageNotReporter.selector, pool, PROVIDER));
        vm.prank(PROVIDER);
        ledger.postStatement(_input(leaseId, start, start + 1 hours, 1, 1));
        vm.expectRevert(abi.encodeWithSelector(IUsageLedger.UsageNotReporter.selector, pool, REPORTER));
        vm.prank(REPORTER);
        ledger.postStatement(_input(leaseId, start, start + 1 hours, 1, 1));
        vm.prank(next);
        ledger.postStatement(_input(leaseId, start, start + 1 hours, 1, 1));
    }

    function test_post_reverts_without_a_budget() public {
        uint64 id = _openLease(1, 3600);
        vm.expectRevert(abi.encodeWithSelector(IUsageLedger.UsageNoBudget.selector, id));
        vm.prank(PROVIDER);
        ledger.postStatement(_input(id, start, start + 1, 1, 1));
    }

    function test_periods_are_contiguous_never_overlap_and_never_repeat() public {
        _postHour(1, 1);
        uint40 billed = start + 1 hours;
        vm.warp(start + 3 hours);
        // overlapping the billed hour
        vm.expectRevert(abi.encodeWithSelector(IUsageLedger.UsagePeriodNotContiguous.selector, leaseId, billed, start));
        vm.prank(PROVIDER);
        ledger.postStatement(_input(leaseId, start, start + 2 hours, 1, 1));
        // leaving a gap
        vm.expectRevert(
            abi.encodeWithSelector(IUsageLedger.UsagePeriodNotContiguous.selector, leaseId, billed, billed + 1)
        );
        vm.prank(PROVIDER);
        ledger.postStatement(_input(leaseId, billed + 1, billed + 2, 1, 1));
    }

    function test_a_period_ends_after_its_start_not_in_the_future_and_inside_the_lease() public {
        vm.warp(start + 1 hours);
        uint40 nowTs = uint40(block.timestamp);
        vm.startPrank(PROVIDER);
        vm.expectRevert(abi.encodeWithSelector(IUsageLedger.UsageBadPeriodEnd.selector, leaseId, start, nowTs));
        ledger.postStatement(_input(leaseId, start, start, 1, 1));
        vm.expectRevert(abi.encodeWithSelector(IUsageLedger.UsageBadPeriodEnd.selector, leaseId, nowTs + 1, nowTs));
        ledger.postStatement(_input(leaseId, start, nowTs + 1, 1, 1));
        vm.warp(start + DURATION + 10);
        vm.expectRevert(
            abi.encodeWithSelector(
                IUsageLedger.UsageBadPeriodEnd.selector, leaseId, start + DURATION + 1, start + DURATION
            )
        );
        ledger.postStatement(_input(leaseId, start, start + DURATION + 1, 1, 1));
        ledger.postStatement(_input(leaseId, start, start + DURATION, 1, 1));
        vm.stopPrank();
    }

    function test_a_closed_lease_bills_up_to_its_close_time_until_the_grace_ends() public {
        vm.warp(start + 2 hours);
        vm.prank(OWNER);
        market.releaseLease(leaseId);
        uint40 closedAt = uint40(block.timestamp);
        vm.warp(closedAt + 1 days);
        vm.expectRevert(
            abi.encodeWithSelector(IUsageLedger.UsageBadPeriodEnd.selector, leaseId, closedAt + 1, closedAt)
        );
        vm.prank(PROVIDER);
        ledger.postStatement(_input(leaseId, start, closedAt + 1, 1, 1));
        vm.warp(uint256(closedAt) + 2 days);
        vm.expectRevert(
            abi.encodeWithSelector(IUsageLedger.UsageReportingClosed.selector, leaseId, uint256(closedAt) + 2 days)
        );
        vm.prank(PROVIDER);
        ledger.postStatement(_input(leaseId, start, closedAt, 1, 1));
        vm.warp(uint256(closedAt) + 2 days - 1);
        vm.prank(PROVIDER);
        ledger.postStatement(_input(leaseId, start, closedAt, 1, 1));
    }

    function test_post_reverts_on_the_wrong_number_of_quantities() public {
        vm.warp(start + 1 hours);
        IUsageLedger.StatementInput memory input = _input(leaseId, start, start + 1 hours, 1, 1);
        input.quantities = new uint64[](3);
        vm.expectRevert(abi.encodeWithSelector(IUsageLedger.UsageQuantitiesLength.selector, 3, 2));
        vm.prank(PROVIDER);
        ledger.postStatement(input);
    }

    function test_no_charge_above_a_ceiling() public {
        vm.warp(start + 1 hours);
        uint256 ceiling = uint256(UNITS) * 1 hours; // one GPU-second per leased unit-second
        vm.expectRevert(
            abi.encodeWithSelector(IUsageLedger.UsageAboveCeiling.selector, leaseId, 0, uint64(ceiling + 1), ceiling)
        );
        vm.prank(PROVIDER);
        ledger.postStatement(_input(leaseId, start, start + 1 hours, uint64(ceiling + 1), 0));
        // The meter without a ceiling takes any quantity the budget pays for; the capped one its max.
        vm.prank(PROVIDER);
        ledger.postStatement(_input(leaseId, start, start + 1 hours, uint64(ceiling), 1e9));
    }

    function test_no_charge_above_the_remaining_budget() public {
        vm.warp(start + 1 hours);
        uint64 tokens = uint64(BUDGET / TOKEN_PRICE) + 1;
        uint256 charge = uint256(tokens) * TOKEN_PRICE;
        vm.expectRevert(abi.encodeWithSelector(IUsageLedger.UsageOverBudget.selector, leaseId, charge, uint128(BUDGET)));
        vm.prank(PROVIDER);
        ledger.postStatement(_input(leaseId, start, start + 1 hours, 0, tokens));
        vm.prank(PROVIDER);
        ledger.postStatement(_input(leaseId, start, start + 1 hours, 0, tokens - 1));
        assertEq(ledger.budget(leaseId).remaining, 0, "budget spent exactly");
    }

    // --------------------------------------------------------------------------- postStatements

    function test_batch_posts_for_many_leases() public {
        uint64 second = _openLease(1, DURATION);
        _openBudget(second, BUDGET);
        vm.warp(start + 1 hours);
        IUsageLedger.StatementInput[] memory inputs = new IUsageLedger.StatementInput[](2);
        inputs[0] = _input(leaseId, start, start + 1 hours, 10, 10);
        inputs[1] = _input(second, start, start + 1 hours, 20, 20);
        uint64 seq = _nextSeq();
        vm.prank(REPORTER);
        uint64 first = ledger.postStatements(inputs);
        assertEq(first, seq, "first id");
        assertEq(ledger.statement(seq + 1).leaseId, second, "second statement");
        assertEq(ledger.budget(second).billedUntil, start + 1 hours, "second billed");
    }

    function test_batch_reverts_when_empty_too_long_or_on_any_bad_statement() public {
        vm.expectRevert(abi.encodeWithSelector(IUsageLedger.UsageBadBatchLength.selector, 0, 100));
        vm.prank(PROVIDER);
        ledger.postStatements(new IUsageLedger.StatementInput[](0));
        vm.expectRevert(abi.encodeWithSelector(IUsageLedger.UsageBadBatchLength.selector, 101, 100));
        vm.prank(PROVIDER);
        ledger.postStatements(new IUsageLedger.StatementInput[](101));
        vm.warp(start + 1 hours);
        IUsageLedger.StatementInput[] memory inputs = new IUsageLedger.StatementInput[](2);
        inputs[0] = _input(leaseId, start, start + 1 hours, 10, 10);
        inputs[1] = _input(leaseId, start, start + 1 hours, 10, 10); // the same period again
        vm.expectRevert(
            abi.encodeWithSelector(IUsageLedger.UsagePeriodNotContiguous.selector, leaseId, start + 1 hours, start)
        );
        vm.prank(PROVIDER);
        ledger.postStatements(inputs);
        assertEq(ledger.budget(leaseId).billedUntil, start, "nothing posted");
    }

    function test_batch_checks_the_reporter_of_each_pool() public {
        vm.prank(OTHER_PROVIDER);
        uint32 otherPool = market.createPool(GPU, 10, LEASE_PRICE, 60, 30 days);
        _publish(otherPool, WINDOW);
        vm.prank(OWNER);
        uint64 other = market.openLease(tenant, otherPool, 1, DURATION, LEASE_PRICE);
        _openBudget(other, BUDGET);
        vm.warp(start + 1 hours);
        IUsageLedger.StatementInput[] memory inputs = new IUsageLedger.StatementInput[](2);
        inputs[0] = _input(leaseId, start, start + 1 hours, 10, 10);
        inputs[1] = _input(other, start, start + 1 hours, 10, 10);
        vm.expectRevert(abi.encodeWithSelector(IUsageLedger.UsageNotReporter.selector, otherPool, PROVIDER));
        vm.prank(PROVIDER);
        ledger.postStatements(inputs);
    }
}

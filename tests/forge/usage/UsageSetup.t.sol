// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {UsageBase} from "./UsageBase.sol";
import {UsageLedger} from "../../../contracts/UsageLedger.sol";
import {IUsageLedger} from "../../../contracts/interfaces/IUsageLedger.sol";

/// @notice Schedules, reporters and budgets: every path of publishSchedule, setReporter, openBudget and
/// fundBudget, with their events and who may not call them.
contract UsageSetupTest is UsageBase {
    function test_constructor_refuses_an_account_without_code() public {
        vm.expectRevert(abi.encodeWithSelector(IUsageLedger.UsageNotAContract.selector, STRANGER));
        new UsageLedger(STRANGER);
    }

    function test_the_ledger_fits_the_contract_size_limit() public view {
        assertLe(address(ledger).code.length, 24_576, "EIP-170 runtime size");
    }

    function test_views_name_the_market_registry_and_asset() public view {
        assertEq(ledger.market(), address(market), "market");
        assertEq(ledger.registry(), address(registry), "registry");
        assertEq(ledger.asset(), address(0), "asset");
        assertEq(ledger.reporter(PROVIDER), REPORTER, "reporter");
    }

    // ------------------------------------------------------------------------ publishSchedule

    function test_publish_stores_the_schedule_and_makes_it_current() public {
        bytes16[] memory names = new bytes16[](1);
        names[0] = bytes16("egress.gb");
        uint96[] memory prices = new uint96[](1);
        prices[0] = 7;
        uint32[] memory ceilings = new uint32[](1);
        uint64 seq = _nextSeq();
        vm.expectEmit(true, true, true, true);
        emit IUsageLedger.SchedulePublished(pool, scheduleId + 1, 600, names, prices, ceilings, seq);
        vm.prank(PROVIDER);
        uint32 id = ledger.publishSchedule(pool, 600, names, prices, ceilings);
        assertEq(id, scheduleId + 1, "id");
        assertEq(ledger.currentSchedule(pool), id, "current");
        (uint32 poolId, uint32 window, IUsageLedger.Meter[] memory meters) = ledger.schedule(id);
        assertEq(poolId, pool, "pool");
        assertEq(window, 600, "window");
        assertEq(meters.length, 1, "meters");
        assertEq(meters[0].name, names[0], "name");
        assertEq(meters[0].pricePerUnit, 7, "price");
        assertEq(meters[0].maxPerUnitSecond, 0, "ceiling");
        (uint32 oldPool,, IUsageLedger.Meter[] memory old) = ledger.schedule(scheduleId);
        assertEq(oldPool, pool, "old schedule kept");
        assertEq(old.length, 2, "old meters kept");
        assertEq(old[0].maxPerUnitSecond, 1, "old ceiling");
        (, uint32 noWindow, IUsageLedger.Meter[] memory none) = ledger.schedule(999);
        assertEq(none.length + noWindow, 0, "unknown schedule is empty");
    }

    function test_publish_with_no_meters_stops_metering_new_budgets() public {
        vm.prank(PROVIDER);
        ledger.publishSchedule(pool, 600, new bytes16[](0), new uint96[](0), new uint32[](0));
        uint64 id = _openLease(1, 3600);
        vm.expectRevert(abi.encodeWithSelector(IUsageLedger.UsagePoolNotMetered.selector, pool));
        vm.prank(OWNER);
        ledger.openBudget{value: 1}(id, 1, new uint96[](0));
    }

    function test_publish_reverts_for_an_unknown_pool_and_for_anyone_but_the_provider() public {
        vm.expectRevert(abi.encodeWithSelector(IUsageLedger.UsageUnknownPool.selector, uint32(77)));
        vm.prank(PROVIDER);
        ledger.publishSchedule(77, 600, new bytes16[](0), new uint96[](0), new uint32[](0));
        address[4] memory others = [STRANGER, OWNER, REPORTER, OTHER_PROVIDER];
        for (uint256 i; i < others.length; ++i) {
            vm.expectRevert(abi.encodeWithSelector(IUsageLedger.UsageNotPoolProvider.selector, pool, others[i]));
            vm.prank(others[i]);
            ledger.publishSchedule(pool, 600, new bytes16[](0), new uint96[](0), new uint32[](0));
        }
    }

    function test_publish_reverts_on_bad_meter_lists() public {
        vm.startPrank(PROVIDER);
        vm.expectRevert(abi.encodeWithSelector(IUsageLedger.UsageBadMeters.selector, 5, 5, 5, 4));
        ledger.publishSchedule(pool, 600, new bytes16[](5), new uint96[](5), new uint32[](5));
        vm.expectRevert(abi.encodeWithSelector(IUsageLedger.UsageBadMeters.selector, 1, 2, 1, 4));
        ledger.publishSchedule(pool, 600, new bytes16[](1), new uint96[](2), new uint32[](1));
        vm.expectRevert(abi.encodeWithSelector(IUsageLedger.UsageBadMeters.selector, 1, 1, 0, 4));
        ledger.publishSchedule(pool, 600, new bytes16[](1), new uint96[](1), new uint32[](0));
        vm.stopPrank();
    }

    function test_publish_reverts_on_a_bad_meter() public {
        bytes16[] memory names = new bytes16[](2);
        uint96[] memory prices = new uint96[](2);
        names[0] = GPU_SECONDS;
        prices[0] = 1;
        prices[1] = 1;
        vm.startPrank(PROVIDER);
        // zero name
        vm.expectRevert(abi.encodeWithSelector(IUsageLedger.UsageBadMeter.selector, 1, bytes16(0), 1));
        ledger.publishSchedule(pool, 600, names, prices, new uint32[](2));
        // duplicate name
        names[1] = GPU_SECONDS;
        vm.expectRevert(abi.encodeWithSelector(IUsageLedger.UsageBadMeter.selector, 1, GPU_SECONDS, 1));
        ledger.publishSchedule(pool, 600, names, prices, new uint32[](2));
        // zero price
        names[1] = TOKENS;
        prices[1] = 0;
        vm.expectRevert(abi.encodeWithSelector(IUsageLedger.UsageBadMeter.selector, 1, TOKENS, 0));
        ledger.publishSchedule(pool, 600, names, prices, new uint32[](2));
        vm.stopPrank();
    }

    function test_publish_reverts_on_a_window_out_of_bounds() public {
        vm.startPrank(PROVIDER);
        vm.expectRevert(abi.encodeWithSelector(IUsageLedger.UsageBadDisputeWindow.selector, 599, 600, 7 days));
        ledger.publishSchedule(pool, 599, new bytes16[](0), new uint96[](0), new uint32[](0));
        vm.expectRevert(abi.encodeWithSelector(IUsageLedger.UsageBadDisputeWindow.selector, 7 days + 1, 600, 7 days));
        ledger.publishSchedule(pool, 7 days + 1, new bytes16[](0), new uint96[](0), new uint32[](0));
        ledger.publishSchedule(pool, 7 days, new bytes16[](0), new uint96[](0), new uint32[](0));
        vm.stopPrank();
    }

    // ----------------------------------------------------------------------------- setReporter

    function test_set_reporter_emits_and_only_a_provider_may() public {
        uint64 seq = _nextSeq();
        vm.expectEmit(true, true, true, true);
        emit IUsageLedger.ReporterSet(PROVIDER, address(0), seq);
        vm.prank(PROVIDER);
        ledger.setReporter(address(0));
        assertEq(ledger.reporter(PROVIDER), address(0), "cleared");
        vm.expectRevert(abi.encodeWithSelector(IUsageLedger.UsageNotProvider.selector, STRANGER));
        vm.prank(STRANGER);
        ledger.setReporter(STRANGER);
    }

    // ------------------------------------------------------------------------------ openBudget

    function test_open_budget_locks_the_schedule_and_holds_the_funds() public {
        uint64 id = _openLease(1, 3600);
        uint64 seq = _nextSeq();
        vm.expectEmit(true, true, true, true);
        emit IUsageLedger.BudgetOpened(id, tenant, scheduleId, 5e17, uint40(block.timestamp), OPERATOR, seq);
        _fund(OPERATOR, 5e17);
        vm.prank(OPERATOR);
        ledger.openBudget{value: 5e17}(id, 5e17, _maxPrices());
        IUsageLedger.Budget memory b = ledger.budget(id);
        assertEq(b.remaining, 5e17, "remaining");
        assertEq(b.billedUntil, block.timestamp, "billed from the lease's start");
        assertEq(b.scheduleId, scheduleId, "schedule");
        assertEq(b.poolId, pool, "pool");
        assertEq(b.disputeWindow, WINDOW, "window");
        assertEq(_held(), BUDGET + 5e17, "held");
        // A later schedule does not change the locked one.
        _publish(pool, 600);
        assertEq(ledger.budget(id).scheduleId, scheduleId, "still locked");
    }

    function test_open_budget_reverts_for_unknown_ended_or_budgeted_leases() public {
        vm.expectRevert(abi.encodeWithSelector(IUsageLedger.UsageUnknownLease.selector, uint64(999)));
        vm.prank(OWNER);
        ledger.openBudget{value: 1}(999, 1, _maxPrices());
        vm.expectRevert(abi.encodeWithSelector(IUsageLedger.UsageBudgetExists.selector, leaseId, scheduleId));
        vm.prank(OWNER);
        ledger.openBudget{value: 1}(leaseId, 1, _maxPrices());
        uint64 id = _openLease(1, 3600);
        uint40 end = uint40(block.timestamp + 3600);
        vm.warp(end);
        vm.expectRevert(abi.encodeWithSelector(IUsageLedger.UsageLeaseEnded.selector, id, end));
        vm.prank(OWNER);
        ledger.openBudget{value: 1}(id, 1, _maxPrices());
        id = _openLease(1, 3600);
        vm.prank(OWNER);
        market.releaseLease(id);
        vm.expectRevert(
            abi.encodeWithSelector(IUsageLedger.UsageLeaseEnded.selector, id, uint40(block.timestamp + 3600))
        );
        vm.prank(OWNER);
        ledger.openBudget{value: 1}(id, 1, _maxPrices());
    }

    function test_open_budget_reverts_for_strangers_providers_and_expired_operators() public {
        uint64 id = _openLease(1, 3600);
        address[3] memory others = [STRANGER, PROVIDER, REPORTER];
        for (uint256 i; i < others.length; ++i) {
            _fund(others[i], 1);
            vm.expectRevert(abi.encodeWithSelector(IUsageLedger.UsageUnauthorized.selector, tenant, others[i]));
            vm.prank(others[i]);
            ledger.openBudget{value: 1}(id, 1, _maxPrices());
        }
        id = _openLease(1, 30 days);
        vm.warp(block.timestamp + 29 days);
        vm.prank(OWNER);
        registry.grantOperator(tenant, OPERATOR, uint40(block.timestamp + 1));
        vm.warp(block.timestamp + 1);
        _fund(OPERATOR, 1);
        vm.expectRevert(abi.encodeWithSelector(IUsageLedger.UsageUnauthorized.selector, tenant, OPERATOR));
        vm.prank(OPERATOR);
        ledger.openBudget{value: 1}(id, 1, _maxPrices());
    }

    function test_open_budget_reverts_on_price_protection() public {
        uint64 id = _openLease(1, 3600);
        vm.expectRevert(abi.encodeWithSelector(IUsageLedger.UsageMaxPricesLength.selector, 1, 2));
        vm.prank(OWNER);
        ledger.openBudget{value: 1}(id, 1, new uint96[](1));
        uint96[] memory maxPrices = _maxPrices();
        maxPrices[1] = TOKEN_PRICE - 1;
        vm.expectRevert(
            abi.encodeWithSelector(IUsageLedger.UsageMeterPriceAboveMax.selector, pool, 1, TOKEN_PRICE, TOKEN_PRICE - 1)
        );
        vm.prank(OWNER);
        ledger.openBudget{value: 1}(id, 1, maxPrices);
    }

    function test_open_budget_reverts_for_an_unmetered_pool() public {
        vm.prank(OTHER_PROVIDER);
        uint32 plain = market.createPool(GPU, 10, LEASE_PRICE, 60, 30 days);
        vm.prank(OWNER);
        uint64 id = market.openLease(tenant, plain, 1, 3600, LEASE_PRICE);
        vm.expectRevert(abi.encodeWithSelector(IUsageLedger.UsagePoolNotMetered.selector, plain));
        vm.prank(OWNER);
        ledger.openBudget{value: 1}(id, 1, new uint96[](0));
    }

    function test_open_budget_reverts_on_zero_or_mismatched_value() public virtual {
        uint64 id = _openLease(1, 3600);
        vm.expectRevert(IUsageLedger.UsageZeroAmount.selector);
        vm.prank(OWNER);
        ledger.openBudget(id, 0, _maxPrices());
        vm.expectRevert(abi.encodeWithSelector(IUsageLedger.UsageValueMismatch.selector, 2, 1));
        vm.prank(OWNER);
        ledger.openBudget{value: 1}(id, 2, _maxPrices());
    }

    // ------------------------------------------------------------------------------ fundBudget

    function test_fund_budget_tops_up() public {
        uint64 seq = _nextSeq();
        vm.expectEmit(true, true, true, true);
        emit IUsageLedger.BudgetFunded(leaseId, 3, uint128(BUDGET + 3), OWNER, seq);
        vm.prank(OWNER);
        ledger.fundBudget{value: 3}(leaseId, 3);
        assertEq(ledger.budget(leaseId).remaining, BUDGET + 3, "remaining");
        assertEq(_held(), BUDGET + 3, "held");
    }

    function test_fund_budget_reverts_without_budget_for_strangers_and_on_overflow() public {
        uint64 id = _openLease(1, 3600);
        vm.expectRevert(abi.encodeWithSelector(IUsageLedger.UsageNoBudget.selector, id));
        vm.prank(OWNER);
        ledger.fundBudget{value: 1}(id, 1);
        _fund(STRANGER, 1);
        vm.expectRevert(abi.encodeWithSelector(IUsageLedger.UsageUnauthorized.selector, tenant, STRANGER));
        vm.prank(STRANGER);
        ledger.fundBudget{value: 1}(leaseId, 1);
        uint256 room = type(uint128).max - BUDGET;
        _fund(OWNER, room + 1);
        vm.prank(OWNER);
        ledger.fundBudget{value: room}(leaseId, room);
        vm.expectRevert(abi.encodeWithSelector(IUsageLedger.UsageAmountOverflow.selector, 1));
        vm.prank(OWNER);
        ledger.fundBudget{value: 1}(leaseId, 1);
    }

    function test_fund_budget_reverts_once_the_lease_ended() public {
        vm.warp(start + DURATION);
        vm.expectRevert(abi.encodeWithSelector(IUsageLedger.UsageLeaseEnded.selector, leaseId, start + DURATION));
        vm.prank(OWNER);
        ledger.fundBudget{value: 1}(leaseId, 1);
    }
}

// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Test} from "../utils/Test.sol";
import {UsageHandler} from "./UsageHandler.sol";
import {LeaseMarket} from "../../../contracts/LeaseMarket.sol";
import {TenantRegistry} from "../../../contracts/TenantRegistry.sol";
import {UsageLedger} from "../../../contracts/UsageLedger.sol";
import {IUsageLedger} from "../../../contracts/interfaces/IUsageLedger.sol";
import {Roles} from "../../../contracts/common/Types.sol";

/// @notice The invariants stated in `IUsageLedger`, after every step of random action sequences (see
/// `UsageHandler`) on an ETH market: conservation, no period billed twice, no charge above the budget
/// or a ceiling, and every dispute bounded in time.
contract UsageInvariantsTest is Test {
    bytes32 internal constant GPU = bytes32("gpu.h100");
    address internal constant ADMIN = address(0xAD);
    address internal constant OWNER = address(0x1001);
    address internal constant PROVIDER = address(0x3001);
    address internal constant ARBITER = address(0x5001);

    LeaseMarket internal market;
    UsageLedger internal ledger;
    UsageHandler internal handler;

    function setUp() public {
        vm.warp(1_700_000_000);
        TenantRegistry registry = new TenantRegistry(ADMIN, 3 days);
        market = new LeaseMarket(address(registry), address(0));
        ledger = new UsageLedger(address(market));
        vm.startPrank(ADMIN);
        registry.grantRole(Roles.PROVIDER_ROLE, PROVIDER);
        registry.grantRole(Roles.ARBITER_ROLE, ARBITER);
        vm.stopPrank();
        vm.prank(OWNER);
        uint64 tenant = registry.register("ipfs://t", bytes32(0));
        vm.prank(ADMIN);
        registry.setQuota(tenant, GPU, type(uint64).max);
        vm.deal(OWNER, 1e24);
        vm.prank(OWNER);
        market.deposit{value: 1e24}(tenant, 1e24);
        vm.prank(PROVIDER);
        uint32 pool = market.createPool(GPU, 1000, 1, 60, 30 days);
        bytes16[] memory names = new bytes16[](2);
        names[0] = bytes16("gpu.seconds");
        names[1] = bytes16("tokens");
        uint96[] memory prices = new uint96[](2);
        prices[0] = 1e9;
        prices[1] = 1e3;
        uint32[] memory ceilings = new uint32[](2);
        ceilings[0] = 1;
        vm.prank(PROVIDER);
        ledger.publishSchedule(pool, 10 minutes, names, prices, ceilings);

        handler = new UsageHandler(market, ledger, tenant, pool, OWNER, PROVIDER, ARBITER);
        handler.openLease(1, 1 days, 1e15);

        bytes4[] memory selectors = new bytes4[](14);
        selectors[0] = UsageHandler.openLease.selector;
        selectors[1] = UsageHandler.fundBudget.selector;
        selectors[2] = UsageHandler.post.selector;
        selectors[3] = UsageHandler.post.selector; // posting is the point: three times the weight
        selectors[4] = UsageHandler.post.selector;
        selectors[5] = UsageHandler.accept.selector;
        selectors[6] = UsageHandler.dispute.selector;
        selectors[7] = UsageHandler.amend.selector;
        selectors[8] = UsageHandler.resolve.selector;
        selectors[9] = UsageHandler.expire.selector;
        selectors[10] = UsageHandler.claim.selector;
        selectors[11] = UsageHandler.refund.selector;
        selectors[12] = UsageHandler.release.selector;
        selectors[13] = UsageHandler.warp.selector;
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
        targetContract(address(handler));
    }

    /// @notice Asset held == Σ budgets' remaining + Σ amounts of statements still holding theirs, and
    /// == everything paid in less everything paid out.
    function invariant_conservation() public view {
        uint256 books;
        for (uint256 i; i < handler.leaseCount(); ++i) {
            books += ledger.budget(handler.leases(i)).remaining;
        }
        for (uint256 i; i < handler.statementCount(); ++i) {
            IUsageLedger.Statement memory s = ledger.statement(handler.statements(i));
            if (
                s.status == IUsageLedger.StatementStatus.Pending || s.status == IUsageLedger.StatementStatus.Accepted
                    || s.status == IUsageLedger.StatementStatus.Disputed
                    || s.status == IUsageLedger.StatementStatus.Resolved
            ) books += s.amount;
        }
        assertEq(address(ledger).balance, books, "held != budgets + held statements");
        assertEq(address(ledger).balance, handler.funded() - handler.paidOut(), "held != in - out");
    }

    /// @notice Every accepted statement started where the lease's previous one ended, and each lease's
    /// billed end is the end of its last statement.
    function invariant_noPeriodBilledTwice() public view {
        assertEq(handler.overlaps(), 0, "a period was billed twice or left a gap");
        for (uint256 i; i < handler.leaseCount(); ++i) {
            uint64 id = handler.leases(i);
            assertEq(ledger.budget(id).billedUntil, handler.lastEnd(id), "billed until");
        }
    }

    /// @notice No statement charged more than the remaining budget or a ceiling allowed.
    function invariant_noChargeAboveBudgetOrCeiling() public view {
        assertEq(handler.overCharges(), 0, "a charge exceeded the budget or a ceiling");
    }

    /// @notice A disputed statement can be ended by anyone at most 7 days (longest window) + 14 days
    /// (resolution period) after it was posted.
    function invariant_everyDisputeEndsInFiniteTime() public view {
        for (uint256 i; i < handler.statementCount(); ++i) {
            uint64 sid = handler.statements(i);
            if (ledger.statement(sid).status != IUsageLedger.StatementStatus.Disputed) continue;
            assertLe(ledger.resolveBy(sid), handler.postedAt(sid) + 7 days + 14 days, "unbounded dispute");
        }
    }

    /// @notice The handler's actions succeed where they should: a fixed sequence posts, disputes,
    /// resolves, claims and refunds (a campaign of silent failures would prove nothing).
    function test_the_handler_reaches_every_outcome() public {
        handler.post(0, 1 hours, 100, 1000, true);
        handler.post(0, 1 hours, 100, 1000, true);
        handler.dispute(1); // the first one's window has passed: it is payable
        handler.resolve(1, 1);
        handler.claim(0);
        handler.claim(1);
        handler.warp(9 days);
        handler.refund(0);
        assertEq(handler.posts(), 2, "posts");
        assertEq(handler.disputes(), 1, "disputes");
        assertTrue(handler.paidOut() > 0, "paid out");
        invariant_conservation();
        assertEq(address(ledger).balance, 0, "all paid out");
    }
}

// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Test} from "../utils/Test.sol";
import {LeaseMarket} from "../../../contracts/LeaseMarket.sol";
import {ILeaseMarket} from "../../../contracts/interfaces/ILeaseMarket.sol";
import {TenantRegistry} from "../../../contracts/TenantRegistry.sol";
import {Roles} from "../../../contracts/common/Types.sol";

/// @notice What the ape suite cannot reach cheaply: many calls (the price-change limit), one block
/// (open and release together), return values, ether beyond any test account, and fuzzing of
/// settlement timing and of the cost arithmetic across the whole input range.
contract MarketUnitTest is Test {
    bytes32 internal constant GPU = bytes32("gpu.h100");
    address internal constant ADMIN = address(0xAD);
    address internal constant OWNER = address(0x1001);
    address internal constant PROVIDER = address(0x3001);
    uint96 internal constant PRICE = 1e9;

    TenantRegistry internal registry;
    LeaseMarket internal market;
    uint64 internal tenant;
    uint32 internal pool;

    function setUp() public {
        vm.warp(1_700_000_000);
        registry = new TenantRegistry(ADMIN, 3 days);
        market = new LeaseMarket(address(registry), address(0));
        vm.prank(ADMIN);
        registry.grantRole(Roles.PROVIDER_ROLE, PROVIDER);
        vm.prank(OWNER);
        tenant = registry.register("ipfs://t", bytes32(0));
        vm.prank(ADMIN);
        registry.setQuota(tenant, GPU, type(uint64).max);
        vm.prank(PROVIDER);
        pool = market.createPool(GPU, type(uint32).max, PRICE, 1, type(uint32).max);
        _deposit(1e24);
    }

    function test_a_pool_changes_price_at_most_65535_times() public {
        vm.startPrank(PROVIDER);
        vm.pauseGasMetering(); // 65,535 price changes exceed a test's gas limit
        for (uint256 i = 1; i <= market.MAX_PRICE_CHANGES(); ++i) {
            market.setPoolPrice(pool, uint96(i));
        }
        vm.resumeGasMetering();
        vm.expectRevert(abi.encodeWithSelector(ILeaseMarket.PoolPriceChangeLimit.selector, pool, 65_535));
        market.setPoolPrice(pool, 1);
        vm.stopPrank();
        assertEq(market.pool(pool).pricePerUnitSecond, 65_535, "last price");
    }

    function test_a_lease_opened_before_the_last_price_change_keeps_its_price() public {
        uint64 leaseId = _open(3, 100);
        vm.startPrank(PROVIDER);
        for (uint256 i = 1; i <= 300; ++i) {
            market.setPoolPrice(pool, uint96(i));
        }
        vm.stopPrank();
        assertEq(market.lease(leaseId).pricePerUnitSecond, PRICE, "locked price");
        (, uint128 unaccrued) = market.leaseRemaining(leaseId);
        assertEq(unaccrued, 3 * uint256(PRICE) * 100, "unaccrued at the locked price");
    }

    function test_a_lease_released_in_its_opening_block_refunds_everything() public {
        uint64 leaseId = _open(3, 100);
        vm.prank(OWNER);
        market.releaseLease(leaseId);
        (uint128 free, uint128 reserved) = market.account(tenant);
        assertEq(free, 1e24, "free");
        assertEq(reserved, 0, "reserved");
        assertEq(market.claimable(PROVIDER), 0, "claimable");
    }

    function test_claim_returns_what_it_paid() public {
        uint64 leaseId = _open(2, 100);
        vm.warp(block.timestamp + 40);
        uint64[] memory ids = new uint64[](1);
        ids[0] = leaseId;
        uint256 before = PROVIDER.balance;
        vm.prank(PROVIDER);
        uint256 paid = market.claim(PROVIDER, ids);
        assertEq(paid, 2 * uint256(PRICE) * 40, "paid");
        assertEq(PROVIDER.balance - before, paid, "received");
    }

    function test_ether_escrow_stops_at_uint128() public {
        uint256 room = type(uint128).max - 1e24;
        _deposit(room);
        vm.deal(OWNER, 1);
        vm.expectRevert(abi.encodeWithSelector(ILeaseMarket.MarketAmountOverflow.selector, 1));
        vm.prank(OWNER);
        market.deposit{value: 1}(tenant, 1);
    }

    /// @notice Whatever the timing of claims and the end, the provider gets at most units * price *
    /// elapsed, and everything it gets plus the refund is exactly what the lease cost.
    function testFuzz_payout_and_refund_add_up_to_the_cost(
        uint32 units,
        uint32 duration,
        uint32 firstClaimAfter,
        uint32 endAfter,
        bool release
    ) public {
        units = uint32(_bound(units, 1, 1e6));
        duration = uint32(_bound(duration, 1, 365 days));
        uint64 leaseId = _open(units, duration);
        uint256 start = block.timestamp;
        uint256 rate = uint256(units) * PRICE;

        vm.warp(start + _bound(firstClaimAfter, 0, 2 * uint256(duration)));
        uint256 settled = _claim(leaseId);
        assertLe(settled, rate * _elapsed(start, duration), "first claim overpays");

        vm.warp(block.timestamp + _bound(endAfter, 0, 2 * uint256(duration)));
        (uint256 toProvider, uint256 refunded, uint256 released) = _end(leaseId, start + duration, release);
        assertEq(settled + toProvider + refunded, rate * duration, "payout + refund != cost");
        assertLe(settled + toProvider, rate * _elapsed(start, duration), "provider overpaid");
        assertEq(released, toProvider + refunded, "reserve released");
        (, uint128 reservedAfter) = market.account(tenant);
        assertEq(reservedAfter, 0, "nothing left reserved");
    }

    /// @notice The cost is exactly units * price * duration, or the overflow is named with its inputs.
    function testFuzz_open_cost_is_exact_or_the_overflow_is_named(uint32 units, uint96 price, uint32 duration) public {
        units = uint32(_bound(units, 1, type(uint32).max));
        price = uint96(_bound(price, 1, type(uint96).max));
        duration = uint32(_bound(duration, 1, type(uint32).max));
        vm.prank(PROVIDER);
        uint32 expensive = market.createPool(GPU, type(uint32).max, price, 1, type(uint32).max);
        uint256 cost = uint256(units) * price * duration;
        if (cost > type(uint128).max) {
            vm.expectRevert(abi.encodeWithSelector(ILeaseMarket.LeaseCostOverflow.selector, units, price, duration));
        } else if (cost > 1e24) {
            vm.expectRevert(abi.encodeWithSelector(ILeaseMarket.MarketInsufficientEscrow.selector, tenant, cost, 1e24));
        }
        vm.prank(OWNER);
        market.openLease(tenant, expensive, units, duration, price);
        if (cost <= 1e24) {
            (uint128 free, uint128 reserved) = market.account(tenant);
            assertEq(reserved, cost, "reserved");
            assertEq(free, 1e24 - cost, "free");
        }
    }

    /// @dev Ends the lease (released or terminated while running, reclaimed once over) and returns what
    /// the provider got, what the tenant got back and how much reserved escrow that released.
    function _end(uint64 leaseId, uint256 end, bool release)
        internal
        returns (uint256 toProvider, uint256 refunded, uint256 released)
    {
        (uint128 freeBefore, uint128 reservedBefore) = market.account(tenant);
        uint256 claimableBefore = market.claimable(PROVIDER);
        if (block.timestamp < end && release) {
            vm.prank(OWNER);
            market.releaseLease(leaseId);
        } else if (block.timestamp < end) {
            vm.prank(PROVIDER);
            market.terminateLease(leaseId, 1);
        } else {
            uint64[] memory ids = new uint64[](1);
            ids[0] = leaseId;
            market.reclaim(ids); // anyone: here the test contract
        }
        (uint128 freeAfter, uint128 reservedAfter) = market.account(tenant);
        return (market.claimable(PROVIDER) - claimableBefore, freeAfter - freeBefore, reservedBefore - reservedAfter);
    }

    function _elapsed(uint256 start, uint256 duration) internal view returns (uint256) {
        return block.timestamp - start < duration ? block.timestamp - start : duration;
    }

    function _open(uint32 units, uint32 duration) internal returns (uint64 leaseId) {
        vm.prank(OWNER);
        leaseId = market.openLease(tenant, pool, units, duration, PRICE);
    }

    function _claim(uint64 leaseId) internal returns (uint256 paid) {
        uint64[] memory ids = new uint64[](1);
        ids[0] = leaseId;
        vm.prank(PROVIDER);
        paid = market.claim(PROVIDER, ids);
    }

    function _deposit(uint256 amount) internal {
        vm.deal(OWNER, amount);
        vm.prank(OWNER);
        market.deposit{value: amount}(tenant, amount);
    }

    function _bound(uint256 x, uint256 min, uint256 max) internal pure returns (uint256) {
        return min + x % (max - min + 1);
    }
}

// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Test} from "../utils/Test.sol";
import {LeaseMarket} from "../../../contracts/LeaseMarket.sol";
import {TenantRegistry} from "../../../contracts/TenantRegistry.sol";
import {UsageLedger} from "../../../contracts/UsageLedger.sol";
import {IUsageLedger} from "../../../contracts/interfaces/IUsageLedger.sol";
import {Roles, Limits} from "../../../contracts/common/Types.sol";

/// @notice The scene of the usage tests: an ETH market with a funded tenant (owner and operator), a
/// GPU pool whose provider named a reporter and published a two-meter schedule (GPU-seconds with a
/// ceiling of one per unit-second, inference tokens without one), an arbiter, and a running two-unit
/// lease of a day with a budget of `BUDGET`.
abstract contract UsageBase is Test {
    bytes32 internal constant GPU = bytes32("gpu.h100");
    bytes16 internal constant GPU_SECONDS = bytes16("gpu.seconds");
    bytes16 internal constant TOKENS = bytes16("tokens");
    address internal constant ADMIN = address(0xAD);
    address internal constant OWNER = address(0x1001);
    address internal constant OPERATOR = address(0x2001);
    address internal constant STRANGER = address(0x6666);
    address internal constant PROVIDER = address(0x3001);
    address internal constant OTHER_PROVIDER = address(0x3002);
    address internal constant REPORTER = address(0x4001);
    address internal constant ARBITER = address(0x5001);
    uint96 internal constant LEASE_PRICE = 1e9;
    uint96 internal constant GPU_PRICE = 1e12; // per GPU-second
    uint96 internal constant TOKEN_PRICE = 1e6; // per token
    uint32 internal constant WINDOW = 1 hours;
    uint256 internal constant BUDGET = 1e18;
    uint32 internal constant UNITS = 2;
    uint32 internal constant DURATION = 1 days;

    TenantRegistry internal registry;
    LeaseMarket internal market;
    UsageLedger internal ledger;
    uint64 internal tenant;
    uint32 internal pool;
    uint32 internal scheduleId;
    uint64 internal leaseId;
    uint40 internal start;

    function setUp() public virtual {
        vm.warp(1_700_000_000);
        registry = new TenantRegistry(ADMIN, 3 days);
        market = new LeaseMarket(address(registry), _asset());
        ledger = new UsageLedger(address(market));
        vm.startPrank(ADMIN);
        registry.grantRole(Roles.PROVIDER_ROLE, PROVIDER);
        registry.grantRole(Roles.PROVIDER_ROLE, OTHER_PROVIDER);
        registry.grantRole(Roles.ARBITER_ROLE, ARBITER);
        vm.stopPrank();
        vm.prank(OWNER);
        tenant = registry.register("ipfs://t", bytes32(0));
        vm.prank(ADMIN);
        registry.setQuota(tenant, GPU, type(uint64).max);
        vm.prank(OWNER);
        registry.grantOperator(tenant, OPERATOR, uint40(block.timestamp + 30 days));
        vm.prank(PROVIDER);
        pool = market.createPool(GPU, 1000, LEASE_PRICE, 60, 30 days);
        vm.prank(PROVIDER);
        ledger.setReporter(REPORTER);
        scheduleId = _publish(pool, WINDOW);
        _fund(OWNER, 1e24);
        _depositEscrow(1e22);
        leaseId = _openLease(UNITS, DURATION);
        start = uint40(block.timestamp);
        _openBudget(leaseId, BUDGET);
    }

    function _asset() internal virtual returns (address) {
        return address(0);
    }

    function _fund(address who, uint256 amount) internal virtual {
        vm.deal(who, amount);
    }

    function _depositEscrow(uint256 amount) internal virtual {
        vm.prank(OWNER);
        market.deposit{value: amount}(tenant, amount);
    }

    function _publish(uint32 poolId, uint32 window) internal returns (uint32) {
        bytes16[] memory names = new bytes16[](2);
        names[0] = GPU_SECONDS;
        names[1] = TOKENS;
        uint96[] memory prices = new uint96[](2);
        prices[0] = GPU_PRICE;
        prices[1] = TOKEN_PRICE;
        uint32[] memory ceilings = new uint32[](2);
        ceilings[0] = 1;
        vm.prank(market.pool(poolId).provider);
        return ledger.publishSchedule(poolId, window, names, prices, ceilings);
    }

    function _openLease(uint32 units, uint32 duration) internal returns (uint64) {
        vm.prank(OWNER);
        return market.openLease(tenant, pool, units, duration, type(uint96).max);
    }

    function _maxPrices() internal pure returns (uint96[] memory maxPrices) {
        maxPrices = new uint96[](2);
        maxPrices[0] = GPU_PRICE;
        maxPrices[1] = TOKEN_PRICE;
    }

    function _openBudget(uint64 id, uint256 amount) internal virtual {
        vm.prank(OWNER);
        ledger.openBudget{value: amount}(id, amount, _maxPrices());
    }

    function _input(uint64 id, uint40 from, uint40 to, uint64 gpuSeconds, uint64 tokens)
        internal
        pure
        returns (IUsageLedger.StatementInput memory input)
    {
        uint64[] memory quantities = new uint64[](2);
        quantities[0] = gpuSeconds;
        quantities[1] = tokens;
        input = IUsageLedger.StatementInput({
            leaseId: id,
            periodStart: from,
            periodEnd: to,
            quantities: quantities,
            recordsRoot: keccak256(abi.encode(id, from, to)),
            recordCount: 3
        });
    }

    /// @dev Post an hour of usage (from the budget's billedUntil) as the provider.
    function _postHour(uint64 gpuSeconds, uint64 tokens) internal returns (uint64 id) {
        uint40 from = ledger.budget(leaseId).billedUntil;
        if (block.timestamp < from + 1 hours) vm.warp(from + 1 hours);
        vm.prank(PROVIDER);
        id = ledger.postStatement(_input(leaseId, from, from + 1 hours, gpuSeconds, tokens));
    }

    function _nextSeq() internal view returns (uint64 seq) {
        (seq,) = ledger.journal();
        ++seq;
    }

    function _held() internal view virtual returns (uint256) {
        return address(ledger).balance;
    }

    function _ids(uint64 a) internal pure returns (uint64[] memory ids) {
        ids = new uint64[](1);
        ids[0] = a;
    }

    function _bound(uint256 x, uint256 min, uint256 max) internal pure returns (uint256) {
        return min + x % (max - min + 1);
    }
}

// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Test} from "../utils/Test.sol";
import {LeaseMarket} from "../../../contracts/LeaseMarket.sol";
import {ILeaseMarket} from "../../../contracts/interfaces/ILeaseMarket.sol";
import {TenantRegistry} from "../../../contracts/TenantRegistry.sol";
import {ITenantRegistry} from "../../../contracts/interfaces/ITenantRegistry.sol";
import {Roles, Limits, PoolStatus, LeaseStatus, CloseReason, TenantStatus} from "../../../contracts/common/Types.sol";
import {MockERC20} from "../../../contracts/test/MockERC20.sol";
import {FeeOnTransferERC20} from "../../../contracts/test/FeeOnTransferERC20.sol";
import {MaliciousReceiver} from "../../../contracts/test/MaliciousReceiver.sol";

/// @notice The market's rules one by one, each revert with its arguments, so forge coverage sees what
/// the ape suite (tests/contracts/market/) checks on chain: price protection, operator limits, provider
/// payout and handover, suspension, admin pool controls, offboarded providers, and the smaller fixes.
contract MarketRulesTest is Test {
    bytes32 internal constant GPU = bytes32("gpu.h100");
    address internal constant ADMIN = address(0xAD);
    address internal constant OWNER = address(0x1001);
    address internal constant OPERATOR = address(0x2001);
    address internal constant PROVIDER = address(0x3001);
    address internal constant NEW_PROVIDER = address(0x3002);
    address internal constant PAYOUT = address(0x3003);
    address internal constant STRANGER = address(0x5757);
    uint96 internal constant PRICE = 1e9;
    uint32 internal constant HOUR = 3600;
    uint128 internal constant ALLOWANCE = 10 * uint128(PRICE) * HOUR;

    TenantRegistry internal registry;
    LeaseMarket internal market;
    uint64 internal tenant;
    uint32 internal pool;

    function setUp() public {
        vm.warp(1_700_000_000);
        registry = new TenantRegistry(ADMIN, 3 days);
        market = new LeaseMarket(address(registry), address(0));
        vm.startPrank(ADMIN);
        registry.grantRole(Roles.PROVIDER_ROLE, PROVIDER);
        registry.grantRole(Roles.PROVIDER_ROLE, NEW_PROVIDER);
        vm.stopPrank();
        vm.prank(OWNER);
        tenant = registry.register("ipfs://t", bytes32(0));
        vm.prank(ADMIN);
        registry.setQuota(tenant, GPU, 100);
        vm.startPrank(OWNER);
        market.setOperatorLimits(tenant, OPERATOR, ALLOWANCE, 2 * HOUR); // limits first, then the grant
        registry.grantOperator(tenant, OPERATOR, uint40(block.timestamp + 30 days));
        vm.stopPrank();
        vm.prank(PROVIDER);
        pool = market.createPool(GPU, 50, PRICE, 60, 30 days);
        _deposit(1e24);
    }

    // ------------------------------------------------------------------------- constructor

    function test_the_constructor_refuses_a_missing_registry_or_asset() public {
        vm.expectRevert(ILeaseMarket.MarketZeroAddress.selector);
        new LeaseMarket(address(0), address(0));
        vm.expectRevert(abi.encodeWithSelector(ILeaseMarket.MarketNotAContract.selector, STRANGER));
        new LeaseMarket(STRANGER, address(0));
        vm.expectRevert(abi.encodeWithSelector(ILeaseMarket.MarketNotAContract.selector, STRANGER));
        new LeaseMarket(address(registry), STRANGER);
    }

    // ------------------------------------------------------------------------------ escrow

    function test_deposit_checks_amount_tenant_and_value() public {
        vm.deal(OWNER, 10);
        vm.startPrank(OWNER);
        vm.expectRevert(ILeaseMarket.MarketZeroAmount.selector);
        market.deposit(tenant, 0);
        vm.expectRevert(abi.encodeWithSelector(ILeaseMarket.MarketUnknownTenant.selector, 9));
        market.deposit{value: 1}(9, 1);
        vm.expectRevert(abi.encodeWithSelector(ILeaseMarket.MarketValueMismatch.selector, 2, 1));
        market.deposit{value: 1}(tenant, 2);
        registry.close(tenant);
        vm.expectRevert(abi.encodeWithSelector(ILeaseMarket.MarketTenantClosed.selector, tenant));
        market.deposit{value: 1}(tenant, 1);
        vm.stopPrank();
    }

    function test_an_erc20_market_refuses_ether_and_a_transfer_that_credits_nothing() public {
        FeeOnTransferERC20 token = new FeeOnTransferERC20(10_000); // burns everything
        LeaseMarket tokenMarket = new LeaseMarket(address(registry), address(token));
        token.mint(OWNER, 10);
        vm.deal(OWNER, 1);
        vm.startPrank(OWNER);
        token.approve(address(tokenMarket), 10);
        vm.expectRevert(abi.encodeWithSelector(ILeaseMarket.MarketUnexpectedValue.selector, 1));
        tokenMarket.deposit{value: 1}(tenant, 1);
        vm.expectRevert(ILeaseMarket.MarketZeroAmount.selector);
        tokenMarket.deposit(tenant, 10);
        vm.stopPrank();
    }

    function test_an_erc20_market_pays_out_in_the_token() public {
        MockERC20 token = new MockERC20();
        LeaseMarket tokenMarket = new LeaseMarket(address(registry), address(token));
        token.mint(OWNER, 10);
        vm.startPrank(OWNER);
        token.approve(address(tokenMarket), 10);
        tokenMarket.deposit(tenant, 10);
        tokenMarket.withdraw(tenant, 4, OWNER);
        vm.stopPrank();
        assertEq(token.balanceOf(OWNER), 4, "withdrawn in tokens");
    }

    function test_withdraw_checks_amount_recipient_owner_and_balance() public {
        vm.startPrank(OWNER);
        vm.expectRevert(ILeaseMarket.MarketZeroAmount.selector);
        market.withdraw(tenant, 0, OWNER);
        vm.expectRevert(ILeaseMarket.MarketZeroAddress.selector);
        market.withdraw(tenant, 1, address(0));
        vm.expectRevert(abi.encodeWithSelector(ILeaseMarket.MarketInvalidRecipient.selector, address(market)));
        market.withdraw(tenant, 1, address(market));
        vm.expectRevert(abi.encodeWithSelector(ILeaseMarket.MarketUnknownTenant.selector, 9));
        market.withdraw(9, 1, OWNER);
        vm.expectRevert(abi.encodeWithSelector(ILeaseMarket.MarketInsufficientEscrow.selector, tenant, 1e24 + 1, 1e24));
        market.withdraw(tenant, 1e24 + 1, OWNER);
        vm.stopPrank();
        vm.expectRevert(abi.encodeWithSelector(ILeaseMarket.MarketNotTenantOwner.selector, tenant, STRANGER));
        vm.prank(STRANGER);
        market.withdraw(tenant, 1, STRANGER);
    }

    function test_a_refused_ether_payment_reverts_with_the_recipient() public {
        MaliciousReceiver receiver = new MaliciousReceiver();
        receiver.refuse();
        vm.expectRevert(abi.encodeWithSelector(ILeaseMarket.MarketTransferFailed.selector, address(receiver), 1));
        vm.prank(OWNER);
        market.withdraw(tenant, 1, address(receiver));
    }

    // ------------------------------------------------------------------------------- pools

    function test_create_pool_checks_role_and_terms() public {
        vm.expectRevert(abi.encodeWithSelector(ILeaseMarket.MarketNotProvider.selector, STRANGER));
        vm.prank(STRANGER);
        market.createPool(GPU, 1, 1, 1, 1);
        vm.startPrank(PROVIDER);
        vm.expectRevert(ILeaseMarket.PoolZeroResourceClass.selector);
        market.createPool(bytes32(0), 1, 1, 1, 1);
        vm.expectRevert(ILeaseMarket.PoolZeroCapacity.selector);
        market.createPool(GPU, 0, 1, 1, 1);
        vm.expectRevert(ILeaseMarket.PoolZeroPrice.selector);
        market.createPool(GPU, 1, 0, 1, 1);
        vm.expectRevert(abi.encodeWithSelector(ILeaseMarket.PoolInvalidDurations.selector, 0, 1));
        market.createPool(GPU, 1, 1, 0, 1);
        vm.expectRevert(abi.encodeWithSelector(ILeaseMarket.PoolInvalidDurations.selector, 2, 1));
        market.createPool(GPU, 1, 1, 2, 1);
        vm.stopPrank();
    }

    function test_pool_settings_check_pool_provider_role_status_and_values() public {
        vm.expectRevert(abi.encodeWithSelector(ILeaseMarket.PoolUnknown.selector, 9));
        market.setPoolPrice(9, 1);
        vm.expectRevert(abi.encodeWithSelector(ILeaseMarket.PoolNotProvider.selector, pool, STRANGER));
        vm.prank(STRANGER);
        market.setPoolCapacity(pool, 1);
        vm.startPrank(PROVIDER);
        vm.expectRevert(ILeaseMarket.PoolZeroCapacity.selector);
        market.setPoolCapacity(pool, 0);
        vm.expectRevert(ILeaseMarket.PoolZeroPrice.selector);
        market.setPoolPrice(pool, 0);
        vm.stopPrank();
        _open(OWNER, 5, HOUR, PRICE);
        vm.startPrank(PROVIDER);
        vm.expectRevert(abi.encodeWithSelector(ILeaseMarket.PoolCapacityBelowAllocated.selector, pool, 4, 5));
        market.setPoolCapacity(pool, 4);
        market.setPoolCapacity(pool, 5);
        market.retirePool(pool);
        vm.expectRevert(abi.encodeWithSelector(ILeaseMarket.PoolInvalidStatus.selector, pool, PoolStatus.Retired));
        market.setPoolCapacity(pool, 6);
        vm.expectRevert(abi.encodeWithSelector(ILeaseMarket.PoolInvalidStatus.selector, pool, PoolStatus.Retired));
        market.setPoolPrice(pool, 6);
        vm.expectRevert(abi.encodeWithSelector(ILeaseMarket.PoolInvalidStatus.selector, pool, PoolStatus.Retired));
        market.retirePool(pool);
        vm.expectRevert(abi.encodeWithSelector(ILeaseMarket.PoolInvalidStatus.selector, pool, PoolStatus.Retired));
        market.pausePool(pool);
        vm.expectRevert(abi.encodeWithSelector(ILeaseMarket.PoolInvalidStatus.selector, pool, PoolStatus.Retired));
        market.unpausePool(pool);
        vm.stopPrank();
    }

    function test_an_offboarded_provider_cannot_reprice_resize_or_unpause_but_can_stop() public {
        vm.prank(ADMIN);
        registry.revokeRole(Roles.PROVIDER_ROLE, PROVIDER);
        vm.startPrank(PROVIDER);
        vm.expectRevert(abi.encodeWithSelector(ILeaseMarket.MarketNotProvider.selector, PROVIDER));
        market.setPoolPrice(pool, 2);
        vm.expectRevert(abi.encodeWithSelector(ILeaseMarket.MarketNotProvider.selector, PROVIDER));
        market.setPoolCapacity(pool, 2);
        market.pausePool(pool);
        vm.expectRevert(abi.encodeWithSelector(ILeaseMarket.MarketNotProvider.selector, PROVIDER));
        market.unpausePool(pool);
        market.retirePool(pool);
        vm.stopPrank();
    }

    function test_open_lease_refuses_a_pool_whose_provider_was_offboarded() public {
        vm.prank(ADMIN);
        registry.revokeRole(Roles.PROVIDER_ROLE, PROVIDER);
        vm.expectRevert(abi.encodeWithSelector(ILeaseMarket.PoolProviderInactive.selector, pool, PROVIDER));
        _open(OWNER, 1, HOUR, PRICE);
    }

    function test_an_admin_pauses_unpauses_and_retires_any_pool() public {
        vm.expectEmit(true, false, false, true);
        emit ILeaseMarket.PoolStatusChanged(pool, PoolStatus.Paused, ADMIN, true, _seq() + 1);
        vm.prank(ADMIN);
        market.pausePool(pool);
        vm.expectRevert(abi.encodeWithSelector(ILeaseMarket.PoolPausedByAdmin.selector, pool));
        vm.prank(PROVIDER);
        market.unpausePool(pool);
        vm.startPrank(ADMIN);
        market.unpausePool(pool);
        market.retirePool(pool);
        vm.stopPrank();
        assertEq(uint8(market.pool(pool).status), uint8(PoolStatus.Retired), "retired");
    }

    function test_a_provider_unpauses_its_own_pause_and_strangers_manage_nothing() public {
        vm.startPrank(PROVIDER);
        market.pausePool(pool);
        vm.expectRevert(abi.encodeWithSelector(ILeaseMarket.PoolInvalidStatus.selector, pool, PoolStatus.Paused));
        market.pausePool(pool);
        market.unpausePool(pool);
        vm.expectRevert(abi.encodeWithSelector(ILeaseMarket.PoolInvalidStatus.selector, pool, PoolStatus.Open));
        market.unpausePool(pool);
        vm.stopPrank();
        vm.expectRevert(abi.encodeWithSelector(ILeaseMarket.PoolNotManager.selector, pool, STRANGER));
        vm.prank(STRANGER);
        market.pausePool(pool);
        vm.expectRevert(abi.encodeWithSelector(ILeaseMarket.PoolUnknown.selector, 9));
        market.retirePool(9);
    }

    // --------------------------------------------------------------------- price protection

    function test_open_lease_refuses_a_price_above_the_callers_maximum() public {
        vm.prank(PROVIDER);
        market.setPoolPrice(pool, 100 * PRICE); // the sandwich's first leg
        vm.expectRevert(abi.encodeWithSelector(ILeaseMarket.LeasePriceAboveMax.selector, pool, 100 * PRICE, PRICE));
        _open(OWNER, 1, HOUR, PRICE);
    }

    function test_open_lease_takes_a_lower_price_than_the_maximum() public {
        uint64 leaseId = _open(OWNER, 1, HOUR, 2 * PRICE);
        assertEq(market.lease(leaseId).pricePerUnitSecond, PRICE, "the pool's price, not the maximum");
    }

    function test_extend_lease_refuses_a_locked_price_above_the_maximum() public {
        uint64 leaseId = _open(OWNER, 1, HOUR, PRICE);
        vm.expectRevert(abi.encodeWithSelector(ILeaseMarket.LeasePriceAboveMax.selector, pool, PRICE, PRICE - 1));
        vm.prank(OWNER);
        market.extendLease(leaseId, 60, PRICE - 1);
    }

    // ---------------------------------------------------------------------- operator limits

    function test_an_operator_open_spends_its_allowance_and_reports_the_opener() public {
        uint256 cost = 2 * uint256(PRICE) * HOUR;
        vm.expectEmit(true, true, true, true);
        emit ILeaseMarket.LeaseOpened(
            _seq() + 1,
            tenant,
            pool,
            2,
            PRICE,
            uint40(block.timestamp),
            uint40(block.timestamp + HOUR),
            uint128(cost),
            OPERATOR,
            _seq() + 1
        );
        vm.expectEmit(true, true, false, true);
        emit ILeaseMarket.OperatorAllowanceSpent(tenant, OPERATOR, uint128(cost), ALLOWANCE - uint128(cost), _seq() + 2);
        _open(OPERATOR, 2, HOUR, PRICE);
        (uint128 allowance, uint32 maxDuration) = market.operatorLimits(tenant, OPERATOR);
        assertEq(allowance, ALLOWANCE - cost, "allowance spent");
        assertEq(maxDuration, 2 * HOUR, "longest lease");
    }

    function test_an_operator_cannot_reserve_more_than_its_allowance() public {
        uint256 cost = 11 * uint256(PRICE) * HOUR;
        vm.expectRevert(
            abi.encodeWithSelector(ILeaseMarket.MarketAllowanceExceeded.selector, tenant, OPERATOR, cost, ALLOWANCE)
        );
        _open(OPERATOR, 11, HOUR, PRICE);
    }

    function test_an_operator_spends_its_allowance_down_to_zero_and_no_further() public {
        uint64 leaseId = _open(OPERATOR, 10, HOUR, PRICE);
        (uint128 allowance,) = market.operatorLimits(tenant, OPERATOR);
        assertEq(allowance, 0, "all spent");
        vm.expectRevert(
            abi.encodeWithSelector(
                ILeaseMarket.MarketAllowanceExceeded.selector, tenant, OPERATOR, 10 * uint256(PRICE) * 60, 0
            )
        );
        vm.prank(OPERATOR);
        market.extendLease(leaseId, 60, PRICE);
        vm.prank(OPERATOR);
        market.releaseLease(leaseId); // stopping payment needs no allowance
    }

    function test_an_operator_cannot_open_or_extend_past_its_longest_lease() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                ILeaseMarket.MarketOperatorDurationExceeded.selector, tenant, OPERATOR, 2 * HOUR + 1, 2 * HOUR
            )
        );
        _open(OPERATOR, 1, 2 * HOUR + 1, PRICE);
        uint64 leaseId = _open(OPERATOR, 1, 2 * HOUR, PRICE);
        vm.expectRevert(
            abi.encodeWithSelector(
                ILeaseMarket.MarketOperatorDurationExceeded.selector, tenant, OPERATOR, 2 * HOUR + 60, 2 * HOUR
            )
        );
        vm.prank(OPERATOR);
        market.extendLease(leaseId, 60, PRICE);
    }

    function test_an_operator_extend_spends_its_allowance() public {
        uint64 leaseId = _open(OWNER, 1, HOUR, PRICE);
        vm.expectEmit(true, false, false, true);
        emit ILeaseMarket.LeaseExtended(leaseId, uint40(block.timestamp + HOUR + 60), uint128(PRICE) * 60, _seq() + 1);
        vm.expectEmit(true, true, false, true);
        emit ILeaseMarket.OperatorAllowanceSpent(
            tenant, OPERATOR, uint128(PRICE) * 60, ALLOWANCE - uint128(PRICE) * 60, _seq() + 2
        );
        vm.prank(OPERATOR);
        market.extendLease(leaseId, 60, PRICE);
        (uint128 allowance,) = market.operatorLimits(tenant, OPERATOR);
        assertEq(allowance, ALLOWANCE - 60 * uint256(PRICE), "allowance spent");
    }

    function test_setting_limits_is_journaled_and_replaces_the_allowance() public {
        vm.expectEmit(true, true, false, true);
        emit ILeaseMarket.OperatorLimitsSet(tenant, OPERATOR, 5, 7, _seq() + 1);
        vm.prank(OWNER);
        market.setOperatorLimits(tenant, OPERATOR, 5, 7);
        (uint128 allowance, uint32 maxDuration) = market.operatorLimits(tenant, OPERATOR);
        assertTrue(allowance == 5 && maxDuration == 7, "replaced");
    }

    function test_only_the_owner_of_a_live_tenant_sets_limits_for_another_address() public {
        vm.expectRevert(abi.encodeWithSelector(ILeaseMarket.MarketNotTenantOwner.selector, tenant, OPERATOR));
        vm.prank(OPERATOR);
        market.setOperatorLimits(tenant, OPERATOR, Limits.UNLIMITED_ALLOWANCE, Limits.UNLIMITED_DURATION);
        vm.expectRevert(abi.encodeWithSelector(ILeaseMarket.MarketUnknownTenant.selector, 9));
        vm.prank(OWNER);
        market.setOperatorLimits(9, OPERATOR, 1, 1);
        vm.startPrank(OWNER);
        vm.expectRevert(abi.encodeWithSelector(ILeaseMarket.MarketInvalidOperator.selector, address(0)));
        market.setOperatorLimits(tenant, address(0), 1, 1);
        vm.expectRevert(abi.encodeWithSelector(ILeaseMarket.MarketInvalidOperator.selector, OWNER));
        market.setOperatorLimits(tenant, OWNER, 1, 1);
        registry.close(tenant);
        vm.expectRevert(abi.encodeWithSelector(ILeaseMarket.MarketTenantClosed.selector, tenant));
        market.setOperatorLimits(tenant, OPERATOR, 1, 1);
        vm.stopPrank();
    }

    function test_unlimited_limits_spend_nothing_and_journal_nothing_more() public {
        vm.prank(OWNER);
        market.setOperatorLimits(tenant, OPERATOR, Limits.UNLIMITED_ALLOWANCE, 2 * HOUR);
        uint64 before = _seq();
        _open(OPERATOR, 20, HOUR, PRICE);
        assertEq(_seq(), before + 1, "LeaseOpened only");
        (uint128 allowance,) = market.operatorLimits(tenant, OPERATOR);
        assertEq(allowance, Limits.UNLIMITED_ALLOWANCE, "unchanged");
    }

    function test_an_operator_without_limits_and_the_owner_are_unlimited() public {
        (uint128 allowance, uint32 maxDuration) = market.operatorLimits(tenant, STRANGER);
        assertTrue(allowance == Limits.UNLIMITED_ALLOWANCE && maxDuration == Limits.UNLIMITED_DURATION, "none set");
        (allowance, maxDuration) = market.operatorLimits(tenant, OWNER);
        assertTrue(allowance == Limits.UNLIMITED_ALLOWANCE && maxDuration == Limits.UNLIMITED_DURATION, "owner");
        vm.prank(OWNER);
        registry.grantOperator(tenant, STRANGER, uint40(block.timestamp + 1 days));
        uint64 before = _seq();
        _open(STRANGER, 20, 3 * HOUR, PRICE);
        assertEq(_seq(), before + 1, "nothing spent");
    }

    function test_an_ownership_transfer_lapses_the_limits_with_the_grants() public {
        vm.prank(OWNER);
        registry.proposeOwner(tenant, STRANGER);
        vm.prank(STRANGER);
        registry.acceptOwnership(tenant);
        (uint128 allowance, uint32 maxDuration) = market.operatorLimits(tenant, OPERATOR);
        assertTrue(allowance == Limits.UNLIMITED_ALLOWANCE && maxDuration == Limits.UNLIMITED_DURATION, "lapsed");
        // The new owner's own grant and limits apply from its generation on.
        vm.startPrank(STRANGER);
        market.setOperatorLimits(tenant, OPERATOR, 3, 60);
        registry.grantOperator(tenant, OPERATOR, uint40(block.timestamp + 1 days));
        vm.stopPrank();
        (allowance, maxDuration) = market.operatorLimits(tenant, OPERATOR);
        assertTrue(allowance == 3 && maxDuration == 60, "the new owner's");
        vm.expectRevert(
            abi.encodeWithSelector(ILeaseMarket.MarketAllowanceExceeded.selector, tenant, OPERATOR, PRICE * 60, 3)
        );
        _open(OPERATOR, 1, 60, PRICE);
    }

    // -------------------------------------------------------------------------------- open

    function test_open_lease_checks_units_duration_pool_capacity_and_tenant() public {
        vm.startPrank(OWNER);
        vm.expectRevert(ILeaseMarket.LeaseZeroUnits.selector);
        market.openLease(tenant, pool, 0, HOUR, PRICE);
        vm.expectRevert(ILeaseMarket.LeaseZeroDuration.selector);
        market.openLease(tenant, pool, 1, 0, PRICE);
        vm.expectRevert(abi.encodeWithSelector(ILeaseMarket.PoolUnknown.selector, 9));
        market.openLease(tenant, 9, 1, HOUR, PRICE);
        vm.expectRevert(abi.encodeWithSelector(ILeaseMarket.LeaseDurationOutOfBounds.selector, 59, 60, 30 days));
        market.openLease(tenant, pool, 1, 59, PRICE);
        vm.expectRevert(
            abi.encodeWithSelector(ILeaseMarket.LeaseDurationOutOfBounds.selector, 30 days + 1, 60, 30 days)
        );
        market.openLease(tenant, pool, 1, 30 days + 1, PRICE);
        vm.expectRevert(abi.encodeWithSelector(ILeaseMarket.PoolCapacityExceeded.selector, pool, 51, 50));
        market.openLease(tenant, pool, 51, HOUR, PRICE);
        vm.expectRevert(abi.encodeWithSelector(ILeaseMarket.MarketUnknownTenant.selector, 9));
        market.openLease(9, pool, 1, HOUR, PRICE);
        vm.stopPrank();
        vm.expectRevert(abi.encodeWithSelector(ILeaseMarket.MarketUnauthorized.selector, tenant, STRANGER));
        _open(STRANGER, 1, HOUR, PRICE);
        vm.prank(PROVIDER);
        market.pausePool(pool);
        vm.expectRevert(abi.encodeWithSelector(ILeaseMarket.PoolInvalidStatus.selector, pool, PoolStatus.Paused));
        _open(OWNER, 1, HOUR, PRICE);
    }

    function test_open_lease_checks_quota_and_escrow() public {
        vm.prank(ADMIN);
        registry.setQuota(tenant, GPU, 1);
        vm.expectRevert(abi.encodeWithSelector(ILeaseMarket.LeaseQuotaExceeded.selector, tenant, GPU, 2, 1));
        _open(OWNER, 2, HOUR, PRICE);
        vm.prank(PROVIDER);
        uint32 dear = market.createPool(GPU, 1, type(uint96).max, 1, 30 days);
        vm.expectRevert(
            abi.encodeWithSelector(
                ILeaseMarket.MarketInsufficientEscrow.selector, tenant, uint256(type(uint96).max) * 60, 1e24
            )
        );
        vm.prank(OWNER);
        market.openLease(tenant, dear, 1, 60, type(uint96).max);
    }

    // ----------------------------------------------------------------------------- extend

    function test_extend_lease_checks_the_lease_and_the_caller() public {
        vm.expectRevert(ILeaseMarket.LeaseZeroDuration.selector);
        market.extendLease(1, 0, PRICE);
        vm.expectRevert(abi.encodeWithSelector(ILeaseMarket.LeaseUnknown.selector, 9));
        market.extendLease(9, 60, PRICE);
        uint64 leaseId = _open(OWNER, 1, HOUR, PRICE);
        vm.expectRevert(abi.encodeWithSelector(ILeaseMarket.MarketUnauthorized.selector, tenant, STRANGER));
        vm.prank(STRANGER);
        market.extendLease(leaseId, 60, PRICE);
        vm.prank(ADMIN);
        registry.suspend(tenant, 1);
        vm.expectRevert(abi.encodeWithSelector(ILeaseMarket.MarketUnauthorized.selector, tenant, OWNER));
        vm.prank(OWNER);
        market.extendLease(leaseId, 60, PRICE);
        vm.warp(block.timestamp + HOUR);
        vm.expectRevert(abi.encodeWithSelector(ILeaseMarket.LeaseExpired.selector, leaseId, uint40(block.timestamp)));
        vm.prank(OWNER);
        market.extendLease(leaseId, 60, PRICE);
    }

    function test_extend_lease_refuses_a_closed_lease() public {
        uint64 leaseId = _open(OWNER, 1, HOUR, PRICE);
        vm.startPrank(OWNER);
        market.releaseLease(leaseId);
        vm.expectRevert(abi.encodeWithSelector(ILeaseMarket.LeaseNotActive.selector, leaseId, LeaseStatus.Closed));
        market.extendLease(leaseId, 60, PRICE);
        vm.stopPrank();
    }

    function test_extend_lease_reads_no_pool_terms_the_provider_terminates_instead() public {
        uint64 leaseId = _open(OWNER, 1, HOUR, PRICE);
        vm.prank(PROVIDER);
        market.retirePool(pool);
        vm.prank(OWNER);
        market.extendLease(leaseId, 30 days, PRICE); // past the pool's maxDuration, in a retired pool
        vm.prank(PROVIDER);
        market.terminateLease(leaseId, 1);
        (uint128 free,) = market.account(tenant);
        assertEq(free, 1e24, "terminated at once: everything unaccrued back to the tenant");
    }

    function test_extend_lease_names_a_cost_overflow() public {
        vm.prank(PROVIDER);
        uint32 dear = market.createPool(GPU, type(uint32).max, type(uint96).max, 1, type(uint32).max);
        _deposit(type(uint128).max - 1e24 - 1);
        vm.prank(OWNER);
        uint64 leaseId = market.openLease(tenant, dear, 2, 1, type(uint96).max);
        vm.expectRevert(
            abi.encodeWithSelector(ILeaseMarket.LeaseCostOverflow.selector, 2, type(uint96).max, type(uint32).max - 1)
        );
        vm.prank(OWNER);
        market.extendLease(leaseId, type(uint32).max - 1, type(uint96).max);
    }

    // ---------------------------------------------------------------------------- release

    function test_a_suspended_tenant_still_releases() public {
        uint64 leaseId = _open(OPERATOR, 1, HOUR, PRICE);
        vm.prank(ADMIN);
        registry.suspend(tenant, 1);
        vm.prank(OPERATOR);
        market.releaseLease(leaseId);
        assertEq(uint8(market.lease(leaseId).closeReason), uint8(CloseReason.ReleasedByTenant), "released");
    }

    function test_release_refuses_strangers_and_closed_tenants() public {
        uint64 leaseId = _open(OWNER, 1, HOUR, PRICE);
        vm.expectRevert(abi.encodeWithSelector(ILeaseMarket.MarketUnauthorized.selector, tenant, STRANGER));
        vm.prank(STRANGER);
        market.releaseLease(leaseId);
        vm.prank(OWNER);
        registry.close(tenant);
        vm.expectRevert(abi.encodeWithSelector(ILeaseMarket.MarketUnauthorized.selector, tenant, OWNER));
        vm.prank(OWNER);
        market.releaseLease(leaseId);
    }

    function test_a_closed_lease_reports_paid_until_its_close() public {
        uint64 leaseId = _open(OWNER, 1, HOUR, PRICE);
        vm.warp(block.timestamp + 100);
        vm.prank(OWNER);
        market.releaseLease(leaseId);
        assertEq(market.lease(leaseId).paidUntil, block.timestamp, "paidUntil = close time");
        (uint40 left, uint128 unaccrued) = market.leaseRemaining(leaseId);
        assertEq(left + unaccrued + market.accrued(leaseId), 0, "nothing left once closed");
        assertEq(uint8(market.lease(99).status), uint8(LeaseStatus.None), "unknown lease");
    }

    // ----------------------------------------------------------------------- reclaim, terminate

    function test_reclaim_and_terminate_rules() public {
        uint64 leaseId = _open(OWNER, 1, HOUR, PRICE);
        uint64[] memory ids = new uint64[](1);
        ids[0] = leaseId;
        vm.expectRevert(
            abi.encodeWithSelector(ILeaseMarket.LeaseNotReclaimable.selector, leaseId, uint40(block.timestamp + HOUR))
        );
        market.reclaim(ids);
        vm.expectRevert(abi.encodeWithSelector(ILeaseMarket.LeaseNotTerminator.selector, leaseId, STRANGER));
        vm.prank(STRANGER);
        market.terminateLease(leaseId, 1);
        vm.prank(ADMIN);
        market.terminateLease(leaseId, 1);
        assertEq(uint8(market.lease(leaseId).closeReason), uint8(CloseReason.TerminatedByAdmin), "by admin");
        market.reclaim(ids); // closed: skipped
        ids[0] = 9;
        vm.expectRevert(abi.encodeWithSelector(ILeaseMarket.LeaseUnknown.selector, 9));
        market.reclaim(ids);
        vm.expectRevert(abi.encodeWithSelector(ILeaseMarket.MarketBatchTooLarge.selector, 101, 100));
        market.reclaim(new uint64[](101));
    }

    function test_a_closed_tenants_running_lease_is_reclaimed() public {
        uint64 leaseId = _open(OWNER, 1, HOUR, PRICE);
        vm.prank(OWNER);
        registry.close(tenant);
        uint64[] memory ids = new uint64[](1);
        ids[0] = leaseId;
        market.reclaim(ids);
        assertEq(uint8(market.lease(leaseId).closeReason), uint8(CloseReason.TenantClosed), "tenant closed");
    }

    // ------------------------------------------------------------------- claim, payout, handover

    function test_claim_pays_the_payout_address_and_either_may_call() public {
        uint64 leaseId = _open(OWNER, 1, HOUR, PRICE);
        vm.prank(PROVIDER);
        market.setPayoutAddress(PAYOUT);
        assertEq(market.payoutAddress(PROVIDER), PAYOUT, "payout");
        vm.warp(block.timestamp + 100);
        uint64[] memory ids = new uint64[](1);
        ids[0] = leaseId;
        vm.expectEmit(true, true, false, true);
        emit ILeaseMarket.EarningsClaimed(PROVIDER, PAYOUT, 100 * uint256(PRICE), _seq() + 2);
        vm.prank(PAYOUT); // the provider's key may be lost: the payout address claims
        market.claim(PROVIDER, ids);
        assertEq(PAYOUT.balance, 100 * uint256(PRICE), "paid to the payout address");
        vm.warp(block.timestamp + 100);
        vm.prank(PROVIDER);
        market.claim(PROVIDER, ids);
        assertEq(PAYOUT.balance, 200 * uint256(PRICE), "the provider's claim pays the payout address too");
    }

    function test_claim_refuses_strangers_foreign_leases_and_long_batches() public {
        uint64 leaseId = _open(OWNER, 1, HOUR, PRICE);
        uint64[] memory ids = new uint64[](1);
        ids[0] = leaseId;
        vm.expectRevert(abi.encodeWithSelector(ILeaseMarket.MarketNotPayee.selector, PROVIDER, STRANGER));
        vm.prank(STRANGER);
        market.claim(PROVIDER, ids);
        vm.expectRevert(abi.encodeWithSelector(ILeaseMarket.LeaseNotProvider.selector, leaseId, STRANGER));
        vm.prank(STRANGER);
        market.claim(STRANGER, ids);
        vm.expectRevert(abi.encodeWithSelector(ILeaseMarket.MarketBatchTooLarge.selector, 101, 100));
        market.claim(PROVIDER, new uint64[](101));
        ids[0] = 9;
        vm.expectRevert(abi.encodeWithSelector(ILeaseMarket.LeaseUnknown.selector, 9));
        vm.prank(PROVIDER);
        market.claim(PROVIDER, ids);
        vm.prank(PROVIDER);
        assertEq(market.claim(PROVIDER, new uint64[](0)), 0, "nothing claimable");
    }

    function test_claim_reads_each_pool_and_price_once_and_skips_settled_leases() public {
        uint64 first = _open(OWNER, 1, HOUR, PRICE);
        vm.prank(PROVIDER);
        market.setPoolPrice(pool, 2 * PRICE);
        uint64 second = _open(OWNER, 1, HOUR, 2 * PRICE);
        vm.prank(PROVIDER);
        uint32 other = market.createPool(GPU, 5, PRICE, 60, 30 days);
        vm.prank(OWNER);
        uint64 third = market.openLease(tenant, other, 1, HOUR, PRICE);
        vm.warp(block.timestamp + 10);
        uint64[] memory ids = new uint64[](4);
        (ids[0], ids[1], ids[2], ids[3]) = (first, second, third, first);
        vm.prank(PROVIDER);
        uint256 paid = market.claim(PROVIDER, ids);
        assertEq(paid, 10 * uint256(PRICE) * 4, "1 + 2 + 1 units' worth");
        vm.prank(OWNER);
        market.releaseLease(third);
        vm.prank(PROVIDER);
        assertEq(market.claim(PROVIDER, ids), 0, "settled and closed leases pay nothing more");
    }

    function test_payout_and_handover_rules() public {
        vm.expectRevert(abi.encodeWithSelector(ILeaseMarket.MarketInvalidRecipient.selector, address(market)));
        vm.prank(PROVIDER);
        market.setPayoutAddress(address(market));
        vm.expectRevert(abi.encodeWithSelector(ILeaseMarket.MarketUnknownProvider.selector, STRANGER));
        vm.prank(STRANGER);
        market.setPayoutAddress(PAYOUT);
        vm.expectRevert(abi.encodeWithSelector(ILeaseMarket.MarketUnknownProvider.selector, STRANGER));
        vm.prank(STRANGER);
        market.proposeProviderHandover(NEW_PROVIDER);
        vm.expectRevert(abi.encodeWithSelector(ILeaseMarket.MarketNotPendingProvider.selector, PROVIDER, NEW_PROVIDER));
        vm.prank(NEW_PROVIDER);
        market.acceptProviderHandover(PROVIDER);
        vm.expectRevert(abi.encodeWithSelector(ILeaseMarket.MarketNotPendingProvider.selector, STRANGER, NEW_PROVIDER));
        vm.prank(NEW_PROVIDER);
        market.acceptProviderHandover(STRANGER);
        vm.prank(PROVIDER);
        market.proposeProviderHandover(STRANGER);
        vm.expectRevert(abi.encodeWithSelector(ILeaseMarket.MarketNotProvider.selector, STRANGER));
        vm.prank(STRANGER);
        market.acceptProviderHandover(PROVIDER);
        vm.prank(NEW_PROVIDER);
        market.createPool(GPU, 1, 1, 1, 1);
        vm.prank(PROVIDER);
        market.proposeProviderHandover(NEW_PROVIDER);
        assertEq(market.pendingProviderHandover(PROVIDER), NEW_PROVIDER, "pending");
        vm.expectRevert(abi.encodeWithSelector(ILeaseMarket.MarketProviderExists.selector, NEW_PROVIDER));
        vm.prank(NEW_PROVIDER);
        market.acceptProviderHandover(PROVIDER);
    }

    function test_a_handover_moves_pools_and_earnings_to_the_new_address() public {
        address fresh = address(0x3004);
        vm.prank(ADMIN);
        registry.grantRole(Roles.PROVIDER_ROLE, fresh);
        uint64 leaseId = _open(OWNER, 1, HOUR, PRICE);
        vm.warp(block.timestamp + 100);
        vm.prank(OWNER);
        market.releaseLease(leaseId); // 100 seconds' worth now claimable by the provider
        vm.startPrank(PROVIDER);
        market.setPayoutAddress(PAYOUT);
        market.proposeProviderHandover(fresh);
        vm.stopPrank();
        vm.expectEmit(true, true, false, true);
        emit ILeaseMarket.ProviderHandedOver(PROVIDER, fresh, _seq() + 1);
        vm.prank(fresh);
        market.acceptProviderHandover(PROVIDER);
        assertEq(market.pool(pool).provider, fresh, "pool moved");
        assertEq(market.claimable(fresh), 100 * uint256(PRICE), "earnings moved");
        assertEq(market.claimable(PROVIDER), 0, "old address holds nothing");
        assertEq(market.payoutAddress(fresh), fresh, "payout reset");
        vm.prank(fresh);
        market.setPoolPrice(pool, 2 * PRICE);
        vm.expectRevert(abi.encodeWithSelector(ILeaseMarket.PoolNotProvider.selector, pool, PROVIDER));
        vm.prank(PROVIDER);
        market.setPoolPrice(pool, 3 * PRICE);
        vm.prank(fresh);
        market.claim(fresh, new uint64[](0));
        assertEq(fresh.balance, 100 * uint256(PRICE), "the new address claims");
    }

    // --------------------------------------------------------------------------- helpers

    function _open(address caller, uint32 units, uint32 duration, uint96 maxPrice) internal returns (uint64) {
        vm.prank(caller);
        return market.openLease(tenant, pool, units, duration, maxPrice);
    }

    function _deposit(uint256 amount) internal {
        vm.deal(OWNER, amount);
        vm.prank(OWNER);
        market.deposit{value: amount}(tenant, amount);
    }

    function _seq() internal view returns (uint64 seq) {
        (seq,) = market.journal();
    }
}

// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Test} from "../utils/Test.sol";
import {MarketHandler} from "./MarketHandler.sol";
import {LeaseMarket} from "../../../contracts/LeaseMarket.sol";
import {ILeaseMarket} from "../../../contracts/interfaces/ILeaseMarket.sol";
import {TenantRegistry} from "../../../contracts/TenantRegistry.sol";
import {Roles} from "../../../contracts/common/Types.sol";
import {MockERC20} from "../../../contracts/test/MockERC20.sol";
import {FeeOnTransferERC20} from "../../../contracts/test/FeeOnTransferERC20.sol";

/// @notice The invariants stated in `ILeaseMarket`, checked after every step of random action
/// sequences (see `MarketHandler`), once per payment asset: native ETH, a plain ERC-20 and an ERC-20
/// that burns 1% of every transfer. Each invariant is its own campaign (15 in all), so runs are fewer
/// than the project default to keep `forge test` quick on two cores.
abstract contract MarketInvariants is Test {
    bytes32 internal constant GPU = bytes32("gpu.h100");
    bytes32 internal constant CPU = bytes32("cpu.x86");

    address internal constant ADMIN = address(0xAD);
    TenantRegistry internal registry;
    LeaseMarket internal market;
    MarketHandler internal handler;

    /// @dev The payment asset of this run (address(0) for ETH).
    function _asset() internal virtual returns (address);

    function setUp() public {
        vm.warp(1_700_000_000);
        registry = new TenantRegistry(ADMIN, 3 days);
        market = new LeaseMarket(address(registry), _asset());
        handler = new MarketHandler(market, registry, ADMIN);
        for (uint160 i = 1; i <= 3; ++i) {
            handler.addTenant(address(0x1000 + i), address(0x2000 + i));
        }
        for (uint160 i = 1; i <= 2; ++i) {
            address provider = address(0x3000 + i);
            vm.prank(ADMIN);
            registry.grantRole(Roles.PROVIDER_ROLE, provider);
            handler.addProvider(provider);
        }
        // A pool per class and funded tenants, so that most sequences lease from their first step.
        handler.createPool(0, true, 20, 1e9, 60, 7 days);
        handler.createPool(1, false, 20, 1e6, 60, 7 days);
        for (uint256 t; t < 3; ++t) {
            handler.deposit(t, t, 1e22);
        }

        bytes4[] memory selectors = new bytes4[](21);
        selectors[0] = MarketHandler.deposit.selector;
        selectors[1] = MarketHandler.withdraw.selector;
        selectors[2] = MarketHandler.createPool.selector;
        selectors[3] = MarketHandler.setPoolPrice.selector;
        selectors[4] = MarketHandler.setPoolCapacity.selector;
        selectors[5] = MarketHandler.pauseOrUnpausePool.selector;
        selectors[6] = MarketHandler.openLease.selector;
        selectors[7] = MarketHandler.openLease.selector; // opening is the point: twice the weight
        selectors[8] = MarketHandler.extendLease.selector;
        selectors[9] = MarketHandler.releaseLease.selector;
        selectors[10] = MarketHandler.terminateLease.selector;
        selectors[11] = MarketHandler.reclaim.selector;
        selectors[12] = MarketHandler.claim.selector;
        selectors[13] = MarketHandler.closeTenant.selector;
        selectors[14] = MarketHandler.warp.selector;
        selectors[15] = MarketHandler.setQuota.selector;
        selectors[16] = MarketHandler.suspendOrResume.selector;
        selectors[17] = MarketHandler.regrantOperator.selector;
        selectors[18] = MarketHandler.toggleProviderRole.selector;
        selectors[19] = MarketHandler.setPayoutAddress.selector;
        selectors[20] = MarketHandler.handOver.selector;
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
        targetContract(address(handler));
    }

    /// @notice Allocated units of a pool <= its capacity, and equal the units of its open leases.
    function invariant_poolAllocationIsWithinCapacity() public view {
        for (uint256 i; i < handler.poolCount(); ++i) {
            uint32 poolId = handler.pools(i);
            ILeaseMarket.Pool memory p = market.pool(poolId);
            assertLe(p.allocated, p.capacity, "allocated > capacity");
            uint256 units;
            for (uint256 j; j < handler.leaseCount(); ++j) {
                MarketHandler.Ghost memory g = handler.ghost(handler.leases(j));
                if (g.poolId == poolId && !g.closed) units += g.units;
            }
            assertEq(p.allocated, units, "allocated != units of open leases");
        }
    }

    /// @notice A tenant's active units per class equal the units of its open leases; every lease opened
    /// within the quota as it stood then (the handler counts a breach as a mismatch, see
    /// `invariant_onlyTheRightCallerMovesValue`), so with quotas never changed they stay <= QUOTA.
    function invariant_activeUnitsAreWithinQuota() public view {
        for (uint256 t; t < handler.tenantCount(); ++t) {
            uint64 tenantId = handler.tenants(t);
            for (uint256 c; c < 2; ++c) {
                bytes32 class = c == 0 ? GPU : CPU;
                uint256 units;
                for (uint256 j; j < handler.leaseCount(); ++j) {
                    MarketHandler.Ghost memory g = handler.ghost(handler.leases(j));
                    if (g.tenantId == tenantId && !g.closed && handler.poolClass(g.poolId) == class) {
                        units += g.units;
                    }
                }
                uint64 active = market.activeUnits(tenantId, class);
                assertLe(active, 2 * handler.QUOTA(), "active units > the largest quota ever set");
                assertEq(active, units, "active units != units of open leases");
            }
        }
    }

    /// @notice Asset held == free escrow + lease reserves + provider claimable, and == what came in
    /// minus what went out.
    function invariant_conservation() public view {
        uint256 books;
        for (uint256 t; t < handler.tenantCount(); ++t) {
            (uint128 free, uint128 reserved) = market.account(handler.tenants(t));
            books += uint256(free) + reserved;
        }
        for (uint256 p; p < handler.providerCount(); ++p) {
            books += market.claimable(handler.providers(p));
        }
        assertEq(_held(), books, "held != free + reserved + claimable");
        assertEq(_held(), handler.credited() - handler.paidOut(), "held != in - out");
    }

    /// @notice Per lease: paid to the provider <= units * price * elapsed; once closed, payout +
    /// refund == everything charged; while open, the unsettled rest is reserved in its tenant's escrow.
    function invariant_providerIsNeverOverpaid() public view {
        uint256[] memory reservedByTenant = new uint256[](handler.tenantCount());
        for (uint256 j; j < handler.leaseCount(); ++j) {
            uint64 leaseId = handler.leases(j);
            MarketHandler.Ghost memory g = handler.ghost(leaseId);
            uint256 until = block.timestamp < g.end ? block.timestamp : g.end;
            assertLe(g.toProvider, uint256(g.units) * g.price * (until - g.start), "provider overpaid");
            if (g.closed) {
                assertEq(g.toProvider + g.refunded, g.charged, "payout + refund != charged");
            } else {
                (, uint128 unaccrued) = market.leaseRemaining(leaseId);
                uint256 rest = g.charged - g.toProvider;
                assertEq(market.accrued(leaseId) + unaccrued, rest, "accrued + unaccrued != unsettled");
                reservedByTenant[_tenantIndex(g.tenantId)] += rest;
            }
        }
        for (uint256 t; t < handler.tenantCount(); ++t) {
            (, uint128 reserved) = market.account(handler.tenants(t));
            assertEq(reserved, reservedByTenant[t], "reserved != unsettled rest of open leases");
        }
    }

    /// @notice No call moved value (or changed a pool) for an account without the right to make it,
    /// and every observed effect matched the books.
    function invariant_onlyTheRightCallerMovesValue() public view {
        assertEq(handler.wrongCallerSuccesses(), 0, "a call succeeded for the wrong caller");
        assertEq(handler.mismatches(), 0, "an observed effect differs from the books");
    }

    /// @notice No operator reserved more than its allowance, and the market's remaining allowance is
    /// exactly what the owner last set less what the operator's opens and extends reserved since.
    function invariant_operatorsStayWithinAllowance() public view {
        for (uint256 t; t < handler.tenantCount(); ++t) {
            uint256 spent = handler.operatorSpent(t);
            uint128 granted = handler.operatorAllowance(t);
            assertLe(spent, granted, "operator reserved more than its allowance");
            (uint128 remaining,) = market.operatorLimits(handler.tenants(t), handler.operators(t));
            assertEq(remaining, granted - spent, "remaining allowance != granted - spent");
        }
    }

    /// @notice No lease is priced above the lowest maximum price its opener (and extenders) accepted.
    function invariant_noLeasePricedAboveItsMaximum() public view {
        for (uint256 j; j < handler.leaseCount(); ++j) {
            uint64 leaseId = handler.leases(j);
            MarketHandler.Ghost memory g = handler.ghost(leaseId);
            assertLe(market.lease(leaseId).pricePerUnitSecond, g.maxPrice, "lease price above its maximum");
        }
    }

    /// @notice Every pool's earnings belong to a provider the handler knows, whose payout address can
    /// receive (non-zero, not the market) and who can claim them: the claimable of the known providers
    /// is everything claimable.
    function invariant_earningsRemainClaimable() public view {
        for (uint256 i; i < handler.poolCount(); ++i) {
            address provider = market.pool(handler.pools(i)).provider;
            bool known;
            for (uint256 p; p < handler.providerCount(); ++p) {
                if (handler.providers(p) == provider) known = true;
            }
            assertTrue(known, "a pool's provider is no known address");
        }
        for (uint256 p; p < handler.providerCount(); ++p) {
            address payout = market.payoutAddress(handler.providers(p));
            assertTrue(payout != address(0) && payout != address(market), "payout cannot receive");
        }
    }

    function _tenantIndex(uint64 tenantId) internal view returns (uint256) {
        for (uint256 t; t < handler.tenantCount(); ++t) {
            if (handler.tenants(t) == tenantId) return t;
        }
        revert("unknown tenant");
    }

    function _held() internal view returns (uint256) {
        address asset = market.asset();
        return asset == address(0) ? address(market).balance : MockERC20(asset).balanceOf(address(market));
    }
}

/// @dev Each invariant is its own campaign (5 per asset), so runs are half the project default to keep
/// `forge test` quick on two cores.
/// forge-config: default.invariant.runs = 32
contract MarketInvariantsEthTest is MarketInvariants {
    function _asset() internal pure override returns (address) {
        return address(0);
    }
}

/// @dev Each invariant is its own campaign (5 per asset), so runs are half the project default to keep
/// `forge test` quick on two cores.
/// forge-config: default.invariant.runs = 32
contract MarketInvariantsErc20Test is MarketInvariants {
    function _asset() internal override returns (address) {
        return address(new MockERC20());
    }
}

/// @dev Each invariant is its own campaign (5 per asset), so runs are half the project default to keep
/// `forge test` quick on two cores.
/// forge-config: default.invariant.runs = 32
contract MarketInvariantsFeeTokenTest is MarketInvariants {
    function _asset() internal override returns (address) {
        return address(new FeeOnTransferERC20(100));
    }
}

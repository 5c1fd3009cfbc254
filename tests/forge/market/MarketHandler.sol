// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Vm, VM_ADDRESS} from "../utils/Vm.sol";
import {LeaseMarket} from "../../../contracts/LeaseMarket.sol";
import {ILeaseMarket} from "../../../contracts/interfaces/ILeaseMarket.sol";
import {TenantRegistry} from "../../../contracts/TenantRegistry.sol";
import {TenantStatus, PoolStatus, Roles} from "../../../contracts/common/Types.sol";
import {MockERC20} from "../../../contracts/test/MockERC20.sol";

/// @notice Drives a LeaseMarket with random actions by random actors, and keeps ghost books: what
/// each lease was charged, paid to its provider and refunded, what entered and left the market, and
/// every time a call succeeded for an account that had no right to make it. The invariant tests read
/// these books; actions never assert (a handler revert is discarded), they count what they see.
contract MarketHandler {
    Vm internal constant vm = Vm(VM_ADDRESS);

    bytes32 internal constant GPU = bytes32("gpu.h100");
    bytes32 internal constant CPU = bytes32("cpu.x86");
    uint64 public constant QUOTA = 10; // every tenant's quota per class at set-up (admins change it)
    uint256 internal constant MAX_POOLS = 6;

    struct Ghost {
        uint64 tenantId;
        uint32 poolId;
        uint32 units;
        uint96 price;
        uint40 start;
        uint40 end;
        uint256 charged; // cost at open plus every extension
        uint256 toProvider; // settled by claims plus the provider's share at close
        uint256 refunded; // returned to free escrow at close
        uint96 maxPrice; // the lowest maximum price its opener or any extender accepted
        bool closed;
    }

    LeaseMarket public immutable market;
    TenantRegistry public immutable registry;
    address public immutable asset; // address(0): native ETH
    address public immutable admin;
    address public immutable stranger = address(0x5757);

    address[] public owners; // owners[i] owns tenants[i]
    address[] public operators; // operators[i] is an operator of tenants[i] until operatorExpiry[i]
    uint40[] public operatorExpiry;
    uint128[] public operatorAllowance; // as last set in the market
    uint256[] public operatorSpent; // reserved by the operator's opens and extends since those limits
    uint32 public constant OPERATOR_MAX_DURATION = 3 days;
    uint256 public providerEpoch; // fresh addresses for handovers
    mapping(uint64 tenantId => mapping(bytes32 class => uint64)) public quotaOf; // as last set
    uint64[] public tenants;
    address[] public providers;
    uint32[] public pools;
    mapping(uint32 poolId => bytes32) public poolClass;
    uint64[] public leases;
    mapping(uint64 leaseId => Ghost) internal _ghosts;

    uint256 public credited; // sum of the market's balance increases on deposits
    uint256 public paidOut; // sum of its balance decreases on withdrawals and claims
    uint256 public wrongCallerSuccesses; // calls that succeeded for an account without the right
    uint256 public mismatches; // observed effects that differ from the books (see each action)
    mapping(bytes4 selector => uint256) public successes;

    constructor(LeaseMarket market_, TenantRegistry registry_, address admin_) {
        market = market_;
        registry = registry_;
        asset = market_.asset();
        admin = admin_;
    }

    // ---------------------------------------------------------------------------- set-up (test)

    /// @dev Called by the test's setUp: a tenant with an operator and quotas in both classes.
    function addTenant(address owner, address operator) external {
        vm.prank(owner);
        uint64 tenantId = registry.register("ipfs://t", bytes32(0));
        uint40 expiry = uint40(block.timestamp + 3 days);
        vm.startPrank(owner);
        market.setOperatorLimits(tenantId, operator, 1e20, OPERATOR_MAX_DURATION);
        registry.grantOperator(tenantId, operator, expiry);
        vm.stopPrank();
        vm.startPrank(admin);
        registry.setQuota(tenantId, GPU, QUOTA);
        registry.setQuota(tenantId, CPU, QUOTA);
        vm.stopPrank();
        quotaOf[tenantId][GPU] = QUOTA;
        quotaOf[tenantId][CPU] = QUOTA;
        owners.push(owner);
        operators.push(operator);
        operatorExpiry.push(expiry);
        operatorAllowance.push(1e20);
        operatorSpent.push(0);
        tenants.push(tenantId);
    }

    /// @dev Called by the test's setUp: an account already granted PROVIDER_ROLE.
    function addProvider(address provider) external {
        providers.push(provider);
    }

    // ---------------------------------------------------------------------------------- actions

    function deposit(uint256 tenantSeed, uint256 actorSeed, uint256 amount) external {
        uint256 t = tenantSeed % tenants.length;
        address from = _anyone(actorSeed);
        amount = _bound(amount, 1, 1e24);
        _fund(from, amount);
        (uint128 freeBefore,) = market.account(tenants[t]);
        uint256 before = _held();
        vm.prank(from);
        try market.deposit{value: asset == address(0) ? amount : 0}(tenants[t], amount) {
            uint256 arrived = _held() - before;
            credited += arrived;
            (uint128 freeAfter,) = market.account(tenants[t]);
            if (freeAfter - freeBefore != arrived) ++mismatches;
            ++successes[market.deposit.selector];
        } catch {}
    }

    function withdraw(uint256 tenantSeed, uint256 callerSeed, uint256 amount) external {
        uint256 t = tenantSeed % tenants.length;
        address caller = callerSeed % 4 == 0 ? _anyone(callerSeed / 4) : owners[t];
        (uint128 free,) = market.account(tenants[t]);
        amount = _bound(amount, 1, uint256(free) + 1);
        uint256 before = _held();
        vm.prank(caller);
        try market.withdraw(tenants[t], amount, caller) {
            paidOut += before - _held();
            if (before - _held() != amount) ++mismatches;
            if (caller != owners[t]) ++wrongCallerSuccesses;
            ++successes[market.withdraw.selector];
        } catch {}
    }

    function createPool(uint256 providerSeed, bool gpu, uint32 capacity, uint96 price, uint32 minD, uint32 maxD)
        external
    {
        if (pools.length >= MAX_POOLS) return;
        address provider = providers[providerSeed % providers.length];
        capacity = uint32(_bound(capacity, 1, 100));
        price = uint96(_bound(price, 1, 1e12));
        minD = uint32(_bound(minD, 1, 1 days));
        maxD = uint32(_bound(maxD, minD, 30 days));
        bytes32 class = gpu ? GPU : CPU;
        vm.prank(provider);
        uint32 poolId = market.createPool(class, capacity, price, minD, maxD);
        pools.push(poolId);
        poolClass[poolId] = class;
        ++successes[market.createPool.selector];
    }

    function setPoolPrice(uint256 poolSeed, uint256 callerSeed, uint96 price) external {
        if (pools.length == 0) return;
        uint32 poolId = pools[poolSeed % pools.length];
        address caller = _poolCaller(poolId, callerSeed);
        vm.prank(caller);
        try market.setPoolPrice(poolId, uint96(_bound(price, 1, 1e12))) {
            if (caller != market.pool(poolId).provider) ++wrongCallerSuccesses;
            ++successes[market.setPoolPrice.selector];
        } catch {}
    }

    function setPoolCapacity(uint256 poolSeed, uint256 callerSeed, uint32 capacity) external {
        if (pools.length == 0) return;
        uint32 poolId = pools[poolSeed % pools.length];
        address caller = _poolCaller(poolId, callerSeed);
        vm.prank(caller);
        try market.setPoolCapacity(poolId, uint32(_bound(capacity, 1, 100))) {
            if (caller != market.pool(poolId).provider) ++wrongCallerSuccesses;
            ++successes[market.setPoolCapacity.selector];
        } catch {}
    }

    /// @dev The pool's provider, a platform admin or (rarely) a stranger pauses or unpauses a pool.
    function pauseOrUnpausePool(uint256 poolSeed, uint256 callerSeed, bool pause) external {
        if (pools.length == 0) return;
        uint32 poolId = pools[poolSeed % pools.length];
        address provider = market.pool(poolId).provider;
        address caller = [provider, provider, admin, stranger][callerSeed % 4];
        vm.prank(caller);
        if (pause) {
            try market.pausePool(poolId) {
                if (caller != provider && caller != admin) ++wrongCallerSuccesses;
            } catch {}
        } else {
            try market.unpausePool(poolId) {
                if (caller != admin && (caller != provider || !registry.hasRole(Roles.PROVIDER_ROLE, caller))) {
                    ++wrongCallerSuccesses;
                }
            } catch {}
        }
    }

    /// @dev An admin offboards a provider (revokes PROVIDER_ROLE) or onboards it again.
    function toggleProviderRole(uint256 providerSeed) external {
        address provider = providers[providerSeed % providers.length];
        bool has = registry.hasRole(Roles.PROVIDER_ROLE, provider);
        vm.prank(admin);
        if (has) registry.revokeRole(Roles.PROVIDER_ROLE, provider);
        else registry.grantRole(Roles.PROVIDER_ROLE, provider);
    }

    /// @dev A provider names a payout address (another provider's, a stranger's or none).
    function setPayoutAddress(uint256 providerSeed, uint256 payoutSeed) external {
        address provider = providers[providerSeed % providers.length];
        address payout = [address(0), stranger, address(0x7777)][payoutSeed % 3];
        vm.prank(provider);
        try market.setPayoutAddress(payout) {} catch {}
    }

    /// @dev A provider hands its pools to a fresh address (granted PROVIDER_ROLE), which accepts.
    function handOver(uint256 providerSeed) external {
        uint256 i = providerSeed % providers.length;
        address previous = providers[i];
        address next = address(uint160(0x9000 + ++providerEpoch));
        vm.prank(previous);
        try market.proposeProviderHandover(next) {}
        catch {
            return;
        }
        vm.prank(admin);
        registry.grantRole(Roles.PROVIDER_ROLE, next);
        vm.prank(next);
        market.acceptProviderHandover(previous);
        providers[i] = next;
        if (market.claimable(previous) != 0) ++mismatches;
    }

    function openLease(
        uint256 tenantSeed,
        uint256 callerSeed,
        uint256 poolSeed,
        uint32 units,
        uint32 duration,
        uint96 maxPrice
    ) external {
        if (pools.length == 0) return;
        uint256 t = tenantSeed % tenants.length;
        uint32 poolId = pools[poolSeed % pools.length];
        address caller = _tenantCaller(t, callerSeed);
        ILeaseMarket.Pool memory p = market.pool(poolId);
        units = uint32(_bound(units, 1, 6));
        duration = uint32(_bound(duration, p.minDuration, p.maxDuration));
        // A quote with a margin, sometimes below the price (a raise landed first).
        maxPrice = uint96(_bound(maxPrice, p.pricePerUnitSecond / 2, uint256(p.pricePerUnitSecond) * 2));
        uint256 activeBefore = market.activeUnits(tenants[t], poolClass[poolId]);
        vm.prank(caller);
        try market.openLease(tenants[t], poolId, units, duration, maxPrice) returns (uint64 leaseId) {
            if (!_authorized(t, caller)) ++wrongCallerSuccesses;
            if (!registry.hasRole(Roles.PROVIDER_ROLE, p.provider) || p.status != PoolStatus.Open) ++mismatches;
            // The quota as it stands when the lease opens (admins may lower it under running leases).
            if (activeBefore + units > quotaOf[tenants[t]][poolClass[poolId]]) ++mismatches;
            uint256 cost = uint256(units) * p.pricePerUnitSecond * duration;
            if (caller != owners[t]) {
                operatorSpent[t] += cost;
                if (duration > OPERATOR_MAX_DURATION) ++mismatches;
            }
            _ghosts[leaseId] = Ghost({
                tenantId: tenants[t],
                poolId: poolId,
                units: units,
                price: p.pricePerUnitSecond,
                start: uint40(block.timestamp),
                end: uint40(block.timestamp + duration),
                charged: cost,
                toProvider: 0,
                refunded: 0,
                maxPrice: maxPrice,
                closed: false
            });
            leases.push(leaseId);
            ++successes[market.openLease.selector];
        } catch {}
    }

    function extendLease(uint256 leaseSeed, uint256 callerSeed, uint32 additional, uint96 maxPrice) external {
        if (leases.length == 0) return;
        uint64 leaseId = leases[leaseSeed % leases.length];
        Ghost storage g = _ghosts[leaseId];
        uint256 t = _tenantIndex(g.tenantId);
        address caller = _tenantCaller(t, callerSeed);
        additional = uint32(_bound(additional, 1, 2 days));
        maxPrice = uint96(_bound(maxPrice, g.price / 2, uint256(g.price) * 2));
        vm.prank(caller);
        try market.extendLease(leaseId, additional, maxPrice) {
            if (!_authorized(t, caller)) ++wrongCallerSuccesses;
            g.end += additional;
            uint256 cost = uint256(g.units) * g.price * additional;
            g.charged += cost;
            if (maxPrice < g.maxPrice) g.maxPrice = maxPrice;
            if (caller != owners[t]) {
                operatorSpent[t] += cost;
                if (g.end - g.start > OPERATOR_MAX_DURATION) ++mismatches;
            }
            ++successes[market.extendLease.selector];
        } catch {}
    }

    function releaseLease(uint256 leaseSeed, uint256 callerSeed) external {
        if (leases.length == 0) return;
        uint64 leaseId = leases[leaseSeed % leases.length];
        uint256 t = _tenantIndex(_ghosts[leaseId].tenantId);
        address caller = _tenantCaller(t, callerSeed);
        vm.recordLogs();
        vm.prank(caller);
        try market.releaseLease(leaseId) {
            if (!_member(t, caller)) ++wrongCallerSuccesses;
            _applyLogs();
            ++successes[market.releaseLease.selector];
        } catch {}
    }

    function terminateLease(uint256 leaseSeed, uint256 callerSeed, uint32 code) external {
        if (leases.length == 0) return;
        uint64 leaseId = leases[leaseSeed % leases.length];
        address provider = market.pool(_ghosts[leaseId].poolId).provider;
        address caller = [provider, admin, providers[callerSeed % providers.length], stranger][callerSeed % 4];
        vm.recordLogs();
        vm.prank(caller);
        try market.terminateLease(leaseId, code) {
            if (caller != provider && caller != admin) ++wrongCallerSuccesses;
            _applyLogs();
            ++successes[market.terminateLease.selector];
        } catch {}
    }

    function reclaim(uint256 leaseSeed, uint256 count, uint256 callerSeed) external {
        if (leases.length == 0) return;
        count = _bound(count, 1, 5);
        uint64[] memory ids = new uint64[](count);
        for (uint256 i; i < count; ++i) {
            ids[i] = leases[(leaseSeed + i) % leases.length];
        }
        vm.recordLogs();
        vm.prank(_anyone(callerSeed));
        try market.reclaim(ids) {
            _applyLogs();
            ++successes[market.reclaim.selector];
        } catch {}
    }

    function claim(uint256 providerSeed, uint256 leaseSeed, uint256 count, uint256 callerSeed) external {
        address provider = providers[providerSeed % providers.length];
        uint64[] memory ids = _leasesOf(provider, leaseSeed, _bound(count, 0, 6));
        address payout = market.payoutAddress(provider);
        address caller = [provider, payout, stranger, address(0x7777)][callerSeed % 4];
        uint256 before = _held();
        vm.recordLogs();
        vm.prank(caller);
        try market.claim(provider, ids) returns (uint256 paid) {
            if (caller != provider && caller != payout) ++wrongCallerSuccesses;
            uint256 settled = _applyLogs();
            paidOut += before - _held();
            if (before - _held() != paid) ++mismatches;
            if (paid < settled) ++mismatches;
            ++successes[market.claim.selector];
        } catch {}
    }

    /// @dev An admin (sometimes someone else) sets a quota, lower or higher than the running units.
    function setQuota(uint256 tenantSeed, uint256 callerSeed, bool gpu, uint64 maxUnits) external {
        uint256 t = tenantSeed % tenants.length;
        bytes32 class = gpu ? GPU : CPU;
        maxUnits = uint64(_bound(maxUnits, 0, 2 * QUOTA));
        address caller = callerSeed % 5 == 0 ? _anyone(callerSeed / 5) : admin;
        vm.prank(caller);
        try registry.setQuota(tenants[t], class, maxUnits) {
            if (caller != admin) ++wrongCallerSuccesses;
            quotaOf[tenants[t]][class] = maxUnits;
        } catch {}
    }

    /// @dev An admin suspends or resumes a tenant: a Suspended tenant's accounts act for it no more.
    function suspendOrResume(uint256 tenantSeed, bool suspend) external {
        uint256 t = tenantSeed % tenants.length;
        vm.prank(admin);
        if (suspend) {
            try registry.suspend(tenants[t], 1) {} catch {}
        } else {
            try registry.resume(tenants[t], 0) {} catch {}
        }
    }

    /// @dev The owner sets its operator's limits in the market and renews (or shortens) its grant in the
    /// registry; time moving past it expires it.
    function regrantOperator(uint256 tenantSeed, uint256 seconds_) external {
        uint256 t = tenantSeed % tenants.length;
        uint40 expiry = uint40(block.timestamp + _bound(seconds_, 1, 3 days));
        uint128 allowance = uint128(_bound(seconds_, 0, 1e20));
        vm.prank(owners[t]);
        try market.setOperatorLimits(tenants[t], operators[t], allowance, OPERATOR_MAX_DURATION) {
            operatorAllowance[t] = allowance;
            operatorSpent[t] = 0;
        } catch {}
        vm.prank(owners[t]);
        try registry.grantOperator(tenants[t], operators[t], expiry) {
            operatorExpiry[t] = expiry;
        } catch {}
    }

    function closeTenant(uint256 tenantSeed) external {
        if (tenantSeed % 8 != 0) return; // rare: a closed tenant takes no part in the rest of the run
        uint256 t = (tenantSeed / 8) % tenants.length;
        if (t == 0) return; // keep one tenant alive for the rest of the run
        vm.prank(owners[t]);
        try registry.close(tenants[t]) {} catch {}
    }

    function warp(uint256 seconds_) external {
        vm.warp(block.timestamp + _bound(seconds_, 1, 1 days));
    }

    // ------------------------------------------------------------------------------------- reads

    function ghost(uint64 leaseId) external view returns (Ghost memory) {
        return _ghosts[leaseId];
    }

    function leaseCount() external view returns (uint256) {
        return leases.length;
    }

    function poolCount() external view returns (uint256) {
        return pools.length;
    }

    function tenantCount() external view returns (uint256) {
        return tenants.length;
    }

    function providerCount() external view returns (uint256) {
        return providers.length;
    }

    // --------------------------------------------------------------------------------- internals

    /// @dev Books the LeaseSettled and LeaseClosed events of the last call; returns the settled sum.
    function _applyLogs() internal returns (uint256 settled) {
        Vm.Log[] memory logs = vm.getRecordedLogs();
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].emitter != address(market)) continue;
            bytes32 topic = logs[i].topics[0];
            uint64 leaseId = uint64(uint256(logs[i].topics[1]));
            if (topic == ILeaseMarket.LeaseSettled.selector) {
                (uint128 amount,,) = abi.decode(logs[i].data, (uint128, uint40, uint64));
                _ghosts[leaseId].toProvider += amount;
                settled += amount;
            } else if (topic == ILeaseMarket.LeaseClosed.selector) {
                (,, uint128 toProvider, uint128 refunded,,) =
                    abi.decode(logs[i].data, (uint8, uint32, uint128, uint128, address, uint64));
                Ghost storage g = _ghosts[leaseId];
                if (g.closed) ++mismatches; // a lease closes once
                g.toProvider += toProvider;
                g.refunded += refunded;
                g.closed = true;
            }
        }
    }

    function _leasesOf(address provider, uint256 seed, uint256 count) internal view returns (uint64[] memory ids) {
        uint64[] memory found = new uint64[](count);
        uint256 n;
        for (uint256 i; i < leases.length && n < count; ++i) {
            uint64 leaseId = leases[(seed + i) % leases.length];
            if (market.pool(_ghosts[leaseId].poolId).provider == provider) found[n++] = leaseId;
        }
        ids = new uint64[](n);
        for (uint256 i; i < n; ++i) {
            ids[i] = found[i];
        }
    }

    /// @dev The handler's own model of `isAuthorized`: Active, and the owner or an unexpired operator.
    function _authorized(uint256 t, address caller) internal view returns (bool) {
        if (registry.tenant(tenants[t]).status != TenantStatus.Active) return false;
        return caller == owners[t] || (caller == operators[t] && block.timestamp < operatorExpiry[t]);
    }

    /// @dev Who may release: the owner or an unexpired operator of an Active or Suspended tenant.
    function _member(uint256 t, address caller) internal view returns (bool) {
        TenantStatus status = registry.tenant(tenants[t]).status;
        if (status != TenantStatus.Active && status != TenantStatus.Suspended) return false;
        return caller == owners[t] || (caller == operators[t] && block.timestamp < operatorExpiry[t]);
    }

    function _tenantIndex(uint64 tenantId) internal view returns (uint256) {
        for (uint256 i; i < tenants.length; ++i) {
            if (tenants[i] == tenantId) return i;
        }
        revert("unknown tenant");
    }

    /// @dev The tenant's owner or operator most of the time, sometimes someone without the right.
    function _tenantCaller(uint256 t, uint256 seed) internal view returns (address) {
        uint256 pick = seed % 6;
        if (pick < 3) return owners[t];
        if (pick < 5) return operators[t];
        return [stranger, owners[(t + 1) % owners.length], providers[0]][(seed / 6) % 3];
    }

    function _poolCaller(uint32 poolId, uint256 seed) internal view returns (address) {
        return seed % 4 == 0 ? _anyone(seed / 4) : market.pool(poolId).provider;
    }

    function _anyone(uint256 seed) internal view returns (address) {
        uint256 n = owners.length + providers.length + 1;
        uint256 i = seed % n;
        if (i < owners.length) return owners[i];
        if (i < owners.length + providers.length) return providers[i - owners.length];
        return stranger;
    }

    function _fund(address who, uint256 amount) internal {
        if (asset == address(0)) {
            vm.deal(who, who.balance + amount);
        } else {
            MockERC20(asset).mint(who, amount);
            vm.prank(who);
            MockERC20(asset).approve(address(market), amount);
        }
    }

    function _held() internal view returns (uint256) {
        return asset == address(0) ? address(market).balance : MockERC20(asset).balanceOf(address(market));
    }

    function _bound(uint256 x, uint256 min, uint256 max) internal pure returns (uint256) {
        return min + x % (max - min + 1);
    }
}

// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {ILeaseMarket} from "./interfaces/ILeaseMarket.sol";
import {ITenantRegistry} from "./interfaces/ITenantRegistry.sol";
import {PoolStatus, LeaseStatus, CloseReason, TenantStatus, Roles, Limits} from "./common/Types.sol";
import {Journal} from "./common/Journal.sol";

/// @dev A lease packed in one storage slot. Fields from the least significant bit: tenantId 64 |
/// poolId 32 | units 32 | start 40 | length 32 (end - start) | paid 32 (paidUntil - start) |
/// priceVersion 16 | closeReason 8 (256 bits). The lease refers to its pool's price by version
/// (`LeaseMarket._prices`) rather than holding the 96-bit price, which is what makes one slot enough.
/// Status is derived: None while the slot is zero (start is never 0), Closed once closeReason is set,
/// else Active.
type LeaseSlot is uint256;

/// @dev A tenant's escrow in one slot: free (low 128 bits) | reserved (high 128 bits).
type AccountSlot is uint256;

using LeaseSlots for LeaseSlot global;
using AccountSlots for AccountSlot global;

/// @dev Field access for `LeaseSlot`: shifts and truncations only.
library LeaseSlots {
    /// @dev A new, open lease that has settled nothing (paid 0, closeReason None).
    function pack(uint64 tenantId_, uint32 poolId_, uint32 units_, uint40 start_, uint32 length_, uint16 priceVersion_)
        internal
        pure
        returns (LeaseSlot)
    {
        return LeaseSlot.wrap(
            uint256(tenantId_) | uint256(poolId_) << 64 | uint256(units_) << 96 | uint256(start_) << 128
                | uint256(length_) << 168 | uint256(priceVersion_) << 232
        );
    }

    function tenantId(LeaseSlot s) internal pure returns (uint64) {
        return uint64(LeaseSlot.unwrap(s));
    }

    function poolId(LeaseSlot s) internal pure returns (uint32) {
        return uint32(LeaseSlot.unwrap(s) >> 64);
    }

    function units(LeaseSlot s) internal pure returns (uint32) {
        return uint32(LeaseSlot.unwrap(s) >> 96);
    }

    function start(LeaseSlot s) internal pure returns (uint40) {
        return uint40(LeaseSlot.unwrap(s) >> 128);
    }

    function length(LeaseSlot s) internal pure returns (uint32) {
        return uint32(LeaseSlot.unwrap(s) >> 168);
    }

    function paid(LeaseSlot s) internal pure returns (uint32) {
        return uint32(LeaseSlot.unwrap(s) >> 200);
    }

    function priceVersion(LeaseSlot s) internal pure returns (uint16) {
        return uint16(LeaseSlot.unwrap(s) >> 232);
    }

    function closeReason(LeaseSlot s) internal pure returns (CloseReason) {
        return CloseReason(uint8(LeaseSlot.unwrap(s) >> 248));
    }

    function exists(LeaseSlot s) internal pure returns (bool) {
        return LeaseSlot.unwrap(s) != 0;
    }

    function isClosed(LeaseSlot s) internal pure returns (bool) {
        return LeaseSlot.unwrap(s) >> 248 != 0;
    }

    /// @dev start + length. Cannot overflow: start < 2^40 - 2^33 for thousands of years.
    function end(LeaseSlot s) internal pure returns (uint40) {
        unchecked {
            return s.start() + s.length();
        }
    }

    function withLength(LeaseSlot s, uint32 length_) internal pure returns (LeaseSlot) {
        return LeaseSlot.wrap(LeaseSlot.unwrap(s) & ~(uint256(type(uint32).max) << 168) | uint256(length_) << 168);
    }

    function withPaid(LeaseSlot s, uint32 paid_) internal pure returns (LeaseSlot) {
        return LeaseSlot.wrap(LeaseSlot.unwrap(s) & ~(uint256(type(uint32).max) << 200) | uint256(paid_) << 200);
    }

    /// @dev Only an open lease (closeReason None) is ever closed, so the field is zero before.
    function withCloseReason(LeaseSlot s, CloseReason reason) internal pure returns (LeaseSlot) {
        return LeaseSlot.wrap(LeaseSlot.unwrap(s) | uint256(uint8(reason)) << 248);
    }
}

/// @dev Field access for `AccountSlot`.
library AccountSlots {
    function pack(uint128 free_, uint128 reserved_) internal pure returns (AccountSlot) {
        return AccountSlot.wrap(uint256(free_) | uint256(reserved_) << 128);
    }

    function free(AccountSlot s) internal pure returns (uint128) {
        return uint128(AccountSlot.unwrap(s));
    }

    function reserved(AccountSlot s) internal pure returns (uint128) {
        return uint128(AccountSlot.unwrap(s) >> 128);
    }
}

/// @title LeaseMarket
/// @notice Tenant escrow, providers' capacity pools and prepaid leases with linear provider accrual.
/// See `ILeaseMarket` for the behaviour, the invariants and the reclaim mechanism.
/// @dev The asset moves only in `deposit` (in), `withdraw` and `claim` (out): those three are
/// `nonReentrant`, and the two that pay out write the books before they send (checks-effects-
/// interactions). Every other function that moves book balances calls only the registry and is
/// `notEntered`: it cannot run inside a token's or receiver's callback either.
///
/// Journal entries are built as `abi.encode(topic0, indexed fields..., other fields...)`: every field
/// is a static type, and the ABI encoding of static values is their 32-byte words in order, which is
/// exactly the `topic0 ‖ topics ‖ data` that `Journal` hashes (the bytes TenantRegistry builds with
/// `abi.encodePacked(selector, topics, abi.encode(data))`), one memory copy cheaper (~200 gas per
/// event, measured on `claim`). `test_market_journal.py` replays every event kind in Python.
///
/// Storage is laid out for the lease paths. Slots each touches besides the journal's and the
/// registry's: openLease 6 (pool terms, price, pool class, active units, account, the new lease),
/// extendLease 3 (lease, price, account), each one more when an operator opens or extends (its
/// limits), releaseLease 6 (lease, price, pool terms, active units, account, provider's
/// claimable), claim 2 per lease of another tenant in an already-read pool
/// (lease, account). Resource classes and providers are interned into 32-bit ids kept in the pool's
/// terms slot, so closing a lease reads neither the class nor the provider address.
contract LeaseMarket is ILeaseMarket, Journal, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /// @notice Most lease ids one `reclaim` or `claim` call processes.
    uint256 public constant MAX_BATCH = 100;

    /// @notice Most price changes of one pool (its price versions are 16-bit).
    uint256 public constant MAX_PRICE_CHANGES = type(uint16).max;

    /// @dev A pool's fields that the lease paths read and write, in one slot: capacity 32 | allocated 32 |
    /// minDuration 32 | maxDuration 32 | status 8 | priceVersion 16 | classId 32 | providerId 32 |
    /// adminPaused 8 (224 bits). The price of version v is `_prices[poolId][v]`; the provider's address
    /// is `_providers[providerId]`, so a handover moves every pool by one write.
    struct PoolTerms {
        uint32 capacity;
        uint32 allocated;
        uint32 minDuration;
        uint32 maxDuration;
        PoolStatus status;
        uint16 priceVersion;
        uint32 classId;
        uint32 providerId;
        bool adminPaused;
    }

    /// @dev A pool in storage: slot 0 the terms, slot 1 the resource class (read when a lease opens, to
    /// ask the registry the quota).
    struct StoredPool {
        PoolTerms terms;
        bytes32 resourceClass;
    }

    /// @dev What `claim` remembers between the leases of a batch: the caller's provider id, the last pool
    /// found to be the caller's (0: none yet; pool ids start at 1) and the last price read from it
    /// (0: none; prices are never 0).
    struct ClaimCursor {
        uint32 providerId;
        uint32 poolId;
        uint16 priceVersion;
        uint96 price;
    }

    ITenantRegistry private immutable _registry;
    IERC20 private immutable _asset;

    mapping(uint64 leaseId => LeaseSlot) private _leases;
    mapping(uint32 poolId => StoredPool) private _pools;
    mapping(uint32 poolId => mapping(uint16 priceVersion => uint96 pricePerUnitSecond)) private _prices;
    /// @dev Deposits keep free + reserved below 2^128, and every other path moves amounts between the
    /// two or out of reserved, so neither field can overflow.
    mapping(uint64 tenantId => AccountSlot) private _accounts;
    mapping(uint64 tenantId => mapping(uint32 classId => uint64 units)) private _activeUnits;
    mapping(uint32 providerId => uint256 amount) private _claimable;
    mapping(bytes32 resourceClass => uint32 classId) private _classIds;
    mapping(address provider => uint32 providerId) private _providerIds;
    /// @dev The address that runs a provider id's pools (and owns its claimable): never zero once interned.
    mapping(uint32 providerId => address provider) private _providers;
    /// @dev Where a provider id's earnings are paid (zero: to the provider).
    mapping(uint32 providerId => address payout) private _payouts;
    /// @dev The address a provider id's pools are proposed to (zero: none).
    mapping(uint32 providerId => address newProvider) private _pendingProviders;
    /// @dev An operator's limits, one slot: allowance 128 | maxDuration 32 | epoch 32 | set 1 (bit 192).
    /// They apply while `epoch` is the tenant's `operatorEpoch` in the registry (its owner's generation
    /// of grants, see `_limitsApply`); the set bit keeps the slot non-zero once written, so spending
    /// never writes a zero slot (20,000 gas). Packed by hand: a struct's memory copy cost EIP-170 bytes.
    mapping(uint64 tenantId => mapping(address operator => uint256 limits)) private _operatorLimits;
    /// @dev poolCount 32 | classCount 32 | providerCount 32: one slot, written by `createPool`.
    uint32 private _poolCount;
    uint32 private _classCount;
    uint32 private _providerCount;

    /// @param registry_ The tenant registry (authorization, quotas, roles)
    /// @param asset_ The payment asset: address(0) for native ETH, else an ERC-20
    constructor(address registry_, address asset_) {
        if (registry_ == address(0)) revert MarketZeroAddress();
        if (registry_.code.length == 0) revert MarketNotAContract(registry_);
        if (asset_ != address(0) && asset_.code.length == 0) revert MarketNotAContract(asset_);
        _registry = ITenantRegistry(registry_);
        _asset = IERC20(asset_);
    }

    /// @dev For functions that move book balances but call nothing untrusted: refuse to run inside a
    /// `nonReentrant` call (a token's or receiver's callback) without paying to set the flag.
    modifier notEntered() {
        _checkNotEntered();
        _;
    }

    /// @dev Out of the modifier so its five uses share one copy (code size: EIP-170).
    function _checkNotEntered() private view {
        if (_reentrancyGuardEntered()) revert ReentrancyGuardReentrantCall();
    }

    // -------------------------------------------------------------------------------- escrow

    /// @inheritdoc ILeaseMarket
    function deposit(uint64 tenantId, uint256 amount) external payable nonReentrant {
        if (amount == 0) revert MarketZeroAmount();
        TenantStatus status = _tenant(tenantId).status;
        if (status == TenantStatus.None) revert MarketUnknownTenant(tenantId);
        if (status == TenantStatus.Closed) revert MarketTenantClosed(tenantId);

        uint256 credited = amount;
        if (address(_asset) == address(0)) {
            if (msg.value != amount) revert MarketValueMismatch(amount, msg.value);
        } else {
            if (msg.value != 0) revert MarketUnexpectedValue(msg.value);
            // Credit what arrived, so a token that takes a fee cannot make the books exceed the balance.
            // The guard keeps the token from re-entering a value-moving function between the two reads.
            uint256 before = _asset.balanceOf(address(this));
            _asset.safeTransferFrom(msg.sender, address(this), amount);
            credited = _asset.balanceOf(address(this)) - before;
            if (credited == 0) revert MarketZeroAmount();
        }

        AccountSlot acct = _accounts[tenantId];
        if (credited > type(uint128).max - uint256(acct.free()) - acct.reserved()) {
            revert MarketAmountOverflow(credited);
        }
        // Cannot overflow: checked just above.
        unchecked {
            _accounts[tenantId] = AccountSlots.pack(acct.free() + uint128(credited), acct.reserved());
        }

        (uint256 word, uint64 seq) = _journalNext();
        _log(word, seq, abi.encode(Deposited.selector, tenantId, msg.sender, credited, seq), 3);
    }

    /// @inheritdoc ILeaseMarket
    function withdraw(uint64 tenantId, uint256 amount, address to) external nonReentrant {
        if (amount == 0) revert MarketZeroAmount();
        if (to == address(0)) revert MarketZeroAddress();
        if (to == address(this)) revert MarketInvalidRecipient(to);
        address owner = _tenant(tenantId).owner;
        if (owner == address(0)) revert MarketUnknownTenant(tenantId);
        if (owner != msg.sender) revert MarketNotTenantOwner(tenantId, msg.sender);
        AccountSlot acct = _accounts[tenantId];
        if (amount > acct.free()) revert MarketInsufficientEscrow(tenantId, amount, acct.free());
        // Cannot underflow: amount <= free was checked just above.
        unchecked {
            _accounts[tenantId] = AccountSlots.pack(acct.free() - uint128(amount), acct.reserved());
        }

        (uint256 word, uint64 seq) = _journalNext();
        _log(word, seq, abi.encode(Withdrawn.selector, tenantId, to, amount, seq), 3);
        _send(to, amount);
    }

    // --------------------------------------------------------------------------------- pools

    /// @inheritdoc ILeaseMarket
    function createPool(
        bytes32 resourceClass,
        uint32 capacity,
        uint96 pricePerUnitSecond,
        uint32 minDuration,
        uint32 maxDuration
    ) external returns (uint32 poolId) {
        _checkProviderRole();
        if (resourceClass == bytes32(0)) revert PoolZeroResourceClass();
        if (capacity == 0) revert PoolZeroCapacity();
        if (pricePerUnitSecond == 0) revert PoolZeroPrice();
        if (minDuration == 0 || minDuration > maxDuration) revert PoolInvalidDurations(minDuration, maxDuration);

        // Checked increments: 2^32 pools, classes or providers would cost more gas than exists.
        uint32 classId = _classIds[resourceClass];
        if (classId == 0) {
            classId = ++_classCount;
            _classIds[resourceClass] = classId;
        }
        uint32 providerId = _providerIds[msg.sender];
        if (providerId == 0) {
            providerId = ++_providerCount;
            _providerIds[msg.sender] = providerId;
            _providers[providerId] = msg.sender;
        }
        poolId = ++_poolCount;
        _pools[poolId] = StoredPool({
            terms: PoolTerms({
                capacity: capacity,
                allocated: 0,
                minDuration: minDuration,
                maxDuration: maxDuration,
                status: PoolStatus.Open,
                priceVersion: 0,
                classId: classId,
                providerId: providerId,
                adminPaused: false
            }),
            resourceClass: resourceClass
        });
        _prices[poolId][0] = pricePerUnitSecond;

        (uint256 word, uint64 seq) = _journalNext();
        _log(
            word,
            seq,
            abi.encode(
                PoolCreated.selector,
                poolId,
                msg.sender,
                resourceClass,
                capacity,
                pricePerUnitSecond,
                minDuration,
                maxDuration,
                seq
            ),
            4
        );
    }

    /// @inheritdoc ILeaseMarket
    function setPoolCapacity(uint32 poolId, uint32 capacity) external {
        PoolTerms memory terms = _providerPool(poolId);
        if (terms.status == PoolStatus.Retired) revert PoolInvalidStatus(poolId, terms.status);
        if (capacity == 0) revert PoolZeroCapacity();
        if (capacity < terms.allocated) revert PoolCapacityBelowAllocated(poolId, capacity, terms.allocated);
        _pools[poolId].terms.capacity = capacity;

        (uint256 word, uint64 seq) = _journalNext();
        _log(word, seq, abi.encode(PoolCapacityChanged.selector, poolId, capacity, seq), 2);
    }

    /// @inheritdoc ILeaseMarket
    function setPoolPrice(uint32 poolId, uint96 pricePerUnitSecond) external {
        PoolTerms memory terms = _providerPool(poolId);
        if (terms.status == PoolStatus.Retired) revert PoolInvalidStatus(poolId, terms.status);
        if (pricePerUnitSecond == 0) revert PoolZeroPrice();
        if (terms.priceVersion == MAX_PRICE_CHANGES) revert PoolPriceChangeLimit(poolId, MAX_PRICE_CHANGES);
        uint16 version;
        // Cannot overflow: checked against the uint16 maximum just above.
        unchecked {
            version = terms.priceVersion + 1;
        }
        _pools[poolId].terms.priceVersion = version;
        _prices[poolId][version] = pricePerUnitSecond;

        (uint256 word, uint64 seq) = _journalNext();
        _log(word, seq, abi.encode(PoolPriceChanged.selector, poolId, pricePerUnitSecond, seq), 2);
    }

    /// @inheritdoc ILeaseMarket
    function pausePool(uint32 poolId) external {
        (PoolTerms memory terms, bool byAdmin) = _managedPool(poolId);
        if (terms.status != PoolStatus.Open) revert PoolInvalidStatus(poolId, terms.status);
        _setPoolStatus(poolId, PoolStatus.Paused, byAdmin);
    }

    /// @inheritdoc ILeaseMarket
    function unpausePool(uint32 poolId) external {
        (PoolTerms memory terms, bool byAdmin) = _managedPool(poolId);
        if (terms.status != PoolStatus.Paused) revert PoolInvalidStatus(poolId, terms.status);
        if (!byAdmin) {
            if (terms.adminPaused) revert PoolPausedByAdmin(poolId);
            _checkProviderRole();
        }
        _setPoolStatus(poolId, PoolStatus.Open, byAdmin);
    }

    /// @inheritdoc ILeaseMarket
    function retirePool(uint32 poolId) external {
        (PoolTerms memory terms, bool byAdmin) = _managedPool(poolId);
        if (terms.status == PoolStatus.Retired) revert PoolInvalidStatus(poolId, terms.status);
        _setPoolStatus(poolId, PoolStatus.Retired, byAdmin);
    }

    // ----------------------------------------------------------------------------- providers

    /// @inheritdoc ILeaseMarket
    function setPayoutAddress(address payout) external {
        if (payout == address(this)) revert MarketInvalidRecipient(payout);
        uint32 providerId = _callerProviderId();
        _payouts[providerId] = payout;

        (uint256 word, uint64 seq) = _journalNext();
        _log(word, seq, abi.encode(PayoutAddressSet.selector, msg.sender, payout, seq), 3);
    }

    /// @inheritdoc ILeaseMarket
    function proposeProviderHandover(address newProvider) external {
        uint32 providerId = _callerProviderId();
        _pendingProviders[providerId] = newProvider;

        (uint256 word, uint64 seq) = _journalNext();
        _log(word, seq, abi.encode(ProviderHandoverProposed.selector, msg.sender, newProvider, seq), 3);
    }

    /// @inheritdoc ILeaseMarket
    function acceptProviderHandover(address previousProvider) external {
        uint32 providerId = _providerIds[previousProvider];
        if (providerId == 0 || _pendingProviders[providerId] != msg.sender) {
            revert MarketNotPendingProvider(previousProvider, msg.sender);
        }
        _checkProviderRole();
        if (_providerIds[msg.sender] != 0) revert MarketProviderExists(msg.sender);
        // The id, and with it every pool's terms and the claimable balance, moves to the new address.
        _providerIds[msg.sender] = providerId;
        delete _providerIds[previousProvider];
        _providers[providerId] = msg.sender;
        delete _pendingProviders[providerId];
        delete _payouts[providerId];

        (uint256 word, uint64 seq) = _journalNext();
        _log(word, seq, abi.encode(ProviderHandedOver.selector, previousProvider, msg.sender, seq), 3);
    }

    // ----------------------------------------------------------------------------- operators

    /// @inheritdoc ILeaseMarket
    function setOperatorLimits(uint64 tenantId, address operator, uint128 allowance, uint32 maxDuration) external {
        (uint256 status,, bool owner, uint32 epoch) = _membership(tenantId, msg.sender);
        if (!owner) {
            if (status == uint256(TenantStatus.None)) revert MarketUnknownTenant(tenantId);
            revert MarketNotTenantOwner(tenantId, msg.sender);
        }
        if (status == uint256(TenantStatus.Closed)) revert MarketTenantClosed(tenantId);
        if (operator == address(0) || operator == msg.sender) revert MarketInvalidOperator(operator);
        _operatorLimits[tenantId][operator] =
            uint256(allowance) | uint256(maxDuration) << 128 | uint256(epoch) << 160 | 1 << 192;

        (uint256 word, uint64 seq) = _journalNext();
        _log(word, seq, abi.encode(OperatorLimitsSet.selector, tenantId, operator, allowance, maxDuration, seq), 3);
    }

    // -------------------------------------------------------------------------------- leases

    /// @inheritdoc ILeaseMarket
    function openLease(uint64 tenantId, uint32 poolId, uint32 units, uint32 duration, uint96 maxPricePerUnitSecond)
        external
        notEntered
        returns (uint64 leaseId)
    {
        if (units == 0) revert LeaseZeroUnits();
        if (duration == 0) revert LeaseZeroDuration();
        StoredPool storage stored = _pools[poolId];
        PoolTerms memory terms = stored.terms;
        _checkTerms(poolId, terms, units, duration);
        uint96 price = _prices[poolId][terms.priceVersion];
        if (price > maxPricePerUnitSecond) revert LeasePriceAboveMax(poolId, price, maxPricePerUnitSecond);
        // 32 + 96 + 32 bits: the product fits in 160 bits, so uint256 cannot overflow.
        uint256 cost = uint256(units) * price * duration;
        if (cost > type(uint128).max) revert LeaseCostOverflow(units, price, duration);

        uint256 limitKey = _authorizeOpen(tenantId, poolId, stored.resourceClass, terms, units);
        _reserve(tenantId, uint128(cost));
        // Cannot overflow: `_checkTerms` checked units <= capacity - allocated.
        unchecked {
            stored.terms.allocated = terms.allocated + units;
        }

        leaseId = _nextSeq();
        LeaseSlot l = LeaseSlots.pack(tenantId, poolId, units, uint40(block.timestamp), duration, terms.priceVersion);
        _leases[leaseId] = l;
        _journalOpen(leaseId, l, price, uint128(cost));
        // Cannot underflow: an operator's key is its epoch + 1.
        unchecked {
            if (limitKey != 0) _checkLimits(tenantId, uint32(limitKey - 1), duration, uint128(cost));
        }
    }

    /// @inheritdoc ILeaseMarket
    function extendLease(uint64 leaseId, uint32 additional, uint96 maxPricePerUnitSecond) external notEntered {
        if (additional == 0) revert LeaseZeroDuration();
        LeaseSlot l = _runningLease(leaseId);
        uint64 tenantId = l.tenantId();
        (uint256 status, bool member, bool owner, uint32 epoch) = _membership(tenantId, msg.sender);
        if (!member || status != uint256(TenantStatus.Active)) revert MarketUnauthorized(tenantId, msg.sender);

        (uint256 cost, uint256 length) = _extension(l, additional, maxPricePerUnitSecond);
        _reserve(tenantId, uint128(cost));
        l = l.withLength(uint32(length));
        _leases[leaseId] = l;

        _journalExtended(leaseId, l.end(), uint128(cost));
        if (!owner) _checkLimits(tenantId, epoch, length, uint128(cost));
    }

    /// @dev `registry.membership(tenantId, who)`, encoded and decoded by hand in unclaimed memory:
    /// the compiler's call and its checked decoding of four values cost 374 gas more per extension,
    /// which put `extendLease` over its 50,000 budget (measured on Anvil, bench/gas.py), and one copy
    /// serves its four callers (code size: EIP-170). The registry is this deployment's own; a failed
    /// call bubbles its revert, and each value is masked to its type.
    function _membership(uint64 tenantId, address who)
        private
        view
        returns (uint256 status, bool member, bool owner, uint32 epoch)
    {
        address target = address(_registry);
        bytes4 selector = ITenantRegistry.membership.selector;
        uint256 tenantWord = tenantId; // widened in Solidity: high bits cleared
        assembly ("memory-safe") {
            let ptr := mload(0x40) // free memory, not claimed: nothing else is allocated meanwhile
            mstore(ptr, selector)
            mstore(add(ptr, 0x04), tenantWord)
            mstore(add(ptr, 0x24), who)
            let ok := staticcall(gas(), target, ptr, 0x44, ptr, 0x80)
            if iszero(and(ok, gt(returndatasize(), 0x7f))) {
                returndatacopy(ptr, 0, returndatasize())
                revert(ptr, returndatasize())
            }
            status := and(mload(ptr), 0xff)
            member := iszero(iszero(mload(add(ptr, 0x20))))
            owner := iszero(iszero(mload(add(ptr, 0x40))))
            epoch := and(mload(add(ptr, 0x60)), 0xffffffff)
        }
    }

    /// @dev Journals and emits `LeaseExtended` (out of `extendLease`, whose stack is full).
    function _journalExtended(uint64 leaseId, uint40 end, uint128 cost) private {
        (uint256 word, uint64 seq) = _journalNext();
        _log(word, seq, abi.encode(LeaseExtended.selector, leaseId, end, cost, seq), 2);
    }

    /// @dev An extension's cost and the lease's new length, after checking the locked price is within
    /// the caller's maximum. The pool's terms are not read: see `ILeaseMarket.extendLease`.
    function _extension(LeaseSlot l, uint32 additional, uint96 maxPricePerUnitSecond)
        private
        view
        returns (uint256 cost, uint256 length)
    {
        uint32 poolId = l.poolId();
        uint96 price = _prices[poolId][l.priceVersion()];
        if (price > maxPricePerUnitSecond) revert LeasePriceAboveMax(poolId, price, maxPricePerUnitSecond);
        // 32 + 96 + 32 bits: cannot overflow uint256.
        cost = uint256(l.units()) * price * additional;
        length = uint256(l.length()) + additional;
        if (cost > type(uint128).max || length > type(uint32).max) {
            revert LeaseCostOverflow(l.units(), price, additional);
        }
    }

    /// @inheritdoc ILeaseMarket
    function releaseLease(uint64 leaseId) external notEntered {
        LeaseSlot l = _runningLease(leaseId);
        uint64 tenantId = l.tenantId();
        (uint256 status, bool member,,) = _membership(tenantId, msg.sender);
        // Suspension stops new commitments, not the tenant's way to stop paying.
        if (!member || (status != uint256(TenantStatus.Active) && status != uint256(TenantStatus.Suspended))) {
            revert MarketUnauthorized(tenantId, msg.sender);
        }
        _closeLease(leaseId, l, CloseReason.ReleasedByTenant, 0);
    }

    /// @inheritdoc ILeaseMarket
    function reclaim(uint64[] calldata leaseIds) external notEntered {
        uint256 n = leaseIds.length;
        if (n > MAX_BATCH) revert MarketBatchTooLarge(n, MAX_BATCH);
        for (uint256 i; i < n; ++i) {
            uint64 leaseId = leaseIds[i];
            LeaseSlot l = _leases[leaseId];
            if (!l.exists()) revert LeaseUnknown(leaseId);
            if (l.isClosed()) continue; // already closed, perhaps by a concurrent call: nothing to do
            CloseReason reason = CloseReason.Expired;
            if (block.timestamp < l.end()) {
                if (_tenant(l.tenantId()).status != TenantStatus.Closed) {
                    revert LeaseNotReclaimable(leaseId, l.end());
                }
                reason = CloseReason.TenantClosed;
            }
            _closeLease(leaseId, l, reason, 0);
        }
    }

    /// @inheritdoc ILeaseMarket
    function terminateLease(uint64 leaseId, uint32 reasonCode) external notEntered {
        LeaseSlot l = _runningLease(leaseId);
        CloseReason reason = CloseReason.TerminatedByProvider;
        if (_providers[_pools[l.poolId()].terms.providerId] != msg.sender) {
            if (!_hasRole(Roles.ADMIN_ROLE)) {
                revert LeaseNotTerminator(leaseId, msg.sender);
            }
            reason = CloseReason.TerminatedByAdmin;
        }
        _closeLease(leaseId, l, reason, reasonCode);
    }

    /// @inheritdoc ILeaseMarket
    function claim(address provider, uint64[] calldata leaseIds) external nonReentrant returns (uint256 paid) {
        uint256 n = leaseIds.length;
        if (n > MAX_BATCH) revert MarketBatchTooLarge(n, MAX_BATCH);
        uint32 providerId = _providerIds[provider];
        address to = _payouts[providerId];
        if (to == address(0)) to = provider;
        if (msg.sender != provider && msg.sender != to) revert MarketNotPayee(provider, msg.sender);
        ClaimCursor memory cursor = ClaimCursor({providerId: providerId, poolId: 0, priceVersion: 0, price: 0});
        for (uint256 i; i < n; ++i) {
            paid += _settle(leaseIds[i], provider, cursor);
        }
        paid += _claimable[providerId];
        if (paid == 0) return 0;
        _claimable[providerId] = 0;

        (uint256 word, uint64 seq) = _journalNext();
        _log(word, seq, abi.encode(EarningsClaimed.selector, provider, to, paid, seq), 3);
        _send(to, paid);
    }

    // --------------------------------------------------------------------------------- views

    /// @inheritdoc ILeaseMarket
    function asset() external view returns (address) {
        return address(_asset);
    }

    /// @inheritdoc ILeaseMarket
    function registry() external view returns (address) {
        return address(_registry);
    }

    /// @inheritdoc ILeaseMarket
    function poolCount() external view returns (uint32) {
        return _poolCount;
    }

    /// @inheritdoc ILeaseMarket
    function pool(uint32 poolId) external view returns (Pool memory) {
        StoredPool storage stored = _pools[poolId];
        PoolTerms memory terms = stored.terms;
        return Pool({
            capacity: terms.capacity,
            allocated: terms.allocated,
            pricePerUnitSecond: _prices[poolId][terms.priceVersion],
            minDuration: terms.minDuration,
            maxDuration: terms.maxDuration,
            status: terms.status,
            provider: _providers[terms.providerId],
            resourceClass: stored.resourceClass
        });
    }

    /// @inheritdoc ILeaseMarket
    function payoutAddress(address provider) external view returns (address) {
        address payout = _payouts[_providerIds[provider]];
        return payout == address(0) ? provider : payout;
    }

    /// @inheritdoc ILeaseMarket
    function pendingProviderHandover(address provider) external view returns (address) {
        return _pendingProviders[_providerIds[provider]];
    }

    /// @inheritdoc ILeaseMarket
    function lease(uint64 leaseId) external view returns (Lease memory) {
        LeaseSlot l = _leases[leaseId];
        if (!l.exists()) return Lease(0, 0, 0, 0, 0, LeaseStatus.None, CloseReason.None, 0, 0);
        // Cannot overflow: start < 2^40 - 2^33 for thousands of years, and paid < 2^32.
        unchecked {
            return Lease({
                tenantId: l.tenantId(),
                poolId: l.poolId(),
                units: l.units(),
                start: l.start(),
                end: l.end(),
                status: l.isClosed() ? LeaseStatus.Closed : LeaseStatus.Active,
                closeReason: l.closeReason(),
                pricePerUnitSecond: _prices[l.poolId()][l.priceVersion()],
                paidUntil: l.start() + l.paid()
            });
        }
    }

    /// @inheritdoc ILeaseMarket
    function account(uint64 tenantId) external view returns (uint128 free, uint128 reserved) {
        AccountSlot acct = _accounts[tenantId];
        return (acct.free(), acct.reserved());
    }

    /// @inheritdoc ILeaseMarket
    function claimable(address provider) external view returns (uint256) {
        return _claimable[_providerIds[provider]];
    }

    /// @inheritdoc ILeaseMarket
    function activeUnits(uint64 tenantId, bytes32 resourceClass) external view returns (uint64) {
        return _activeUnits[tenantId][_classIds[resourceClass]];
    }

    /// @inheritdoc ILeaseMarket
    function operatorLimits(uint64 tenantId, address operator)
        external
        view
        returns (uint128 allowance, uint32 maxDuration)
    {
        (,, bool owner, uint32 epoch) = _membership(tenantId, operator);
        uint256 limits = _operatorLimits[tenantId][operator];
        if (owner || !_limitsApply(limits, epoch)) return (Limits.UNLIMITED_ALLOWANCE, Limits.UNLIMITED_DURATION);
        return (uint128(limits), uint32(limits >> 128));
    }

    /// @inheritdoc ILeaseMarket
    function leaseRemaining(uint64 leaseId) external view returns (uint40 secondsLeft, uint128 unaccrued) {
        LeaseSlot l = _leases[leaseId];
        if (!l.exists() || l.isClosed()) return (0, 0);
        // Cannot underflow: elapsed <= length.
        unchecked {
            uint32 left = l.length() - _elapsed(l);
            return (left, _amount(l, _prices[l.poolId()][l.priceVersion()], left));
        }
    }

    /// @inheritdoc ILeaseMarket
    function accrued(uint64 leaseId) external view returns (uint128) {
        LeaseSlot l = _leases[leaseId];
        if (!l.exists() || l.isClosed()) return 0;
        // Cannot underflow: paid <= elapsed, settlement never passes now or the end.
        unchecked {
            return _amount(l, _prices[l.poolId()][l.priceVersion()], _elapsed(l) - l.paid());
        }
    }

    // ----------------------------------------------------------------------------- internals

    /// @dev The one place a lease ends: the provider gets what accrued since the last settlement, the
    /// tenant gets the unaccrued rest back as free escrow, and the units return to the pool and quota.
    function _closeLease(uint64 leaseId, LeaseSlot l, CloseReason reason, uint32 reasonCode) private {
        uint96 price = _prices[l.poolId()][l.priceVersion()];
        uint32 elapsed = _elapsed(l);
        uint128 toProvider;
        uint128 refunded;
        // Cannot underflow: paid <= elapsed <= length.
        unchecked {
            toProvider = _amount(l, price, elapsed - l.paid());
            refunded = _amount(l, price, l.length() - elapsed);
        }
        // paidUntil becomes the close time (or the end): the close paid the provider up to there.
        _leases[leaseId] = l.withPaid(elapsed).withCloseReason(reason);
        _unwind(l, toProvider, refunded);

        (uint256 word, uint64 seq) = _journalNext();
        _log(
            word,
            seq,
            abi.encode(LeaseClosed.selector, leaseId, reason, reasonCode, toProvider, refunded, msg.sender, seq),
            2
        );
    }

    /// @dev A closing lease's books: its units leave the pool's allocation and the tenant's active units,
    /// `refunded` moves from reserved to free escrow and `toProvider` from reserved to the provider.
    function _unwind(LeaseSlot l, uint128 toProvider, uint128 refunded) private {
        PoolTerms storage terms = _pools[l.poolId()].terms;
        (uint32 allocated, uint32 classId, uint32 providerId) = (terms.allocated, terms.classId, terms.providerId);
        uint64 tenantId = l.tenantId();
        AccountSlot acct = _accounts[tenantId];
        // Cannot underflow: the lease's units were added to allocated and to the tenant's active units
        // when it opened and are removed only here, once. Its unsettled rest (toProvider + refunded)
        // is part of its tenant's reserved, and free + reserved stays below 2^128.
        unchecked {
            terms.allocated = allocated - l.units();
            _activeUnits[tenantId][classId] -= l.units();
            _accounts[tenantId] = AccountSlots.pack(acct.free() + refunded, acct.reserved() - toProvider - refunded);
        }
        if (toProvider != 0) _claimable[providerId] += toProvider;
    }

    /// @dev Settles one lease for `claim`: checks it is in a pool of the caller, moves what accrued since
    /// the last settlement from its tenant's reserved escrow and returns that amount. The cursor
    /// remembers the last pool checked and the last price read, so a batch from one pool reads each
    /// once.
    function _settle(uint64 leaseId, address provider, ClaimCursor memory cursor) private returns (uint128 amount) {
        LeaseSlot l = _leases[leaseId];
        if (!l.exists()) revert LeaseUnknown(leaseId);
        uint32 poolId = l.poolId();
        if (poolId != cursor.poolId) {
            // providerId 0 (an address that runs no pools) matches no pool: every pool has an id >= 1.
            if (_pools[poolId].terms.providerId != cursor.providerId || cursor.providerId == 0) {
                revert LeaseNotProvider(leaseId, provider);
            }
            cursor.poolId = poolId;
            cursor.price = 0; // another pool: its price is read below
        }
        if (l.isClosed()) return 0; // its close settled it
        uint32 elapsed = _elapsed(l);
        if (elapsed == l.paid()) return 0;
        if (cursor.price == 0 || cursor.priceVersion != l.priceVersion()) {
            cursor.priceVersion = l.priceVersion();
            cursor.price = _prices[poolId][cursor.priceVersion];
        }
        uint64 tenantId = l.tenantId();
        AccountSlot acct = _accounts[tenantId];
        // Cannot underflow: paid <= elapsed, and the amount is part of the tenant's reserved.
        unchecked {
            amount = _amount(l, cursor.price, elapsed - l.paid());
            _accounts[tenantId] = AccountSlots.pack(acct.free(), acct.reserved() - amount);
        }
        _leases[leaseId] = l.withPaid(elapsed);

        uint40 paidUntil;
        // Cannot overflow: start < 2^40 - 2^33 for thousands of years, and elapsed < 2^32.
        unchecked {
            paidUntil = l.start() + elapsed;
        }
        (uint256 word, uint64 seq) = _journalNext();
        _log(word, seq, abi.encode(LeaseSettled.selector, leaseId, amount, paidUntil, seq), 2);
    }

    /// @dev Journals `entry` under `seq` and emits the log it describes from the same memory. `entry` is
    /// `abi.encode(topic0, indexed fields..., other fields...)` of static values only, which is exactly
    /// the topics (`topics` words, topic0 first) followed by the log's data. Encoding each event a second
    /// time for `emit` cost 1,476 bytes of code more than EIP-170 allows and about 200 gas per event
    /// (the figure DataAnchor measured for the same change); the tests decode every log with the ABI.
    /// `word` and `seq` come from `_journalNext` (one read of the journal slot instead of two: 61 to 89
    /// gas, as measured for DataAnchor).
    function _log(uint256 word, uint64 seq, bytes memory entry, uint256 topics) private {
        _append(word, seq, entry);
        assembly ("memory-safe") {
            let t := add(entry, 0x20) // topic0
            let data := add(t, shl(5, topics))
            let size := sub(mload(entry), shl(5, topics))
            switch topics
            case 2 { log2(data, size, mload(t), mload(add(t, 0x20))) }
            case 3 { log3(data, size, mload(t), mload(add(t, 0x20)), mload(add(t, 0x40))) }
            default { log4(data, size, mload(t), mload(add(t, 0x20)), mload(add(t, 0x40)), mload(add(t, 0x60))) }
        }
    }

    /// @dev Journals and emits `LeaseOpened` (its seq is the lease id).
    function _journalOpen(uint64 leaseId, LeaseSlot l, uint96 price, uint128 cost) private {
        bytes memory entry = abi.encode(
            LeaseOpened.selector,
            leaseId,
            l.tenantId(),
            l.poolId(),
            l.units(),
            price,
            l.start(),
            l.end(),
            cost,
            msg.sender,
            leaseId
        );
        (uint256 word,) = _journalNext(); // one journal read: see `_log`
        _log(word, leaseId, entry, 4);
    }

    /// @dev The one place a pool's status changes. An admin's pause marks the pool so that only an admin
    /// unpauses it; any unpause or retirement clears the mark.
    function _setPoolStatus(uint32 poolId, PoolStatus status, bool byAdmin) private {
        PoolTerms storage terms = _pools[poolId].terms;
        (terms.status, terms.adminPaused) = (status, byAdmin && status == PoolStatus.Paused);
        (uint256 word, uint64 seq) = _journalNext();
        _log(word, seq, abi.encode(PoolStatusChanged.selector, poolId, status, msg.sender, byAdmin, seq), 2);
    }

    /// @dev Checks a new lease against an Open pool's terms.
    function _checkTerms(uint32 poolId, PoolTerms memory terms, uint32 units, uint32 duration) private pure {
        if (terms.status != PoolStatus.Open) {
            if (terms.status == PoolStatus.None) revert PoolUnknown(poolId);
            revert PoolInvalidStatus(poolId, terms.status);
        }
        if (duration < terms.minDuration || duration > terms.maxDuration) {
            revert LeaseDurationOutOfBounds(duration, terms.minDuration, terms.maxDuration);
        }
        // Cannot underflow: allocated <= capacity always (openLease and setPoolCapacity keep it).
        unchecked {
            uint32 available = terms.capacity - terms.allocated;
            if (units > available) revert PoolCapacityExceeded(poolId, units, available);
        }
    }

    /// @dev One registry call: the caller may act for the tenant, the pool's provider still holds
    /// PROVIDER_ROLE, and the units fit the tenant's quota; counts them. Returns the caller's `_limitKey`.
    function _authorizeOpen(uint64 tenantId, uint32 poolId, bytes32 resourceClass, PoolTerms memory terms, uint32 units)
        private
        returns (uint256 limitKey)
    {
        uint64 maxUnits;
        (maxUnits, limitKey) = _askRegistry(tenantId, poolId, resourceClass, terms.providerId);
        // Cannot overflow in uint256; checked against the uint64 quota before it is stored.
        uint256 requested = uint256(_activeUnits[tenantId][terms.classId]) + units;
        if (requested > maxUnits) revert LeaseQuotaExceeded(tenantId, resourceClass, requested, maxUnits);
        _activeUnits[tenantId][terms.classId] = uint64(requested);
    }

    /// @dev The registry's `authorization`, after checking the caller is authorized and the provider
    /// active; returns the quota and the caller's `_limitKey`.
    function _askRegistry(uint64 tenantId, uint32 poolId, bytes32 resourceClass, uint32 providerId)
        private
        view
        returns (uint64 maxUnits, uint256 limitKey)
    {
        address provider = _providers[providerId];
        (bool authorized, bool owner, uint32 epoch, uint64 quota_, bool providerActive) =
            _registry.authorization(tenantId, msg.sender, resourceClass, provider);
        if (!authorized) _revertUnauthorized(tenantId);
        if (!providerActive) revert PoolProviderInactive(poolId, provider);
        return (quota_, _limitKey(owner, epoch));
    }

    /// @dev Whether an operator's limits slot was set for this generation of grants: set bit and epoch.
    function _limitsApply(uint256 limits, uint32 epoch) private pure returns (bool) {
        return limits >> 160 == uint256(epoch) | 1 << 32;
    }

    /// @dev What `openLease` carries of the caller's standing: 0 for the owner (never limited), else the
    /// tenant's operator epoch + 1 (one stack word where two would not fit).
    function _limitKey(bool owner, uint32 epoch) private pure returns (uint256) {
        return owner ? 0 : uint256(epoch) + 1;
    }

    /// @dev An operator's limits for a lease of `length` seconds (whole length) costing `cost`: none set for
    /// this generation of grants (`epoch`) leaves it unlimited; else the length must fit its longest lease
    /// and a limited allowance pays the cost, journaled and announced after the lease's own event.
    function _checkLimits(uint64 tenantId, uint32 epoch, uint256 length, uint128 cost) private {
        uint256 limits = _operatorLimits[tenantId][msg.sender];
        if (!_limitsApply(limits, epoch)) return;
        uint32 maxDuration = uint32(limits >> 128);
        if (length > maxDuration) revert MarketOperatorDurationExceeded(tenantId, msg.sender, length, maxDuration);
        uint128 allowance = uint128(limits);
        if (allowance == Limits.UNLIMITED_ALLOWANCE) return;
        if (cost > allowance) revert MarketAllowanceExceeded(tenantId, msg.sender, cost, allowance);
        uint128 remaining;
        // Cannot underflow: checked just above.
        unchecked {
            remaining = allowance - cost;
        }
        _operatorLimits[tenantId][msg.sender] = limits >> 128 << 128 | remaining;
        (uint256 word, uint64 seq) = _journalNext();
        _log(word, seq, abi.encode(OperatorAllowanceSpent.selector, tenantId, msg.sender, cost, remaining, seq), 3);
    }

    /// @dev Moves `cost` from the tenant's free to its reserved escrow.
    function _reserve(uint64 tenantId, uint128 cost) private {
        AccountSlot acct = _accounts[tenantId];
        if (cost > acct.free()) revert MarketInsufficientEscrow(tenantId, cost, acct.free());
        // Cannot overflow or underflow: cost <= free, and free + reserved stays below 2^128.
        unchecked {
            _accounts[tenantId] = AccountSlots.pack(acct.free() - cost, acct.reserved() + cost);
        }
    }

    /// @dev The pool's terms, after checking it exists and the caller is its provider and still holds
    /// PROVIDER_ROLE (an offboarded provider cannot re-price or resize).
    function _providerPool(uint32 poolId) private view returns (PoolTerms memory terms) {
        terms = _pools[poolId].terms;
        if (terms.status == PoolStatus.None) revert PoolUnknown(poolId);
        if (_providers[terms.providerId] != msg.sender) revert PoolNotProvider(poolId, msg.sender);
        _checkProviderRole();
    }

    /// @dev The pool's terms, after checking it exists and the caller is its provider (role or not: it
    /// may always stop selling) or a platform admin (`byAdmin`).
    function _managedPool(uint32 poolId) private view returns (PoolTerms memory terms, bool byAdmin) {
        terms = _pools[poolId].terms;
        if (terms.status == PoolStatus.None) revert PoolUnknown(poolId);
        if (_providers[terms.providerId] == msg.sender) return (terms, false);
        if (!_hasRole(Roles.ADMIN_ROLE)) {
            revert PoolNotManager(poolId, msg.sender);
        }
        byAdmin = true;
    }

    /// @dev Reverts unless the caller holds PROVIDER_ROLE in the registry.
    function _checkProviderRole() private view {
        if (!_hasRole(Roles.PROVIDER_ROLE)) {
            revert MarketNotProvider(msg.sender);
        }
    }

    /// @dev The caller's provider id, after checking it runs pools.
    function _callerProviderId() private view returns (uint32 providerId) {
        providerId = _providerIds[msg.sender];
        if (providerId == 0) revert MarketUnknownProvider(msg.sender);
    }

    /// @dev The lease, after checking it exists, is active and has not reached its end.
    function _runningLease(uint64 leaseId) private view returns (LeaseSlot l) {
        l = _leases[leaseId];
        if (!l.exists()) revert LeaseUnknown(leaseId);
        if (l.isClosed()) revert LeaseNotActive(leaseId, LeaseStatus.Closed);
        if (block.timestamp >= l.end()) revert LeaseExpired(leaseId, l.end());
    }

    /// @dev The registry's `tenant`: one call site for its four callers (code size: EIP-170).
    function _tenant(uint64 tenantId) private view returns (ITenantRegistry.Tenant memory) {
        return _registry.tenant(tenantId);
    }

    /// @dev Whether the caller holds `role` in the registry: one call site (code size: EIP-170).
    function _hasRole(bytes32 role) private view returns (bool) {
        return IAccessControl(address(_registry)).hasRole(role, msg.sender);
    }

    /// @dev Reverts with the precise reason an account may not act for a tenant.
    function _revertUnauthorized(uint64 tenantId) private view {
        if (_tenant(tenantId).status == TenantStatus.None) revert MarketUnknownTenant(tenantId);
        revert MarketUnauthorized(tenantId, msg.sender);
    }

    /// @dev Seconds of the lease that have run: now - start, capped at its length.
    function _elapsed(LeaseSlot l) private view returns (uint32) {
        // Cannot underflow: a lease starts at a past or present block timestamp.
        unchecked {
            uint256 ran = block.timestamp - l.start();
            return ran < l.length() ? uint32(ran) : l.length();
        }
    }

    /// @dev units * price * seconds: at most the lease's unsettled rest, which is part of its tenant's
    /// reserved escrow and so below 2^128.
    function _amount(LeaseSlot l, uint96 price, uint32 seconds_) private pure returns (uint128) {
        return uint128(uint256(l.units()) * price * seconds_);
    }

    /// @dev Pays out native ETH or the ERC-20. Books are written before this is called.
    function _send(address to, uint256 amount) private {
        if (address(_asset) == address(0)) {
            (bool ok,) = to.call{value: amount}("");
            if (!ok) revert MarketTransferFailed(to, amount);
        } else {
            _asset.safeTransfer(to, amount);
        }
    }
}

// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {PoolStatus, LeaseStatus, CloseReason} from "../common/Types.sol";
import {IJournal} from "./IJournal.sol";

/// @title ILeaseMarket
/// @notice What capacity each tenant holds and what it pays: tenant escrow, providers' capacity pools,
/// leases paid up front from escrow, linear provider accrual, and settlement on every kind of end.
/// One payment asset per deployment (native ETH when `asset() == address(0)`, else an ERC-20).
/// @dev Invariants (tested by forge invariant handlers):
///  - a pool's allocated units <= its capacity; a tenant's active units per class <= its quota at open;
///  - conservation: asset held == Σ free escrow + Σ reserved escrow + Σ provider claimable
///    (ERC-20 sent to the contract by plain `transfer` is not credited to anyone and only adds to held);
///  - per lease: paid to provider <= units * price * elapsed, and provider share + refund == cost;
///  - value moves for a tenant only by its owner (withdraw) or its authorized accounts (leases), for a
///    pool's earnings only to its provider's payout address (claim, by the provider or that address);
///  - no operator reserves more than its allowance, no lease is priced above the maximum its
///    opener accepted, and every provider id's earnings belong to exactly one address that can claim them.
/// Providers: a provider may name a payout address (`setPayoutAddress`) and hand all its pools, with
/// their unclaimed earnings, to a new address in two steps (`proposeProviderHandover`, then
/// `acceptProviderHandover` by the new address, which must hold PROVIDER_ROLE and run no pools yet).
/// A pool whose provider no longer holds PROVIDER_ROLE takes no new leases; a platform admin
/// (ADMIN_ROLE) may pause, unpause and retire any pool, and a pool an admin paused stays paused until
/// an admin unpauses it.
/// Suspended tenants (see `ITenantRegistry`): no opens, no extends; releases stay allowed.
/// Operators (granted, with an expiry, in the registry) may carry spending limits, kept here next to
/// the escrow they bound: an allowance (escrow it may still reserve through opens and extends) and a
/// longest lease (the whole length of a lease it opens or extends). The tenant's owner sets them
/// (`setOperatorLimits`) for its own generation of grants: an ownership transfer lapses them with the
/// grants. An operator without limits set by the current owner is unlimited (as with
/// `Limits.UNLIMITED_ALLOWANCE` and `Limits.UNLIMITED_DURATION`); the owner is never limited. Set the
/// limits before granting the operator in the registry, so no transaction sees the grant unlimited.
/// Lease ids are the journal sequence number of their `LeaseOpened` event: unique and increasing,
/// not contiguous, and they cost no counter slot. Pool ids are sequential from 1.
/// Expired leases keep their units allocated until someone reclaims them; `reclaim` is permissionless
/// and batched, so a tenant or provider blocked by stale allocations frees them in the same block.
interface ILeaseMarket is IJournal {
    /// @notice A pool as `pool()` returns it; `pricePerUnitSecond` is the price for new leases. (Storage
    /// differs: see `LeaseMarket`.)
    struct Pool {
        uint32 capacity;
        uint32 allocated;
        uint96 pricePerUnitSecond;
        uint32 minDuration;
        uint32 maxDuration;
        PoolStatus status;
        address provider;
        bytes32 resourceClass;
    }

    /// @notice A lease as `lease()` returns it; `pricePerUnitSecond` is the price it opened with and
    /// `paidUntil` the time its accrual was last settled to the provider. Its remaining reserve is
    /// `units * price * (end - paidUntil)`, so no reserve is stored. (Storage is one slot: see
    /// `LeaseMarket`.)
    struct Lease {
        uint64 tenantId;
        uint32 poolId;
        uint32 units;
        uint40 start;
        uint40 end;
        LeaseStatus status;
        CloseReason closeReason;
        uint96 pricePerUnitSecond;
        uint40 paidUntil;
    }

    // ----------------------------------------------------------------------------------- errors

    /// @notice No tenant has this id.
    error MarketUnknownTenant(uint64 tenantId);
    /// @notice The tenant is Closed: it takes no deposits.
    error MarketTenantClosed(uint64 tenantId);
    /// @notice The caller is not the tenant's owner.
    error MarketNotTenantOwner(uint64 tenantId, address caller);
    /// @notice The caller is not the owner or an unexpired operator of the Active tenant.
    error MarketUnauthorized(uint64 tenantId, address caller);
    /// @notice The caller lacks PROVIDER_ROLE in the registry.
    error MarketNotProvider(address caller);
    /// @notice An amount must be non-zero.
    error MarketZeroAmount();
    /// @notice The ETH sent differs from `amount` (ETH deployments).
    error MarketValueMismatch(uint256 amount, uint256 value);
    /// @notice ETH was sent to an ERC-20 deployment.
    error MarketUnexpectedValue(uint256 value);
    /// @notice The tenant's free escrow is smaller than needed.
    error MarketInsufficientEscrow(uint64 tenantId, uint256 needed, uint256 available);
    /// @notice A balance would exceed what the contract stores (uint128).
    error MarketAmountOverflow(uint256 amount);
    /// @notice Sending native ETH failed.
    error MarketTransferFailed(address to, uint256 amount);
    /// @notice A batch is longer than one call processes.
    error MarketBatchTooLarge(uint256 length, uint256 maxLength);
    /// @notice The zero address cannot receive funds or be the registry.
    error MarketZeroAddress();
    /// @notice The registry or the ERC-20 given to the constructor has no code.
    error MarketNotAContract(address account);

    /// @notice The recipient would be this contract, where what it receives is credited to nobody.
    error MarketInvalidRecipient(address to);
    /// @notice The caller is neither the provider nor its payout address.
    error MarketNotPayee(address provider, address caller);
    /// @notice The account runs no pools.
    error MarketUnknownProvider(address account);
    /// @notice The account already runs pools: a handover goes to a fresh address.
    error MarketProviderExists(address account);
    /// @notice The caller is not the proposed new address of the provider's pools.
    error MarketNotPendingProvider(address provider, address caller);
    /// @notice Limits are set for an operator: not the zero address, not the tenant's owner.
    error MarketInvalidOperator(address operator);
    /// @notice The lease would last longer than the operator's limits allow.
    error MarketOperatorDurationExceeded(uint64 tenantId, address operator, uint256 length, uint32 maxDuration);
    /// @notice The operator's remaining allowance is smaller than what the lease would reserve.
    error MarketAllowanceExceeded(uint64 tenantId, address operator, uint256 amount, uint128 allowance);

    /// @notice No pool has this id.
    error PoolUnknown(uint32 poolId);
    /// @notice The caller is not the pool's provider.
    error PoolNotProvider(uint32 poolId, address caller);
    /// @notice The pool's status does not allow the operation.
    error PoolInvalidStatus(uint32 poolId, PoolStatus status);
    /// @notice Capacity must be non-zero.
    error PoolZeroCapacity();
    /// @notice Price must be non-zero.
    error PoolZeroPrice();
    /// @notice A resource class must be non-zero.
    error PoolZeroResourceClass();
    /// @notice Duration bounds must satisfy 0 < minDuration <= maxDuration.
    error PoolInvalidDurations(uint32 minDuration, uint32 maxDuration);
    /// @notice Capacity cannot drop below what leases hold.
    error PoolCapacityBelowAllocated(uint32 poolId, uint32 capacity, uint32 allocated);
    /// @notice Not enough free units in the pool.
    error PoolCapacityExceeded(uint32 poolId, uint32 requested, uint32 available);
    /// @notice The pool's provider no longer holds PROVIDER_ROLE: the pool takes no new leases.
    error PoolProviderInactive(uint32 poolId, address provider);
    /// @notice An admin paused the pool: only an admin unpauses it.
    error PoolPausedByAdmin(uint32 poolId);
    /// @notice Only the pool's provider or a platform admin may do this.
    error PoolNotManager(uint32 poolId, address caller);
    /// @notice The pool's price changed as often as it can (leases refer to 16-bit price versions).
    error PoolPriceChangeLimit(uint32 poolId, uint256 maxChanges);

    /// @notice The price is above the most the caller accepted (`maxPricePerUnitSecond`).
    error LeasePriceAboveMax(uint32 poolId, uint96 pricePerUnitSecond, uint96 maxPricePerUnitSecond);
    /// @notice No lease has this id.
    error LeaseUnknown(uint64 leaseId);
    /// @notice The lease is closed.
    error LeaseNotActive(uint64 leaseId, LeaseStatus status);
    /// @notice Units must be non-zero.
    error LeaseZeroUnits();
    /// @notice Duration must be non-zero.
    error LeaseZeroDuration();
    /// @notice Duration lies outside the pool's bounds.
    error LeaseDurationOutOfBounds(uint32 duration, uint32 minDuration, uint32 maxDuration);
    /// @notice The lease would take the tenant past its quota for the class (`requested`: the units the
    /// tenant would hold in the class, counting its unreclaimed leases).
    error LeaseQuotaExceeded(uint64 tenantId, bytes32 resourceClass, uint256 requested, uint256 quota);
    /// @notice units * price * duration does not fit in uint128, or the lease would last 2^32 seconds
    /// (136 years) or more.
    error LeaseCostOverflow(uint256 units, uint256 pricePerUnitSecond, uint256 duration);
    /// @notice The lease has ended; it can only be reclaimed.
    error LeaseExpired(uint64 leaseId, uint40 end);
    /// @notice The lease is still running and its tenant is not closed.
    error LeaseNotReclaimable(uint64 leaseId, uint40 end);
    /// @notice Only the pool's provider or a platform admin terminates.
    error LeaseNotTerminator(uint64 leaseId, address caller);
    /// @notice Only the pool's provider claims a lease's accrual.
    error LeaseNotProvider(uint64 leaseId, address caller);

    // ----------------------------------------------------------------------------------- events

    /// @notice Funds were credited to a tenant's free escrow.
    /// @param tenantId The tenant
    /// @param from Who paid
    /// @param amount Amount credited (what arrived, for tokens that take a fee)
    /// @param seq Journal sequence number
    event Deposited(uint64 indexed tenantId, address indexed from, uint256 amount, uint64 seq);

    /// @notice The tenant's owner withdrew free escrow.
    /// @param tenantId The tenant
    /// @param to Recipient
    /// @param amount Amount sent
    /// @param seq Journal sequence number
    event Withdrawn(uint64 indexed tenantId, address indexed to, uint256 amount, uint64 seq);

    /// @notice A provider created a pool.
    /// @param poolId New pool id
    /// @param provider The provider
    /// @param resourceClass Class of capacity
    /// @param capacity Units offered
    /// @param pricePerUnitSecond Price of one unit for one second, in the asset's smallest unit
    /// @param minDuration Shortest lease, seconds
    /// @param maxDuration Longest lease, seconds
    /// @param seq Journal sequence number
    event PoolCreated(
        uint32 indexed poolId,
        address indexed provider,
        bytes32 indexed resourceClass,
        uint32 capacity,
        uint96 pricePerUnitSecond,
        uint32 minDuration,
        uint32 maxDuration,
        uint64 seq
    );

    /// @notice A pool's capacity changed.
    /// @param poolId The pool
    /// @param capacity New capacity
    /// @param seq Journal sequence number
    event PoolCapacityChanged(uint32 indexed poolId, uint32 capacity, uint64 seq);

    /// @notice A pool's price for new leases changed.
    /// @param poolId The pool
    /// @param pricePerUnitSecond New price
    /// @param seq Journal sequence number
    event PoolPriceChanged(uint32 indexed poolId, uint96 pricePerUnitSecond, uint64 seq);

    /// @notice A pool was paused, unpaused or retired, by its provider or a platform admin.
    /// @param poolId The pool
    /// @param status New status
    /// @param by Who changed it
    /// @param byAdmin True when `by` acted as platform admin (an admin's pause holds until an admin unpauses)
    /// @param seq Journal sequence number
    event PoolStatusChanged(uint32 indexed poolId, PoolStatus status, address by, bool byAdmin, uint64 seq);

    /// @notice A provider named the address its earnings are paid to (address(0): itself).
    /// @param provider The provider
    /// @param payout The payout address
    /// @param seq Journal sequence number
    event PayoutAddressSet(address indexed provider, address indexed payout, uint64 seq);

    /// @notice A provider proposed to hand all its pools to a new address (address(0) cancels).
    /// @param provider The provider now
    /// @param newProvider The address that may accept
    /// @param seq Journal sequence number
    event ProviderHandoverProposed(address indexed provider, address indexed newProvider, uint64 seq);

    /// @notice The new address accepted: every pool of `previousProvider`, with its unclaimed earnings,
    /// is now `newProvider`'s; the payout address is reset to `newProvider` itself.
    /// @param previousProvider The provider before
    /// @param newProvider The provider now
    /// @param seq Journal sequence number
    event ProviderHandedOver(address indexed previousProvider, address indexed newProvider, uint64 seq);

    /// @notice A lease opened; `cost` moved from the tenant's free to reserved escrow.
    /// @param leaseId New lease id (the journal seq of this event)
    /// @param tenantId The tenant
    /// @param poolId The pool
    /// @param units Units held
    /// @param pricePerUnitSecond Locked price
    /// @param start Block timestamp
    /// @param end start + duration
    /// @param cost units * price * duration
    /// @param openedBy The account that opened it (the owner or an operator)
    /// @param seq Journal sequence number (equals leaseId)
    event LeaseOpened(
        uint64 indexed leaseId,
        uint64 indexed tenantId,
        uint32 indexed poolId,
        uint32 units,
        uint96 pricePerUnitSecond,
        uint40 start,
        uint40 end,
        uint128 cost,
        address openedBy,
        uint64 seq
    );

    /// @notice The tenant's owner set an operator's limits (replacing any it set before, as ERC-20
    /// `approve`: the allowance is what the operator may still reserve).
    /// @param tenantId The tenant
    /// @param operator The operator
    /// @param allowance Escrow it may reserve through opens and extends (`Limits.UNLIMITED_ALLOWANCE`: no limit)
    /// @param maxDuration Longest lease it may open or extend to, seconds (`Limits.UNLIMITED_DURATION`: no limit)
    /// @param seq Journal sequence number
    event OperatorLimitsSet(
        uint64 indexed tenantId, address indexed operator, uint128 allowance, uint32 maxDuration, uint64 seq
    );

    /// @notice An operator with a limited allowance opened or extended a lease: the lease's cost came out
    /// of its allowance. Emitted just after the `LeaseOpened` or `LeaseExtended` it pays for.
    /// @param tenantId The tenant
    /// @param operator The operator
    /// @param amount Amount spent (the lease's or the extension's cost)
    /// @param remaining Allowance left
    /// @param seq Journal sequence number
    event OperatorAllowanceSpent(
        uint64 indexed tenantId, address indexed operator, uint128 amount, uint128 remaining, uint64 seq
    );

    /// @notice A lease was extended at its locked price; `cost` moved from free to reserved escrow.
    /// @param leaseId The lease
    /// @param end New end
    /// @param cost Cost of the extension
    /// @param seq Journal sequence number
    event LeaseExtended(uint64 indexed leaseId, uint40 end, uint128 cost, uint64 seq);

    /// @notice A running lease's accrual moved from the tenant's reserve to the provider's claimable.
    /// @param leaseId The lease
    /// @param amount Amount accrued since the last settlement
    /// @param paidUntil Accrual is paid up to this time
    /// @param seq Journal sequence number
    event LeaseSettled(uint64 indexed leaseId, uint128 amount, uint40 paidUntil, uint64 seq);

    /// @notice A lease ended: the provider got the accrued rest, the tenant the unaccrued rest.
    /// @param leaseId The lease
    /// @param reason Why it ended
    /// @param reasonCode Provider- or admin-defined code (0 otherwise)
    /// @param toProvider Amount credited to the provider's claimable
    /// @param refunded Amount returned to the tenant's free escrow
    /// @param by Who ended it
    /// @param seq Journal sequence number
    event LeaseClosed(
        uint64 indexed leaseId,
        CloseReason reason,
        uint32 reasonCode,
        uint128 toProvider,
        uint128 refunded,
        address by,
        uint64 seq
    );

    /// @notice A provider's claimable balance was paid to its payout address.
    /// @param provider The provider
    /// @param to Recipient (the payout address, or the provider when none is set)
    /// @param amount Amount sent
    /// @param seq Journal sequence number
    event EarningsClaimed(address indexed provider, address indexed to, uint256 amount, uint64 seq);

    // ------------------------------------------------------------------------------- escrow

    /// @notice Credit a tenant's free escrow. Anyone may deposit for any registered tenant that is not
    /// Closed. ETH deployments: send `amount` as value. ERC-20: approve first; what arrives is credited.
    /// @param tenantId The tenant
    /// @param amount Amount to deposit (non-zero)
    function deposit(uint64 tenantId, uint256 amount) external payable;

    /// @notice Send free (unreserved) escrow to `to`. The tenant's owner only (also once Closed). With a
    /// token that takes a fee on transfer, `to` receives `amount` less the token's fee.
    /// @param tenantId The tenant
    /// @param amount Amount (non-zero, at most the free balance)
    /// @param to Recipient (non-zero, not this contract)
    function withdraw(uint64 tenantId, uint256 amount, address to) external;

    // -------------------------------------------------------------------------------- pools

    /// @notice Create a pool owned by the caller. PROVIDER_ROLE only.
    /// @param resourceClass Class of capacity (non-zero)
    /// @param capacity Units offered (non-zero)
    /// @param pricePerUnitSecond Price (non-zero)
    /// @param minDuration Shortest lease (non-zero)
    /// @param maxDuration Longest lease (>= minDuration)
    /// @return poolId The new pool's id
    function createPool(
        bytes32 resourceClass,
        uint32 capacity,
        uint96 pricePerUnitSecond,
        uint32 minDuration,
        uint32 maxDuration
    ) external returns (uint32 poolId);

    /// @notice Raise or lower capacity, never below allocated units. The pool's provider only, while it
    /// holds PROVIDER_ROLE.
    /// @param poolId The pool (not Retired)
    /// @param capacity New capacity (non-zero)
    function setPoolCapacity(uint32 poolId, uint32 capacity) external;

    /// @notice Change the price for new leases; running leases keep theirs. The pool's provider only,
    /// while it holds PROVIDER_ROLE; at most 65,535 times per pool (`PoolPriceChangeLimit`).
    /// @param poolId The pool (not Retired)
    /// @param pricePerUnitSecond New price (non-zero)
    function setPoolPrice(uint32 poolId, uint96 pricePerUnitSecond) external;

    /// @notice Stop new leases and extensions (Open→Paused). The pool's provider or a platform admin
    /// (ADMIN_ROLE); an admin's pause can be lifted only by an admin.
    /// @param poolId The pool
    function pausePool(uint32 poolId) external;

    /// @notice Allow new leases again (Paused→Open). A platform admin, or the pool's provider while it
    /// holds PROVIDER_ROLE and the pause was its own.
    /// @param poolId The pool
    function unpausePool(uint32 poolId) external;

    /// @notice Retire for good (Open|Paused→Retired); running leases run to their end but cannot be
    /// extended. The pool's provider or a platform admin.
    /// @param poolId The pool
    function retirePool(uint32 poolId) external;

    /// @notice Name the address the caller's earnings are paid to (address(0): the caller itself).
    /// The caller must run pools.
    /// @param payout Payout address (not this contract)
    function setPayoutAddress(address payout) external;

    /// @notice Propose to hand every pool of the caller, with its unclaimed earnings, to `newProvider`
    /// (address(0) cancels). The caller must run pools.
    /// @param newProvider The address that may accept
    function proposeProviderHandover(address newProvider) external;

    /// @notice Accept a handover: the caller becomes the provider of every pool of `previousProvider`.
    /// The proposed address only; it must hold PROVIDER_ROLE and run no pools yet. The payout address
    /// is reset to the caller.
    /// @param previousProvider The provider that proposed
    function acceptProviderHandover(address previousProvider) external;

    // ---------------------------------------------------------------------------- operators

    /// @notice Set an operator's spending limits for the caller's generation of grants (replacing any
    /// set before). The tenant's owner only, tenant not Closed. The operator need not be granted yet.
    /// @param tenantId The tenant
    /// @param operator The operator (non-zero)
    /// @param allowance Escrow it may still reserve (`Limits.UNLIMITED_ALLOWANCE`: no limit)
    /// @param maxDuration Longest lease, whole length in seconds (`Limits.UNLIMITED_DURATION`: no limit)
    function setOperatorLimits(uint64 tenantId, address operator, uint128 allowance, uint32 maxDuration) external;

    // ------------------------------------------------------------------------------- leases

    /// @notice Open a lease; its full cost moves from the tenant's free escrow into the lease.
    /// The owner or an unexpired operator of the Active tenant only; an operator within its limits
    /// (`setOperatorLimits`: its allowance, spent by the cost, and longest lease). The pool's provider must hold PROVIDER_ROLE.
    /// @dev Price protection is a maximum price per unit-second, not the price version the caller saw:
    /// it refuses exactly what hurts the tenant (any price above what it accepted, however the pool got
    /// there, including a raise-and-restore around the transaction that a version check would also see
    /// but an honest cut it would refuse for nothing), it allows a margin, and it needs no extra read:
    /// the price is read anyway to compute the cost. `LeasePriceAboveMax` carries both prices.
    /// @param tenantId The tenant
    /// @param poolId An Open pool
    /// @param units Units (non-zero, free in the pool, within the tenant's quota for the class)
    /// @param duration Seconds (within the pool's bounds)
    /// @param maxPricePerUnitSecond Most the caller accepts to pay per unit-second
    /// @return leaseId The new lease's id
    function openLease(uint64 tenantId, uint32 poolId, uint32 units, uint32 duration, uint96 maxPricePerUnitSecond)
        external
        returns (uint64 leaseId);

    /// @notice Extend a running lease at its locked price. The owner or an unexpired operator of the
    /// Active tenant only; an operator within its limits (its allowance, spent by the cost, and longest
    /// lease: the lease's whole length). The lease may last less than 2^32 seconds in all.
    /// @dev Deliberately not checked (the review's item 7), because an extension takes nothing from
    /// anyone that they cannot take back: the pool's status and `maxDuration`, and the tenant's quota.
    /// The lease already holds its units and pays its locked price for every second; a provider (or a
    /// platform admin) that wants the units back, from a retired pool or a long lease, terminates it at
    /// any time and the tenant is refunded the rest; a quota bounds units held at once, which an
    /// extension does not raise; an operator's duration is bounded by its limits. Reading the pool would
    /// add a cold slot (2,100 gas) that the 50,000 budget of `extendLease` has no room for.
    /// @param leaseId An active, unexpired lease
    /// @param additional Extra seconds (non-zero)
    /// @param maxPricePerUnitSecond Most the caller accepts per unit-second (the lease's locked price is
    /// charged; this guards a caller extending a lease it has not read)
    function extendLease(uint64 leaseId, uint32 additional, uint96 maxPricePerUnitSecond) external;

    /// @notice End a running lease early: accrued to the provider, the rest back to free escrow,
    /// capacity freed at once. The owner or an unexpired operator of the tenant, Active or Suspended
    /// (suspension stops new commitments, never the tenant's way to stop paying).
    /// @param leaseId An active, unexpired lease
    function releaseLease(uint64 leaseId) external;

    /// @notice Close active leases that are past their end (reason Expired) or whose tenant is Closed
    /// (reason TenantClosed). Anyone may call; at most 100 ids; ids that are already closed are skipped,
    /// an unknown id reverts `LeaseUnknown` and a running lease of a live tenant `LeaseNotReclaimable`.
    /// This is how expired leases stop blocking capacity and quota: whoever needs them freed (the
    /// tenant, the provider, a keeper watching the mirror) reclaims them, in the same block if needed.
    /// @param leaseIds The leases
    function reclaim(uint64[] calldata leaseIds) external;

    /// @notice End a lease by the pool's provider (TerminatedByProvider) or a platform admin
    /// (TerminatedByAdmin); the tenant gets the unaccrued amount back.
    /// @param leaseId An active lease that has not reached its end (an expired one is reclaimed)
    /// @param reasonCode Why
    function terminateLease(uint64 leaseId, uint32 reasonCode) external;

    /// @notice Settle the accrual of the given running leases of the provider's pools into its claimable
    /// balance, then pay everything claimable to the provider's payout address (the provider itself
    /// when none is set). The provider or its payout address only (`MarketNotPayee`), so earnings stay
    /// claimable when the provider's key is lost or its address cannot receive. At most 100 ids; an
    /// empty list only pays. Every id must exist (`LeaseUnknown`) and be in one of the provider's pools
    /// (`LeaseNotProvider`); closed ones are skipped (their close settled them). Pays nothing, emits
    /// nothing and returns 0 when nothing is claimable.
    /// @param provider The provider
    /// @param leaseIds Leases in the provider's pools
    /// @return paid Amount sent
    function claim(address provider, uint64[] calldata leaseIds) external returns (uint256 paid);

    // -------------------------------------------------------------------------------- views

    /// @notice The payment asset: address(0) for native ETH, else the ERC-20.
    function asset() external view returns (address);

    /// @notice The tenant registry consulted for authorization, quotas and roles.
    function registry() external view returns (address);

    /// @notice Number of pools created (the highest pool id).
    function poolCount() external view returns (uint32);

    /// @notice A pool (status None when unknown).
    /// @param poolId The pool
    function pool(uint32 poolId) external view returns (Pool memory);

    /// @notice Where a provider's earnings are paid (the provider itself when it named none).
    /// @param provider The provider
    function payoutAddress(address provider) external view returns (address);

    /// @notice The address a provider proposed to hand its pools to, or address(0).
    /// @param provider The provider
    function pendingProviderHandover(address provider) external view returns (address);

    /// @notice A lease (status None when unknown). `paidUntil` of a closed lease is its close time (or
    /// its end, when it closed after it).
    /// @param leaseId The lease
    function lease(uint64 leaseId) external view returns (Lease memory);

    /// @notice A tenant's free and reserved escrow. Reserved counts what running leases have not yet
    /// settled to their providers.
    /// @param tenantId The tenant
    function account(uint64 tenantId) external view returns (uint128 free, uint128 reserved);

    /// @notice What a provider can claim now without settling more leases.
    /// @param provider The provider
    function claimable(address provider) external view returns (uint256);

    /// @notice Units a tenant holds in running (not yet reclaimed) leases of a class.
    /// @param tenantId The tenant
    /// @param resourceClass The class
    function activeUnits(uint64 tenantId, bytes32 resourceClass) external view returns (uint64);

    /// @notice An operator's limits as they stand for the tenant's current owner: its remaining
    /// allowance and longest lease (`Limits.UNLIMITED_ALLOWANCE` and `Limits.UNLIMITED_DURATION` when
    /// the current owner set none, and for the owner itself). Says nothing of whether it is granted.
    /// @param tenantId The tenant
    /// @param operator The operator
    function operatorLimits(uint64 tenantId, address operator)
        external
        view
        returns (uint128 allowance, uint32 maxDuration);

    /// @notice Seconds left and the amount not yet accrued to the provider (0, 0 once closed).
    /// @param leaseId The lease
    function leaseRemaining(uint64 leaseId) external view returns (uint40 secondsLeft, uint128 unaccrued);

    /// @notice Amount accrued to the provider and not yet settled.
    /// @param leaseId The lease
    function accrued(uint64 leaseId) external view returns (uint128);
}

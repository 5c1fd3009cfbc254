// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IJournal} from "./IJournal.sol";

/// @title IUsageLedger
/// @notice Metered usage on chain: what a tenant actually used of a lease (GPU-seconds, inference
/// tokens, gigabytes of egress), billed by the pool's provider from a prepaid usage budget, checkable
/// record by record, disputable, and settled. A companion of `ILeaseMarket`, which it reads (leases,
/// pools, payout addresses, the asset) and never writes; authorization and roles come from
/// `ITenantRegistry`. See docs/usage.md for the model and every design choice.
/// @dev The model:
///  - Meter schedules. A pool's provider publishes an immutable schedule for the pool: up to
///    `MAX_METERS` meters (a short name, a price per metered unit, an optional ceiling in metered units
///    per leased unit-second) and a dispute window (`MIN_DISPUTE_WINDOW` .. `MAX_DISPUTE_WINDOW`). A
///    new schedule replaces the pool's current one for budgets opened afterwards.
///  - Budgets. The tenant (its owner or an unexpired operator of the Active tenant) opens a lease's
///    usage budget once, paying it into this contract, and may top it up while the lease runs. Opening
///    locks the pool's current schedule (prices, ceilings and window) into the budget, with price
///    protection: a maximum price per meter (`UsageMeterPriceAboveMax` carries both prices).
///  - Statements. The pool's provider, or the reporter it named, posts a statement per lease and
///    period: the period starts where the previous one ended (the lease's start for the first), ends
///    no later than now and than the lease's end (its close time once closed), gives a quantity per
///    meter and the Merkle root and count of the raw metering records (DataAnchor's tree format). The
///    contract computes the charge (Σ quantity × locked price), refuses one above a ceiling or the
///    remaining budget, and moves it from the budget into the statement. Statement ids are the journal
///    sequence number of their `StatementPosted` event.
///  - Settlement. A statement is payable once its budget's dispute window has passed, or earlier when
///    the tenant accepts it. Before the window ends the tenant may dispute it with a reason hash; then
///    the platform's arbiter (`Roles.ARBITER_ROLE`) splits the amount, or the provider lowers or
///    withdraws it, or after `RESOLUTION_PERIOD` past the window anyone returns it to the budget. No
///    amount is held forever. Providers claim payable statements (pull) to their LeaseMarket payout
///    address; the tenant's owner takes the budget's leftover (pull) once the lease has ended and
///    `REPORT_GRACE` has passed, the last moment a statement can still be posted.
/// Invariants (forge invariant handlers): the asset held == Σ budgets' remaining + Σ amounts of
/// statements not yet claimed, withdrawn or returned (an ERC-20 sent by plain `transfer` only adds to
/// the balance); a lease's periods are contiguous and never overlap; no statement charges above its
/// ceilings or the remaining budget; every dispute can be ended by someone after a finite time.
interface IUsageLedger is IJournal {
    /// @notice Where a statement stands. Pending, Accepted, Disputed and Resolved hold their amount;
    /// Withdrawn and Returned gave it back to the budget; Claimed paid it to the provider.
    enum StatementStatus {
        None,
        Pending, // posted, in its dispute window (payable once the window has passed)
        Accepted, // accepted early by the tenant: payable
        Disputed, // held until the arbiter, the provider or the resolution deadline ends it
        Resolved, // dispute ended by the arbiter or by the provider lowering it: payable
        Withdrawn, // lowered to zero by the provider
        Returned, // dispute unresolved by its deadline: the amount went back to the budget
        Claimed // paid to the provider
    }

    /// @notice One meter of a schedule.
    /// @param name Short name, e.g. bytes16("gpu.seconds")
    /// @param pricePerUnit Price of one metered unit in the market's asset (non-zero)
    /// @param maxPerUnitSecond Most metered units per leased unit-second (0: no ceiling)
    struct Meter {
        bytes16 name;
        uint96 pricePerUnit;
        uint32 maxPerUnitSecond;
    }

    /// @notice A lease's usage budget as `budget()` returns it (one storage slot).
    /// @param remaining Funds not yet charged by a statement
    /// @param billedUntil End of the last statement's period (the lease's start before any)
    /// @param scheduleId The locked schedule (0: no budget opened)
    /// @param poolId The lease's pool
    /// @param disputeWindow The locked schedule's dispute window, in seconds
    struct Budget {
        uint128 remaining;
        uint40 billedUntil;
        uint32 scheduleId;
        uint32 poolId;
        uint24 disputeWindow;
    }

    /// @notice A statement as `statement()` returns it (one storage slot). `amount` is what it holds
    /// (0 once Withdrawn or Returned; what was paid once Claimed).
    struct Statement {
        uint64 leaseId;
        uint128 amount;
        uint40 payableAt;
        StatementStatus status;
    }

    /// @notice One statement of a batch (`postStatements`), the arguments of `postStatement`.
    struct StatementInput {
        uint64 leaseId;
        uint40 periodStart;
        uint40 periodEnd;
        uint64[] quantities;
        bytes32 recordsRoot;
        uint32 recordCount;
    }

    // ----------------------------------------------------------------------------------- errors

    /// @notice The market given to the constructor has no code.
    error UsageNotAContract(address account);
    /// @notice An amount must be non-zero.
    error UsageZeroAmount();
    /// @notice The ETH sent differs from `amount` (ETH deployments).
    error UsageValueMismatch(uint256 amount, uint256 value);
    /// @notice ETH was sent to an ERC-20 deployment.
    error UsageUnexpectedValue(uint256 value);
    /// @notice Everything credited to a budget would exceed what the contract stores (uint128).
    error UsageAmountOverflow(uint256 amount);
    /// @notice Sending native ETH failed.
    error UsageTransferFailed(address to, uint256 amount);
    /// @notice The recipient is the zero address or this contract.
    error UsageInvalidRecipient(address to);
    /// @notice A batch is empty or longer than one call processes.
    error UsageBadBatchLength(uint256 length, uint256 maxLength);
    /// @notice The caller is not the owner or an unexpired operator of the Active tenant.
    error UsageUnauthorized(uint64 tenantId, address caller);
    /// @notice The caller is not the owner or an unexpired operator of the tenant (any status).
    error UsageNotMember(uint64 tenantId, address caller);
    /// @notice The caller is not the tenant's owner.
    error UsageNotTenantOwner(uint64 tenantId, address caller);
    /// @notice The caller lacks PROVIDER_ROLE.
    error UsageNotProvider(address caller);
    /// @notice The caller is neither the pool's provider nor the reporter it named.
    error UsageNotReporter(uint32 poolId, address caller);
    /// @notice The caller is not the pool's provider.
    error UsageNotPoolProvider(uint32 poolId, address caller);
    /// @notice The caller is neither the provider nor its payout address.
    error UsageNotPayee(address provider, address caller);
    /// @notice The caller lacks ARBITER_ROLE.
    error UsageNotArbiter(address caller);

    /// @notice No pool has this id.
    error UsageUnknownPool(uint32 poolId);
    /// @notice A schedule takes at most `maxMeters` meters, with as many names, prices and ceilings.
    error UsageBadMeters(uint256 names, uint256 prices, uint256 ceilings, uint256 maxMeters);
    /// @notice A meter needs a non-zero name, unique in its schedule, and a non-zero price.
    error UsageBadMeter(uint256 index, bytes16 name, uint96 pricePerUnit);
    /// @notice The dispute window lies outside the bounds.
    error UsageBadDisputeWindow(uint32 window, uint32 minWindow, uint32 maxWindow);
    /// @notice The pool's current schedule has no meters.
    error UsagePoolNotMetered(uint32 poolId);

    /// @notice No lease has this id.
    error UsageUnknownLease(uint64 leaseId);
    /// @notice The lease is closed or past its end.
    error UsageLeaseEnded(uint64 leaseId, uint40 end);
    /// @notice The lease already has a budget.
    error UsageBudgetExists(uint64 leaseId, uint32 scheduleId);
    /// @notice The lease has no budget.
    error UsageNoBudget(uint64 leaseId);
    /// @notice `maxPrices` must give one maximum per meter of the pool's schedule.
    error UsageMaxPricesLength(uint256 length, uint256 meters);
    /// @notice A meter's price is above the most the caller accepted.
    error UsageMeterPriceAboveMax(uint32 poolId, uint256 meterIndex, uint96 pricePerUnit, uint96 maxPricePerUnit);
    /// @notice The budget is refundable only from `refundableAt` (the lease's end plus `REPORT_GRACE`).
    error UsageNotRefundable(uint64 leaseId, uint256 refundableAt);

    /// @notice A statement's period must start where the lease's last one ended.
    error UsagePeriodNotContiguous(uint64 leaseId, uint40 expectedStart, uint40 periodStart);
    /// @notice A period must end after its start, no later than now and than the lease's end.
    error UsageBadPeriodEnd(uint64 leaseId, uint40 periodEnd, uint40 latestEnd);
    /// @notice Statements for the lease could be posted until `deadline` (its end plus `REPORT_GRACE`).
    error UsageReportingClosed(uint64 leaseId, uint256 deadline);
    /// @notice `quantities` must give one quantity per meter of the budget's schedule.
    error UsageQuantitiesLength(uint256 length, uint256 meters);
    /// @notice A quantity is above the meter's ceiling for the period (`maxPerUnitSecond` × units ×
    /// seconds).
    error UsageAboveCeiling(uint64 leaseId, uint256 meterIndex, uint64 quantity, uint256 ceiling);
    /// @notice The charge is above the budget's remaining funds.
    error UsageOverBudget(uint64 leaseId, uint256 charge, uint128 remaining);

    /// @notice No statement has this id.
    error UsageUnknownStatement(uint64 statementId);
    /// @notice The statement's status does not allow the operation.
    error UsageBadStatus(uint64 statementId, StatementStatus status);
    /// @notice The dispute window closed at `payableAt`: too late to accept or dispute.
    error UsageWindowClosed(uint64 statementId, uint40 payableAt);
    /// @notice A dispute needs a reason hash.
    error UsageZeroReason();
    /// @notice An amendment must lower the amount.
    error UsageNotLower(uint64 statementId, uint128 amount, uint128 newAmount);
    /// @notice The arbiter cannot give the provider more than the statement holds.
    error UsageSplitAboveAmount(uint64 statementId, uint128 toProvider, uint128 amount);
    /// @notice The dispute's resolution deadline passed: it can only be returned to the budget.
    error UsageResolutionClosed(uint64 statementId, uint256 resolveBy);
    /// @notice The dispute runs until `resolveBy`: it cannot be returned yet.
    error UsageResolutionOpen(uint64 statementId, uint256 resolveBy);
    /// @notice The statement is not payable (yet): status and the end of its window.
    error UsageNotPayable(uint64 statementId, StatementStatus status, uint40 payableAt);
    /// @notice The statement is not in a pool of the provider.
    error UsageNotProviders(uint64 statementId, address provider);

    // ----------------------------------------------------------------------------------- events

    /// @notice A provider published a schedule; it is the pool's current one for new budgets.
    /// @param poolId The pool
    /// @param scheduleId The new schedule (sequential from 1)
    /// @param disputeWindow Seconds a statement stays disputable
    /// @param names Meter names
    /// @param prices Prices per metered unit
    /// @param ceilings Most metered units per leased unit-second (0: none)
    /// @param seq Journal sequence number
    event SchedulePublished(
        uint32 indexed poolId,
        uint32 indexed scheduleId,
        uint32 disputeWindow,
        bytes16[] names,
        uint96[] prices,
        uint32[] ceilings,
        uint64 seq
    );

    /// @notice A provider named (or cleared, with address(0)) the address that may post its statements.
    /// @param provider The provider
    /// @param reporter The reporter
    /// @param seq Journal sequence number
    event ReporterSet(address indexed provider, address indexed reporter, uint64 seq);

    /// @notice A lease's budget opened with the pool's current schedule locked in.
    /// @param leaseId The lease
    /// @param tenantId Its tenant
    /// @param scheduleId The locked schedule
    /// @param amount Amount credited
    /// @param billedFrom Where the first statement's period starts (the lease's start)
    /// @param by The owner or operator that opened it
    /// @param seq Journal sequence number
    event BudgetOpened(
        uint64 indexed leaseId,
        uint64 indexed tenantId,
        uint32 indexed scheduleId,
        uint128 amount,
        uint40 billedFrom,
        address by,
        uint64 seq
    );

    /// @notice A budget was topped up.
    /// @param leaseId The lease
    /// @param amount Amount credited
    /// @param remaining The budget's remaining funds after it
    /// @param by The owner or operator that paid
    /// @param seq Journal sequence number
    event BudgetFunded(uint64 indexed leaseId, uint128 amount, uint128 remaining, address by, uint64 seq);

    /// @notice A statement was posted; `amount` moved from the budget into it.
    /// @param statementId The statement (the journal seq of this event)
    /// @param leaseId The lease
    /// @param periodStart Start of the period (the previous statement's end)
    /// @param periodEnd End of the period
    /// @param quantities Quantity per meter, in schedule order (unused meters 0)
    /// @param amount The charge: Σ quantity × locked price
    /// @param recordsRoot Merkle root of the raw metering records (DataAnchor's tree format)
    /// @param recordCount Number of records under the root
    /// @param payableAt End of the dispute window
    /// @param by The provider or reporter
    /// @param seq Journal sequence number (equals statementId)
    event StatementPosted(
        uint64 indexed statementId,
        uint64 indexed leaseId,
        uint40 periodStart,
        uint40 periodEnd,
        uint64[4] quantities,
        uint128 amount,
        bytes32 recordsRoot,
        uint32 recordCount,
        uint40 payableAt,
        address by,
        uint64 seq
    );

    /// @notice The tenant accepted a statement before its window ended: it is payable.
    /// @param statementId The statement
    /// @param by The owner or operator
    /// @param seq Journal sequence number
    event StatementAccepted(uint64 indexed statementId, address by, uint64 seq);

    /// @notice The tenant disputed a statement: its amount is held.
    /// @param statementId The statement
    /// @param reasonHash Hash of the tenant's reasons (kept off chain)
    /// @param resolveBy From then on anyone may return the amount to the budget
    /// @param by The owner or operator
    /// @param seq Journal sequence number
    event StatementDisputed(uint64 indexed statementId, bytes32 reasonHash, uint40 resolveBy, address by, uint64 seq);

    /// @notice The provider lowered (or, to 0, withdrew) a statement; `returned` went back to the budget.
    /// @param statementId The statement
    /// @param amount The new amount
    /// @param returned Amount returned to the budget
    /// @param status The statement's status after it
    /// @param by The provider or reporter
    /// @param seq Journal sequence number
    event StatementAmended(
        uint64 indexed statementId, uint128 amount, uint128 returned, StatementStatus status, address by, uint64 seq
    );

    /// @notice The arbiter split a disputed amount; `toTenant` went back to the budget.
    /// @param statementId The statement
    /// @param toProvider Amount the statement now holds, payable
    /// @param toTenant Amount returned to the budget
    /// @param by The arbiter
    /// @param seq Journal sequence number
    event DisputeResolved(uint64 indexed statementId, uint128 toProvider, uint128 toTenant, address by, uint64 seq);

    /// @notice A dispute passed its resolution deadline: its whole amount went back to the budget.
    /// @param statementId The statement
    /// @param returned Amount returned
    /// @param by Who called
    /// @param seq Journal sequence number
    event DisputeExpired(uint64 indexed statementId, uint128 returned, address by, uint64 seq);

    /// @notice Payable statements were paid to the provider's payout address.
    /// @param provider The provider
    /// @param to Recipient (the payout address, or the provider)
    /// @param amount Amount sent
    /// @param statementIds The statements, now Claimed
    /// @param seq Journal sequence number
    event UsageClaimed(address indexed provider, address indexed to, uint256 amount, uint64[] statementIds, uint64 seq);

    /// @notice The leftover of an ended lease's budget was paid to the tenant's owner's choice.
    /// @param leaseId The lease
    /// @param to Recipient
    /// @param amount Amount sent
    /// @param seq Journal sequence number
    event BudgetRefunded(uint64 indexed leaseId, address indexed to, uint128 amount, uint64 seq);

    // -------------------------------------------------------------------------------- providers

    /// @notice Publish a new schedule for a pool, which budgets opened from now on lock; budgets already
    /// open keep theirs. The pool's provider only (the pool must exist; any status). Zero meters
    /// stop metering for new budgets.
    /// @param poolId The pool
    /// @param disputeWindow Seconds, `MIN_DISPUTE_WINDOW` .. `MAX_DISPUTE_WINDOW`
    /// @param names Meter names (non-zero, unique), at most `MAX_METERS`
    /// @param prices Price per metered unit (non-zero), one per name
    /// @param ceilings Most metered units per leased unit-second (0: none), one per name
    /// @return scheduleId The new schedule
    function publishSchedule(
        uint32 poolId,
        uint32 disputeWindow,
        bytes16[] calldata names,
        uint96[] calldata prices,
        uint32[] calldata ceilings
    ) external returns (uint32 scheduleId);

    /// @notice Name the address that may post and amend statements for all the caller's pools
    /// (address(0) clears it). PROVIDER_ROLE only. It follows the provider, not the pools: after a
    /// LeaseMarket handover the new provider's reporter posts for them.
    /// @param account The reporter
    function setReporter(address account) external;

    /// @notice Post one statement (see `StatementInput` and the model above). The pool's provider or
    /// its reporter only. `input.leaseId`: a lease with a budget; `periodStart`: the budget's
    /// `billedUntil`; `periodEnd`: after periodStart, at most now and the lease's end (its close time
    /// once closed), while reporting is open (until that end plus `REPORT_GRACE`); `quantities`: one per
    /// meter of the locked schedule, each within its ceiling; `recordsRoot` and `recordCount`: the raw
    /// records' Merkle root and number.
    /// @param input The statement
    /// @return statementId The new statement
    function postStatement(StatementInput calldata input) external returns (uint64 statementId);

    /// @notice Post statements for many leases (1 .. `MAX_BATCH`), each as `postStatement`; one failure
    /// reverts all.
    /// @param inputs The statements
    /// @return firstId The first new statement's id (ids increase; not contiguous across other events)
    function postStatements(StatementInput[] calldata inputs) external returns (uint64 firstId);

    /// @notice Lower a statement that still holds its amount (Pending, Accepted, Disputed, Resolved);
    /// the difference returns to the budget. A Disputed one becomes Resolved (payable at the lowered
    /// amount), one lowered to 0 becomes Withdrawn. The pool's provider or its reporter only.
    /// @param statementId The statement
    /// @param newAmount Lower than the current amount
    function amendStatement(uint64 statementId, uint128 newAmount) external;

    /// @notice Pay payable statements (Accepted, Resolved, or Pending past their window) of the
    /// provider's pools to its LeaseMarket payout address. The provider or its payout address only.
    /// 1 .. `MAX_BATCH` ids; any id that is not payable or not the provider's reverts all.
    /// @param provider The provider
    /// @param statementIds The statements
    /// @return paid Amount sent
    function claim(address provider, uint64[] calldata statementIds) external returns (uint256 paid);

    // ---------------------------------------------------------------------------------- tenants

    /// @notice Open a lease's budget: pay `amount` in and lock the pool's current schedule. The owner
    /// or an unexpired operator of the Active tenant (the operator pays from its own funds: the budget
    /// is outside the market's escrow, so no allowance is spent); the lease must be running.
    /// ETH deployments: send `amount` as value; ERC-20: approve first; what arrives is credited.
    /// @param leaseId The lease
    /// @param amount Amount (non-zero)
    /// @param maxPrices Most the caller accepts per metered unit, one per meter of the schedule
    function openBudget(uint64 leaseId, uint256 amount, uint96[] calldata maxPrices) external payable;

    /// @notice Top up an open budget while its lease runs. Same callers and payment as `openBudget`.
    /// @param leaseId The lease
    /// @param amount Amount (non-zero)
    function fundBudget(uint64 leaseId, uint256 amount) external payable;

    /// @notice Accept a Pending statement before its window ends: payable at once. The owner or an
    /// unexpired operator of the tenant, whatever its status.
    /// @param statementId The statement
    function acceptStatement(uint64 statementId) external;

    /// @notice Dispute a Pending statement before its window ends: its amount is held until the
    /// arbiter, the provider or the resolution deadline ends the dispute. Same callers as accepting.
    /// @param statementId The statement
    /// @param reasonHash Hash of the reasons (non-zero)
    function disputeStatement(uint64 statementId, bytes32 reasonHash) external;

    /// @notice Send an ended lease's leftover budget to `to`, from its end plus `REPORT_GRACE` on (a
    /// dispute returned later adds to the leftover, refundable again). The tenant's owner only.
    /// @param leaseId The lease
    /// @param to Recipient (not zero, not this contract)
    /// @return amount Amount sent
    function refundBudget(uint64 leaseId, address to) external returns (uint128 amount);

    // ---------------------------------------------------------------------------------- disputes

    /// @notice Split a disputed amount before its resolution deadline: `toProvider` stays in the
    /// statement (Resolved, payable), the rest returns to the budget. ARBITER_ROLE only.
    /// @param statementId A Disputed statement
    /// @param toProvider At most the statement's amount
    function resolveDispute(uint64 statementId, uint128 toProvider) external;

    /// @notice Return a dispute's whole amount to the budget once its resolution deadline has passed
    /// (status Returned). Anyone may call.
    /// @param statementId A Disputed statement
    function expireDispute(uint64 statementId) external;

    // ------------------------------------------------------------------------------------- views

    /// @notice The LeaseMarket whose leases are metered.
    function market() external view returns (address);

    /// @notice The TenantRegistry asked for authorization and roles.
    function registry() external view returns (address);

    /// @notice The payment asset (the market's): address(0) for ETH, else the ERC-20.
    function asset() external view returns (address);

    /// @notice The pool's current schedule (0: none published).
    /// @param poolId The pool
    function currentSchedule(uint32 poolId) external view returns (uint32);

    /// @notice A schedule's pool, dispute window and meters (empty for an unknown id).
    /// @param scheduleId The schedule
    function schedule(uint32 scheduleId)
        external
        view
        returns (uint32 poolId, uint32 disputeWindow, Meter[] memory meters);

    /// @notice The address a provider named to post its statements (address(0): none).
    /// @param provider The provider
    function reporter(address provider) external view returns (address);

    /// @notice A lease's budget (scheduleId 0: none).
    /// @param leaseId The lease
    function budget(uint64 leaseId) external view returns (Budget memory);

    /// @notice A statement (status None: unknown).
    /// @param statementId The statement
    function statement(uint64 statementId) external view returns (Statement memory);

    /// @notice When a Disputed statement's amount may be returned to its budget: payableAt +
    /// `RESOLUTION_PERIOD`.
    /// @param statementId The statement
    function resolveBy(uint64 statementId) external view returns (uint256);
}

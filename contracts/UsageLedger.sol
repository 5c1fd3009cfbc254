// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IUsageLedger} from "./interfaces/IUsageLedger.sol";
import {ILeaseMarket} from "./interfaces/ILeaseMarket.sol";
import {ITenantRegistry} from "./interfaces/ITenantRegistry.sol";
import {LeaseStatus, Roles} from "./common/Types.sol";
import {Journal} from "./common/Journal.sol";

/// @title UsageLedger
/// @notice Usage budgets, meter schedules, usage statements, disputes and their settlement for the
/// leases of one LeaseMarket. See `IUsageLedger` for the behaviour and docs/usage.md for the design.
/// @dev Every external function that changes state is `nonReentrant` (transient storage: cheap), and
/// the three that send the asset (`claim`, `refundBudget`, and none other) write the books and the
/// journal before they send (checks-effects-interactions). The market and the registry are the only
/// contracts called besides the asset; both are trusted deployments of this project.
///
/// Storage, one slot per record: a budget (remaining 128 | billedUntil 40 | scheduleId 32 | poolId 32
/// | disputeWindow 24 = 256 bits), a statement (leaseId 64 | amount 128 | payableAt 40 | status 8).
/// A schedule is a header slot (poolId, window, count), its meters two to a slot as `uint128`
/// (price 96 | ceiling 32 << 96; two slots for `MAX_METERS` = 4) and its names two to a slot, read
/// only by the view. Posting touches the budget, the schedule header, one or two meter slots and the
/// new statement; claiming touches the statement and its budget per id. The budget caches the pool id
/// and the dispute window so neither disputes, amendments nor claims ask the market for the lease.
/// A statement's records root, period and quantities live in its journaled event only: the journal
/// head binds them, and storing them would cost three more new slots (66,300 gas) per statement.
contract UsageLedger is IUsageLedger, Journal, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /// @notice Most meters in a schedule.
    uint256 public constant MAX_METERS = 4;
    /// @notice Shortest dispute window a schedule may set.
    uint32 public constant MIN_DISPUTE_WINDOW = 10 minutes;
    /// @notice Longest dispute window a schedule may set.
    uint32 public constant MAX_DISPUTE_WINDOW = 7 days;
    /// @notice How long after its window a disputed statement waits for the arbiter or the provider
    /// before anyone may return its amount to the budget.
    uint256 public constant RESOLUTION_PERIOD = 14 days;
    /// @notice How long after a lease's end (its close time once closed) statements may still be
    /// posted; the budget's leftover is refundable from then on.
    uint256 public constant REPORT_GRACE = 2 days;
    /// @notice Longest batch of statements posted or claimed in one call.
    uint256 public constant MAX_BATCH = 100;

    ILeaseMarket private immutable _market;
    ITenantRegistry private immutable _registry;
    IERC20 private immutable _asset;

    /// @dev A schedule's header: one slot.
    struct ScheduleHeader {
        uint32 poolId;
        uint24 disputeWindow;
        uint8 count;
    }

    uint32 private _scheduleCount;
    mapping(uint32 poolId => uint32 scheduleId) private _current;
    mapping(uint32 scheduleId => ScheduleHeader) private _schedules;
    /// @dev price (bits 0-95) | ceiling (96-127), two meters per slot.
    mapping(uint32 scheduleId => uint128[MAX_METERS]) private _meters;
    mapping(uint32 scheduleId => bytes16[MAX_METERS]) private _names;
    mapping(address provider => address) private _reporters;
    mapping(uint64 leaseId => Budget) private _budgets;
    mapping(uint64 statementId => Statement) private _statements;

    /// @dev A budgeted lease's tenant (it never changes) and everything ever credited to its budget.
    /// The tenant is kept so accepting and disputing read one slot here instead of calling the
    /// market for the lease (two cold slots and a cold account: 55,679 against 47,604 gas for a
    /// dispute by an operator, measured on Anvil). `credited` bounds the budget's remaining plus
    /// what its statements hold, so returning a statement's amount to the budget cannot overflow.
    struct LeaseInfo {
        uint64 tenantId;
        uint128 credited;
    }

    mapping(uint64 leaseId => LeaseInfo) private _leases;

    /// @param market_ The LeaseMarket whose leases are metered (its registry and asset are taken)
    constructor(address market_) {
        if (market_.code.length == 0) revert UsageNotAContract(market_);
        _market = ILeaseMarket(market_);
        _registry = ITenantRegistry(ILeaseMarket(market_).registry());
        _asset = IERC20(ILeaseMarket(market_).asset());
    }

    // -------------------------------------------------------------------------------- providers

    /// @inheritdoc IUsageLedger
    function publishSchedule(
        uint32 poolId,
        uint32 disputeWindow,
        bytes16[] calldata names,
        uint96[] calldata prices,
        uint32[] calldata ceilings
    ) external nonReentrant returns (uint32 scheduleId) {
        address provider = _market.pool(poolId).provider;
        if (provider == address(0)) revert UsageUnknownPool(poolId);
        if (provider != msg.sender) revert UsageNotPoolProvider(poolId, msg.sender);
        uint256 count = names.length;
        if (count > MAX_METERS || prices.length != count || ceilings.length != count) {
            revert UsageBadMeters(count, prices.length, ceilings.length, MAX_METERS);
        }
        if (disputeWindow < MIN_DISPUTE_WINDOW || disputeWindow > MAX_DISPUTE_WINDOW) {
            revert UsageBadDisputeWindow(disputeWindow, MIN_DISPUTE_WINDOW, MAX_DISPUTE_WINDOW);
        }
        scheduleId = ++_scheduleCount;
        _storeMeters(scheduleId, names, prices, ceilings);
        // Cannot truncate: count <= MAX_METERS and disputeWindow <= MAX_DISPUTE_WINDOW < 2^24.
        _schedules[scheduleId] =
            ScheduleHeader({poolId: poolId, disputeWindow: uint24(disputeWindow), count: uint8(count)});
        _current[poolId] = scheduleId;
        _journalSchedule(poolId, scheduleId, disputeWindow, names, prices, ceilings);
    }

    /// @inheritdoc IUsageLedger
    function setReporter(address account) external nonReentrant {
        if (!IAccessControl(address(_registry)).hasRole(Roles.PROVIDER_ROLE, msg.sender)) {
            revert UsageNotProvider(msg.sender);
        }
        _reporters[msg.sender] = account;
        (uint256 word, uint64 seq) = _journalNext();
        _log(word, seq, abi.encode(ReporterSet.selector, msg.sender, account, seq), 3);
    }

    /// @inheritdoc IUsageLedger
    function postStatement(StatementInput calldata input) external nonReentrant returns (uint64 statementId) {
        (statementId,) = _post(input, 0);
    }

    /// @inheritdoc IUsageLedger
    function postStatements(StatementInput[] calldata inputs) external nonReentrant returns (uint64 firstId) {
        uint256 n = inputs.length;
        if (n == 0 || n > MAX_BATCH) revert UsageBadBatchLength(n, MAX_BATCH);
        uint32 authorizedPool;
        (firstId, authorizedPool) = _post(inputs[0], 0);
        // Each statement's memory (the lease read, the event) is dead once it is posted: reusing it
        // keeps memory expansion from growing with the batch.
        uint256 freeMemory;
        assembly ("memory-safe") {
            freeMemory := mload(0x40)
        }
        for (uint256 i = 1; i < n; ++i) {
            (, authorizedPool) = _post(inputs[i], authorizedPool);
            assembly ("memory-safe") {
                mstore(0x40, freeMemory)
            }
        }
    }

    /// @inheritdoc IUsageLedger
    function amendStatement(uint64 statementId, uint128 newAmount) external nonReentrant {
        Statement memory s = _statementOf(statementId);
        _checkReporter(_budgets[s.leaseId].poolId);
        StatementStatus status = s.status;
        if (
            status == StatementStatus.Withdrawn || status == StatementStatus.Returned
                || status == StatementStatus.Claimed
        ) {
            revert UsageBadStatus(statementId, status);
        }
        if (newAmount >= s.amount) revert UsageNotLower(statementId, s.amount, newAmount);
        if (newAmount == 0) status = StatementStatus.Withdrawn;
        else if (status == StatementStatus.Disputed) status = StatementStatus.Resolved;
        uint128 returned = _reduce(statementId, s, newAmount, status);

        (uint256 word, uint64 seq) = _journalNext();
        _log(
            word,
            seq,
            abi.encode(StatementAmended.selector, statementId, newAmount, returned, status, msg.sender, seq),
            2
        );
    }

    /// @inheritdoc IUsageLedger
    function claim(address provider, uint64[] calldata statementIds) external nonReentrant returns (uint256 paid) {
        uint256 n = statementIds.length;
        if (n == 0 || n > MAX_BATCH) revert UsageBadBatchLength(n, MAX_BATCH);
        address to = _market.payoutAddress(provider);
        if (msg.sender != provider && msg.sender != to) revert UsageNotPayee(provider, msg.sender);
        uint32 checkedPool = 0; // no pool checked yet (pool ids start at 1)
        for (uint256 i; i < n; ++i) {
            uint64 id = statementIds[i];
            Statement memory s = _statements[id];
            bool payable_ = s.status == StatementStatus.Accepted || s.status == StatementStatus.Resolved
                || (s.status == StatementStatus.Pending && block.timestamp >= s.payableAt);
            if (!payable_) revert UsageNotPayable(id, s.status, s.payableAt);
            uint32 poolId = _budgets[s.leaseId].poolId;
            if (poolId != checkedPool) {
                if (_market.pool(poolId).provider != provider) revert UsageNotProviders(id, provider);
                checkedPool = poolId;
            }
            _statements[id].status = StatementStatus.Claimed;
            paid += s.amount;
        }

        (uint256 word, uint64 seq) = _journalNext();
        _log3(
            word,
            seq,
            UsageClaimed.selector,
            uint256(uint160(provider)),
            uint256(uint160(to)),
            abi.encode(paid, statementIds, seq)
        );
        if (paid != 0) _send(to, paid);
    }

    // ---------------------------------------------------------------------------------- tenants

    /// @inheritdoc IUsageLedger
    function openBudget(uint64 leaseId, uint256 amount, uint96[] calldata maxPrices) external payable nonReentrant {
        ILeaseMarket.Lease memory l = _runningLease(leaseId);
        Budget memory b = _budgets[leaseId];
        if (b.scheduleId != 0) revert UsageBudgetExists(leaseId, b.scheduleId);
        _checkAuthorized(l.tenantId);
        uint32 scheduleId = _current[l.poolId];
        ScheduleHeader memory header = _schedules[scheduleId];
        if (header.count == 0) revert UsagePoolNotMetered(l.poolId);
        if (maxPrices.length != header.count) revert UsageMaxPricesLength(maxPrices.length, header.count);
        uint128[MAX_METERS] storage meters = _meters[scheduleId];
        for (uint256 i; i < header.count; ++i) {
            uint96 price = uint96(meters[i]);
            if (price > maxPrices[i]) revert UsageMeterPriceAboveMax(l.poolId, i, price, maxPrices[i]);
        }
        uint128 credited = _receive(amount, 0);
        _leases[leaseId] = LeaseInfo({tenantId: l.tenantId, credited: credited});
        _budgets[leaseId] = Budget({
            remaining: credited,
            billedUntil: l.start,
            scheduleId: scheduleId,
            poolId: l.poolId,
            disputeWindow: header.disputeWindow
        });

        (uint256 word, uint64 seq) = _journalNext();
        _log(
            word,
            seq,
            abi.encode(BudgetOpened.selector, leaseId, l.tenantId, scheduleId, credited, l.start, msg.sender, seq),
            4
        );
    }

    /// @inheritdoc IUsageLedger
    function fundBudget(uint64 leaseId, uint256 amount) external payable nonReentrant {
        ILeaseMarket.Lease memory l = _runningLease(leaseId);
        Budget memory b = _budgets[leaseId];
        if (b.scheduleId == 0) revert UsageNoBudget(leaseId);
        _checkAuthorized(l.tenantId);
        LeaseInfo storage info = _leases[leaseId];
        uint128 credited = _receive(amount, info.credited);
        // Cannot overflow: `_receive` checked everything credited so far + credited against
        // uint128, and remaining never exceeds what was credited.
        unchecked {
            info.credited += credited;
            b.remaining += credited;
        }
        _budgets[leaseId] = b;

        (uint256 word, uint64 seq) = _journalNext();
        _log(word, seq, abi.encode(BudgetFunded.selector, leaseId, credited, b.remaining, msg.sender, seq), 2);
    }

    /// @inheritdoc IUsageLedger
    function acceptStatement(uint64 statementId) external nonReentrant {
        _disputable(statementId);
        _statements[statementId].status = StatementStatus.Accepted;
        (uint256 word, uint64 seq) = _journalNext();
        _log(word, seq, abi.encode(StatementAccepted.selector, statementId, msg.sender, seq), 2);
    }

    /// @inheritdoc IUsageLedger
    function disputeStatement(uint64 statementId, bytes32 reasonHash) external nonReentrant {
        if (reasonHash == bytes32(0)) revert UsageZeroReason();
        Statement memory s = _disputable(statementId);
        _statements[statementId].status = StatementStatus.Disputed;
        // Cannot overflow: payableAt < 2^40 - RESOLUTION_PERIOD for 34,000 years.
        uint40 deadline = uint40(s.payableAt + RESOLUTION_PERIOD);
        (uint256 word, uint64 seq) = _journalNext();
        _log(word, seq, abi.encode(StatementDisputed.selector, statementId, reasonHash, deadline, msg.sender, seq), 2);
    }

    /// @inheritdoc IUsageLedger
    function refundBudget(uint64 leaseId, address to) external nonReentrant returns (uint128 amount) {
        if (to == address(0) || to == address(this)) revert UsageInvalidRecipient(to);
        Budget memory b = _budgets[leaseId];
        if (b.scheduleId == 0) revert UsageNoBudget(leaseId);
        ILeaseMarket.Lease memory l = _market.lease(leaseId);
        address owner = _registry.tenant(l.tenantId).owner;
        if (owner != msg.sender) revert UsageNotTenantOwner(l.tenantId, msg.sender);
        uint256 refundableAt = uint256(_effectiveEnd(l)) + REPORT_GRACE;
        if (block.timestamp < refundableAt) revert UsageNotRefundable(leaseId, refundableAt);
        amount = b.remaining;
        if (amount == 0) revert UsageZeroAmount();
        b.remaining = 0;
        _budgets[leaseId] = b;

        (uint256 word, uint64 seq) = _journalNext();
        _log(word, seq, abi.encode(BudgetRefunded.selector, leaseId, to, amount, seq), 3);
        _send(to, amount);
    }

    // ---------------------------------------------------------------------------------- disputes

    /// @inheritdoc IUsageLedger
    function resolveDispute(uint64 statementId, uint128 toProvider) external nonReentrant {
        if (!IAccessControl(address(_registry)).hasRole(Roles.ARBITER_ROLE, msg.sender)) {
            revert UsageNotArbiter(msg.sender);
        }
        Statement memory s = _statementOf(statementId);
        if (s.status != StatementStatus.Disputed) revert UsageBadStatus(statementId, s.status);
        uint256 deadline = uint256(s.payableAt) + RESOLUTION_PERIOD;
        if (block.timestamp >= deadline) revert UsageResolutionClosed(statementId, deadline);
        if (toProvider > s.amount) revert UsageSplitAboveAmount(statementId, toProvider, s.amount);
        uint128 toTenant = _reduce(statementId, s, toProvider, StatementStatus.Resolved);

        (uint256 word, uint64 seq) = _journalNext();
        _log(word, seq, abi.encode(DisputeResolved.selector, statementId, toProvider, toTenant, msg.sender, seq), 2);
    }

    /// @inheritdoc IUsageLedger
    function expireDispute(uint64 statementId) external nonReentrant {
        Statement memory s = _statementOf(statementId);
        if (s.status != StatementStatus.Disputed) revert UsageBadStatus(statementId, s.status);
        uint256 deadline = uint256(s.payableAt) + RESOLUTION_PERIOD;
        if (block.timestamp < deadline) revert UsageResolutionOpen(statementId, deadline);
        _reduce(statementId, s, 0, StatementStatus.Returned);

        (uint256 word, uint64 seq) = _journalNext();
        _log(word, seq, abi.encode(DisputeExpired.selector, statementId, s.amount, msg.sender, seq), 2);
    }

    // ------------------------------------------------------------------------------------- views

    /// @inheritdoc IUsageLedger
    function market() external view returns (address) {
        return address(_market);
    }

    /// @inheritdoc IUsageLedger
    function registry() external view returns (address) {
        return address(_registry);
    }

    /// @inheritdoc IUsageLedger
    function asset() external view returns (address) {
        return address(_asset);
    }

    /// @inheritdoc IUsageLedger
    function currentSchedule(uint32 poolId) external view returns (uint32) {
        return _current[poolId];
    }

    /// @inheritdoc IUsageLedger
    function schedule(uint32 scheduleId)
        external
        view
        returns (uint32 poolId, uint32 disputeWindow, Meter[] memory meters)
    {
        ScheduleHeader memory header = _schedules[scheduleId];
        meters = new Meter[](header.count);
        for (uint256 i; i < header.count; ++i) {
            uint128 m = _meters[scheduleId][i];
            meters[i] = Meter({name: _names[scheduleId][i], pricePerUnit: uint96(m), maxPerUnitSecond: uint32(m >> 96)});
        }
        return (header.poolId, header.disputeWindow, meters);
    }

    /// @inheritdoc IUsageLedger
    function reporter(address provider) external view returns (address) {
        return _reporters[provider];
    }

    /// @inheritdoc IUsageLedger
    function budget(uint64 leaseId) external view returns (Budget memory) {
        return _budgets[leaseId];
    }

    /// @inheritdoc IUsageLedger
    function statement(uint64 statementId) external view returns (Statement memory) {
        return _statements[statementId];
    }

    /// @inheritdoc IUsageLedger
    function resolveBy(uint64 statementId) external view returns (uint256) {
        Statement memory s = _statementOf(statementId);
        return uint256(s.payableAt) + RESOLUTION_PERIOD;
    }

    // ------------------------------------------------------------------------------ internals

    /// @dev Check and store a schedule's meters (names non-zero and unique, prices non-zero).
    function _storeMeters(
        uint32 scheduleId,
        bytes16[] calldata names,
        uint96[] calldata prices,
        uint32[] calldata ceilings
    ) private {
        for (uint256 i; i < names.length; ++i) {
            bytes16 name = names[i];
            if (name == bytes16(0) || prices[i] == 0) revert UsageBadMeter(i, name, prices[i]);
            for (uint256 j; j < i; ++j) {
                if (names[j] == name) revert UsageBadMeter(i, name, prices[i]);
            }
            _meters[scheduleId][i] = uint128(prices[i]) | (uint128(ceilings[i]) << 96);
            _names[scheduleId][i] = name;
        }
    }

    /// @dev Journal and emit `SchedulePublished`.
    function _journalSchedule(
        uint32 poolId,
        uint32 scheduleId,
        uint32 disputeWindow,
        bytes16[] calldata names,
        uint96[] calldata prices,
        uint32[] calldata ceilings
    ) private {
        (uint256 word, uint64 seq) = _journalNext();
        _log3(
            word,
            seq,
            SchedulePublished.selector,
            poolId,
            scheduleId,
            abi.encode(disputeWindow, names, prices, ceilings, seq)
        );
    }

    /// @dev One statement: checks, charge, books, journal. `authorizedPool` is a pool the caller was
    /// already found to report for in this call (0: none); returns the pool it reports for now.
    function _post(StatementInput calldata input, uint32 authorizedPool)
        private
        returns (uint64 statementId, uint32 poolId)
    {
        uint64 leaseId = input.leaseId;
        Budget memory b = _budgets[leaseId];
        if (b.scheduleId == 0) revert UsageNoBudget(leaseId);
        poolId = b.poolId;
        if (poolId != authorizedPool) _checkReporter(poolId);
        uint256 unitSeconds = _checkPeriod(leaseId, b.billedUntil, input.periodStart, input.periodEnd);
        (uint256 charge, uint64[MAX_METERS] memory q) = _charge(leaseId, b.scheduleId, input.quantities, unitSeconds);
        if (charge > b.remaining) revert UsageOverBudget(leaseId, charge, b.remaining);
        // Cannot underflow: charge <= remaining just above.
        unchecked {
            b.remaining -= uint128(charge);
        }
        b.billedUntil = input.periodEnd;
        _budgets[leaseId] = b;
        statementId = _record(input, b.disputeWindow, uint128(charge), q);
    }

    /// @dev Store a new Pending statement and journal `StatementPosted`; its id is the event's seq.
    function _record(StatementInput calldata input, uint24 disputeWindow, uint128 charge, uint64[MAX_METERS] memory q)
        private
        returns (uint64 statementId)
    {
        uint256 word;
        (word, statementId) = _journalNext();
        // Cannot overflow: the window < 2^24 and the timestamp < 2^40 - 2^24 for 34,000 years.
        uint40 payableAt = uint40(block.timestamp + disputeWindow);
        _statements[statementId] =
            Statement({leaseId: input.leaseId, amount: charge, payableAt: payableAt, status: StatementStatus.Pending});
        // Two encodings joined: one holding all twelve words is too deep for the legacy code generator.
        _log(
            word,
            statementId,
            bytes.concat(
                abi.encode(StatementPosted.selector, statementId, input.leaseId, input.periodStart, input.periodEnd, q),
                abi.encode(charge, input.recordsRoot, input.recordCount, payableAt, msg.sender, statementId)
            ),
            3
        );
    }

    /// @dev The period starts at `billedUntil`, ends after its start, no later than now and than the
    /// lease's end, and reporting for the lease is still open. Returns units × seconds of the period.
    function _checkPeriod(uint64 leaseId, uint40 billedUntil, uint40 periodStart, uint40 periodEnd)
        private
        view
        returns (uint256 unitSeconds)
    {
        ILeaseMarket.Lease memory l = _market.lease(leaseId);
        uint40 end = _effectiveEnd(l);
        uint256 deadline = uint256(end) + REPORT_GRACE;
        if (block.timestamp >= deadline) revert UsageReportingClosed(leaseId, deadline);
        if (periodStart != billedUntil) revert UsagePeriodNotContiguous(leaseId, billedUntil, periodStart);
        uint40 latest = block.timestamp < end ? uint40(block.timestamp) : end;
        if (periodEnd <= periodStart || periodEnd > latest) revert UsageBadPeriodEnd(leaseId, periodEnd, latest);
        // units < 2^32 and the span < 2^40: with a 32-bit ceiling, far below 2^256.
        return uint256(l.units) * (periodEnd - periodStart);
    }

    /// @dev Σ quantity × locked price over the schedule's meters, each quantity within its ceiling
    /// (`maxPerUnitSecond` × units × seconds); the quantities padded to `MAX_METERS` for the event.
    function _charge(uint64 leaseId, uint32 scheduleId, uint64[] calldata quantities, uint256 unitSeconds)
        private
        view
        returns (uint256 charge, uint64[MAX_METERS] memory q)
    {
        uint256 count = _schedules[scheduleId].count;
        if (quantities.length != count) revert UsageQuantitiesLength(quantities.length, count);
        uint128[MAX_METERS] storage meters = _meters[scheduleId];
        for (uint256 i; i < count; ++i) {
            uint128 m = meters[i];
            uint64 quantity = quantities[i];
            uint256 ceiling = uint256(uint32(m >> 96)) * unitSeconds;
            if (ceiling != 0 && quantity > ceiling) revert UsageAboveCeiling(leaseId, i, quantity, ceiling);
            // quantity < 2^64 and price < 2^96: four products of at most 2^160 cannot overflow.
            charge += uint256(quantity) * uint96(m);
            q[i] = quantity;
        }
    }

    /// @dev A Pending statement in its window whose tenant the caller acts for (owner or unexpired
    /// operator, whatever the tenant's status: suspension never stops a tenant protecting itself).
    function _disputable(uint64 statementId) private view returns (Statement memory s) {
        s = _statementOf(statementId);
        if (s.status != StatementStatus.Pending) revert UsageBadStatus(statementId, s.status);
        if (block.timestamp >= s.payableAt) revert UsageWindowClosed(statementId, s.payableAt);
        uint64 tenantId = _leases[s.leaseId].tenantId;
        (, bool member,,) = _registry.membership(tenantId, msg.sender);
        if (!member) revert UsageNotMember(tenantId, msg.sender);
    }

    /// @dev A known statement.
    function _statementOf(uint64 statementId) private view returns (Statement memory s) {
        s = _statements[statementId];
        if (s.status == StatementStatus.None) revert UsageUnknownStatement(statementId);
    }

    /// @dev A lease that is Active and before its end.
    function _runningLease(uint64 leaseId) private view returns (ILeaseMarket.Lease memory l) {
        l = _market.lease(leaseId);
        if (l.status == LeaseStatus.None) revert UsageUnknownLease(leaseId);
        if (l.status != LeaseStatus.Active || block.timestamp >= l.end) revert UsageLeaseEnded(leaseId, l.end);
    }

    /// @dev When the lease stops (or stopped) being usable: its close time once closed (the market
    /// reports it as `paidUntil`), else its end.
    function _effectiveEnd(ILeaseMarket.Lease memory l) private pure returns (uint40) {
        return l.status == LeaseStatus.Closed ? l.paidUntil : l.end;
    }

    /// @dev The caller is the pool's provider or the reporter that provider named.
    function _checkReporter(uint32 poolId) private view {
        address provider = _market.pool(poolId).provider;
        if (msg.sender == provider) return;
        address named = _reporters[provider];
        if (named == address(0) || named != msg.sender) revert UsageNotReporter(poolId, msg.sender);
    }

    /// @dev The caller is the owner or an unexpired operator of the Active tenant.
    function _checkAuthorized(uint64 tenantId) private view {
        if (!_registry.isAuthorized(tenantId, msg.sender)) revert UsageUnauthorized(tenantId, msg.sender);
    }

    /// @dev Lower a statement that holds its amount to `newAmount` (at most its amount) with
    /// `status`; the difference returns to its budget. Returns the difference.
    function _reduce(uint64 statementId, Statement memory s, uint128 newAmount, StatementStatus status)
        private
        returns (uint128 returned)
    {
        // Cannot underflow: every caller checked newAmount <= amount. Cannot overflow: remaining plus
        // what the budget's statements hold never exceeds what was credited (< 2^128, `_leases`).
        unchecked {
            returned = s.amount - newAmount;
            _statements[statementId] =
                Statement({leaseId: s.leaseId, amount: newAmount, payableAt: s.payableAt, status: status});
            if (returned != 0) _budgets[s.leaseId].remaining += returned;
        }
    }

    /// @dev Take `amount` in (ETH as value, or the ERC-20 by transferFrom, crediting what arrived) and
    /// check that `held + credited` fits in uint128 (`held`: what the budget was credited so far).
    function _receive(uint256 amount, uint128 held) private returns (uint128) {
        if (amount == 0) revert UsageZeroAmount();
        uint256 credited = amount;
        if (address(_asset) == address(0)) {
            if (msg.value != amount) revert UsageValueMismatch(amount, msg.value);
        } else {
            if (msg.value != 0) revert UsageUnexpectedValue(msg.value);
            uint256 before = _asset.balanceOf(address(this));
            _asset.safeTransferFrom(msg.sender, address(this), amount);
            credited = _asset.balanceOf(address(this)) - before;
            if (credited == 0) revert UsageZeroAmount();
        }
        if (credited > type(uint128).max - uint256(held)) revert UsageAmountOverflow(credited);
        return uint128(credited);
    }

    /// @dev Send `amount` of the asset to `to`.
    function _send(address to, uint256 amount) private {
        if (address(_asset) == address(0)) {
            (bool ok,) = to.call{value: amount}("");
            if (!ok) revert UsageTransferFailed(to, amount);
        } else {
            _asset.safeTransfer(to, amount);
        }
    }

    /// @dev Journal and emit a log of three topics whose `data` has dynamic fields (its offsets count
    /// from the data's start, so it cannot share one `abi.encode` with the topics): the journal hashes
    /// topic0 ‖ topic1 ‖ topic2 ‖ data, and the log is emitted from `data` itself, not encoded twice.
    function _log3(uint256 word, uint64 seq, bytes32 topic0, uint256 topic1, uint256 topic2, bytes memory data)
        private
    {
        _append(word, seq, abi.encodePacked(topic0, topic1, topic2, data));
        assembly ("memory-safe") {
            log3(add(data, 0x20), mload(data), topic0, topic1, topic2)
        }
    }

    /// @dev Journal `entry` (topic0 ‖ topics ‖ data, all static words: see LeaseMarket) and emit the
    /// log it describes with `topics` topics (2 to 4), from the same memory.
    function _log(uint256 word, uint64 seq, bytes memory entry, uint256 topics) private {
        _append(word, seq, entry);
        assembly ("memory-safe") {
            let t := add(entry, 0x20)
            let data := add(t, shl(5, topics))
            let size := sub(mload(entry), shl(5, topics))
            switch topics
            case 2 { log2(data, size, mload(t), mload(add(t, 0x20))) }
            case 3 { log3(data, size, mload(t), mload(add(t, 0x20)), mload(add(t, 0x40))) }
            default { log4(data, size, mload(t), mload(add(t, 0x20)), mload(add(t, 0x40)), mload(add(t, 0x60))) }
        }
    }
}

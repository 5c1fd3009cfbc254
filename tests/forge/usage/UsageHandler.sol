// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Vm, VM_ADDRESS} from "../utils/Vm.sol";
import {LeaseMarket} from "../../../contracts/LeaseMarket.sol";
import {UsageLedger} from "../../../contracts/UsageLedger.sol";
import {IUsageLedger} from "../../../contracts/interfaces/IUsageLedger.sol";

/// @notice Drives a UsageLedger with random actions (leases with budgets, top-ups, statements of
/// random periods and quantities, accepts, disputes, amendments, arbitration, expiry, claims, refunds,
/// early releases, time) and keeps ghost books: what entered and left the ledger, each lease's last
/// billed end, and every success that broke a rule (a period not starting where the last ended, a
/// charge above the budget or a ceiling). Actions never assert; the invariants read the books.
contract UsageHandler {
    Vm internal constant vm = Vm(VM_ADDRESS);

    uint256 internal constant MAX_LEASES = 12;

    LeaseMarket public immutable market;
    UsageLedger public immutable ledger;
    uint64 public immutable tenant;
    uint32 public immutable pool;
    address public immutable owner;
    address public immutable provider;
    address public immutable arbiter;

    uint64[] public leases;
    uint64[] public statements;
    mapping(uint64 leaseId => uint40) public lastEnd;
    mapping(uint64 statementId => uint256) public postedAt;

    uint256 public funded;
    uint256 public paidOut;
    uint256 public overlaps; // successful posts whose period did not start at the last billed end
    uint256 public overCharges; // successful posts charging more than the budget or a ceiling allowed
    uint256 public posts;
    uint256 public disputes;

    constructor(
        LeaseMarket market_,
        UsageLedger ledger_,
        uint64 tenant_,
        uint32 pool_,
        address owner_,
        address provider_,
        address arbiter_
    ) {
        market = market_;
        ledger = ledger_;
        tenant = tenant_;
        pool = pool_;
        owner = owner_;
        provider = provider_;
        arbiter = arbiter_;
    }

    function leaseCount() external view returns (uint256) {
        return leases.length;
    }

    function statementCount() external view returns (uint256) {
        return statements.length;
    }

    // ----------------------------------------------------------------------------------- actions

    function openLease(uint256 unitsSeed, uint256 durationSeed, uint256 budgetSeed) external {
        if (leases.length >= MAX_LEASES) return;
        uint32 units = uint32(1 + unitsSeed % 4);
        uint32 duration = uint32(1 hours + durationSeed % 3 days);
        uint256 amount = 1 + budgetSeed % 1e16;
        vm.prank(owner);
        uint64 id = market.openLease(tenant, pool, units, duration, type(uint96).max);
        uint96[] memory maxPrices = new uint96[](2);
        maxPrices[0] = type(uint96).max;
        maxPrices[1] = type(uint96).max;
        vm.deal(owner, amount);
        vm.prank(owner);
        ledger.openBudget{value: amount}(id, amount, maxPrices);
        funded += amount;
        leases.push(id);
        lastEnd[id] = uint40(block.timestamp);
    }

    function fundBudget(uint256 leaseSeed, uint256 amountSeed) external {
        if (leases.length == 0) return;
        uint64 id = leases[leaseSeed % leases.length];
        uint256 amount = 1 + amountSeed % 1e15;
        vm.deal(owner, amount);
        vm.prank(owner);
        try ledger.fundBudget{value: amount}(id, amount) {
            funded += amount;
        } catch {}
    }

    function post(uint256 leaseSeed, uint256 spanSeed, uint64 gpuSeconds, uint64 tokens, bool exact) external {
        if (leases.length == 0) return;
        uint64 id = leases[leaseSeed % leases.length];
        IUsageLedger.Budget memory b = ledger.budget(id);
        // Mostly contiguous periods, sometimes a wrong start (which must fail).
        uint40 from = exact || spanSeed % 5 != 0 ? b.billedUntil : uint40(b.billedUntil - spanSeed % 100);
        uint40 to = uint40(from + 1 + spanSeed % 4 hours);
        if (block.timestamp < to) vm.warp(to);
        uint256 units = market.lease(id).units;
        gpuSeconds = uint64(gpuSeconds % (units * (to - from) + 10));
        tokens = uint64(tokens % 1e9);
        uint256 charge = uint256(gpuSeconds) * 1e9 + uint256(tokens) * 1e3;
        uint64[] memory quantities = new uint64[](2);
        quantities[0] = gpuSeconds;
        quantities[1] = tokens;
        IUsageLedger.StatementInput memory input = IUsageLedger.StatementInput({
            leaseId: id,
            periodStart: from,
            periodEnd: to,
            quantities: quantities,
            recordsRoot: keccak256(abi.encode(id, from)),
            recordCount: 1
        });
        vm.prank(provider);
        try ledger.postStatement(input) returns (uint64 sid) {
            if (from != lastEnd[id]) ++overlaps;
            if (charge > b.remaining || gpuSeconds > units * (to - from)) ++overCharges;
            lastEnd[id] = to;
            statements.push(sid);
            postedAt[sid] = block.timestamp;
            ++posts;
        } catch {}
    }

    function accept(uint256 seed) external {
        if (statements.length == 0) return;
        vm.prank(owner);
        try ledger.acceptStatement(statements[seed % statements.length]) {} catch {}
    }

    function dispute(uint256 seed) external {
        if (statements.length == 0) return;
        vm.prank(owner);
        try ledger.disputeStatement(statements[seed % statements.length], keccak256(abi.encode(seed))) {
            ++disputes;
        } catch {}
    }

    function amend(uint256 seed, uint128 newAmount) external {
        if (statements.length == 0) return;
        uint64 sid = statements[seed % statements.length];
        uint128 amount = ledger.statement(sid).amount;
        vm.prank(provider);
        try ledger.amendStatement(sid, amount == 0 ? 0 : newAmount % amount) {} catch {}
    }

    function resolve(uint256 seed, uint128 toProvider) external {
        if (statements.length == 0) return;
        uint64 sid = statements[seed % statements.length];
        uint128 amount = ledger.statement(sid).amount;
        vm.prank(arbiter);
        try ledger.resolveDispute(sid, toProvider % (amount + 1)) {} catch {}
    }

    function expire(uint256 seed) external {
        if (statements.length == 0) return;
        try ledger.expireDispute(statements[seed % statements.length]) {} catch {}
    }

    function claim(uint256 seed) external {
        if (statements.length == 0) return;
        uint64 sid = statements[seed % statements.length];
        uint256 before = provider.balance;
        vm.prank(provider);
        try ledger.claim(provider, _one(sid)) returns (uint256 paid) {
            paidOut += provider.balance - before;
            paid;
        } catch {}
    }

    function refund(uint256 seed) external {
        if (leases.length == 0) return;
        uint64 id = leases[seed % leases.length];
        uint256 before = owner.balance;
        vm.prank(owner);
        try ledger.refundBudget(id, owner) {
            paidOut += owner.balance - before;
        } catch {}
    }

    function release(uint256 seed) external {
        if (leases.length == 0) return;
        vm.prank(owner);
        try market.releaseLease(leases[seed % leases.length]) {} catch {}
    }

    function warp(uint256 seconds_) external {
        vm.warp(block.timestamp + seconds_ % 10 days);
    }

    function _one(uint64 id) private pure returns (uint64[] memory ids) {
        ids = new uint64[](1);
        ids[0] = id;
    }
}

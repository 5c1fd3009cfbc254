// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {UsageBase} from "./UsageBase.sol";
import {IUsageLedger} from "../../../contracts/interfaces/IUsageLedger.sol";
import {MockERC20} from "../../../contracts/test/MockERC20.sol";
import {FeeOnTransferERC20} from "../../../contracts/test/FeeOnTransferERC20.sol";

/// @notice The same ledger on an ERC-20 market: budgets are paid by transferFrom and credited with
/// what arrived (a fee-taking token credits less), claims and refunds pay the token.
contract UsageTokenTest is UsageBase {
    MockERC20 internal token;

    function _asset() internal override returns (address) {
        token = new MockERC20();
        return address(token);
    }

    function _fund(address who, uint256 amount) internal override {
        token.mint(who, amount);
        vm.prank(who);
        token.approve(address(ledger), type(uint256).max);
    }

    function _depositEscrow(uint256 amount) internal override {
        vm.startPrank(OWNER);
        token.approve(address(market), amount);
        market.deposit(tenant, amount);
        vm.stopPrank();
    }

    function _openBudget(uint64 id, uint256 amount) internal override {
        vm.prank(OWNER);
        ledger.openBudget(id, amount, _maxPrices());
    }

    function _held() internal view override returns (uint256) {
        return token.balanceOf(address(ledger));
    }

    function test_a_token_budget_is_paid_claimed_and_refunded_in_the_token() public {
        assertEq(_held(), BUDGET, "held");
        uint64 sid = _postHour(100, 100);
        uint128 amount = ledger.statement(sid).amount;
        vm.warp(ledger.statement(sid).payableAt);
        vm.prank(PROVIDER);
        ledger.claim(PROVIDER, _ids(sid));
        assertEq(token.balanceOf(PROVIDER), amount, "provider paid");
        vm.warp(uint256(start) + DURATION + 2 days);
        vm.prank(OWNER);
        ledger.refundBudget(leaseId, address(0xBEEF));
        assertEq(token.balanceOf(address(0xBEEF)), BUDGET - amount, "tenant refunded");
        assertEq(_held(), 0, "nothing left");
    }

    function test_a_token_budget_refuses_ether() public {
        uint64 id = _openLease(1, 3600);
        vm.deal(OWNER, 1);
        vm.expectRevert(abi.encodeWithSelector(IUsageLedger.UsageUnexpectedValue.selector, 1));
        vm.prank(OWNER);
        ledger.openBudget{value: 1}(id, 1, _maxPrices());
    }
}

/// @notice A token that burns 1% of each transfer: the budget is credited with what arrived.
contract UsageFeeTokenTest is UsageBase {
    FeeOnTransferERC20 internal token;

    function _asset() internal override returns (address) {
        token = new FeeOnTransferERC20(100);
        return address(token);
    }

    function _fund(address who, uint256 amount) internal override {
        token.mint(who, amount);
        vm.prank(who);
        token.approve(address(ledger), type(uint256).max);
    }

    function _depositEscrow(uint256 amount) internal override {
        vm.startPrank(OWNER);
        token.approve(address(market), amount);
        market.deposit(tenant, amount);
        vm.stopPrank();
    }

    function _openBudget(uint64 id, uint256 amount) internal override {
        vm.prank(OWNER);
        ledger.openBudget(id, amount, _maxPrices());
    }

    function test_the_budget_is_credited_with_what_arrived() public {
        assertEq(ledger.budget(leaseId).remaining, BUDGET * 99 / 100, "credited");
        assertEq(token.balanceOf(address(ledger)), BUDGET * 99 / 100, "held");
        vm.prank(OWNER);
        ledger.fundBudget(leaseId, 1000);
        assertEq(ledger.budget(leaseId).remaining, BUDGET * 99 / 100 + 990, "topped up with what arrived");
    }
}

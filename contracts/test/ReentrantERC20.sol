// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @notice An ERC-20 that, once armed, calls `target` with `data` in the middle of its next transfer
/// (after balances moved), like a token with transfer hooks. The call's outcome is recorded and, when
/// `bubble` is set, a failed call's revert data is re-thrown so the outer call fails with it.
contract ReentrantERC20 is ERC20 {
    address public target;
    bytes public data;
    bool public bubble;
    /// @notice Whether the last re-entering call was made, and whether it succeeded.
    bool public attempted;
    bool public succeeded;
    bytes public returned;

    constructor() ERC20("Reentrant Token", "REENT") {}

    /// @notice Mint `amount` to `to`.
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice Call `target_` with `data_` during the next transfer.
    function arm(address target_, bytes calldata data_, bool bubble_) external {
        target = target_;
        data = data_;
        bubble = bubble_;
    }

    function _update(address from, address to, uint256 value) internal override {
        super._update(from, to, value);
        address t = target;
        if (t == address(0) || from == address(0)) return;
        target = address(0); // one shot
        attempted = true;
        (bool ok, bytes memory ret) = t.call(data);
        succeeded = ok;
        returned = ret;
        if (!ok && bubble) {
            assembly ("memory-safe") {
                revert(add(ret, 32), mload(ret))
            }
        }
    }
}

// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @notice A contract account for tests: it forwards calls it is told to make (so it can own a
/// tenant, be a provider or a withdrawal recipient) and, when ETH arrives, either refuses it or calls
/// back into `target` with `data` once, recording the outcome (optionally re-throwing a failure).
contract MaliciousReceiver {
    enum Mode {
        Accept,
        Refuse,
        Reenter
    }

    Mode public mode;
    address public target;
    bytes public data;
    bool public bubble;
    bool public attempted;
    bool public succeeded;
    bytes public returned;

    /// @notice Make a call as this contract; bubbles a failure.
    function execute(address to, bytes calldata callData) external payable returns (bytes memory) {
        (bool ok, bytes memory ret) = to.call{value: msg.value}(callData);
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(ret, 32), mload(ret))
            }
        }
        return ret;
    }

    /// @notice Refuse all ETH from now on.
    function refuse() external {
        mode = Mode.Refuse;
    }

    /// @notice On the next ETH received, call `target_` with `data_`.
    function arm(address target_, bytes calldata data_, bool bubble_) external {
        mode = Mode.Reenter;
        target = target_;
        data = data_;
        bubble = bubble_;
    }

    receive() external payable {
        if (mode == Mode.Refuse) revert("refused");
        if (mode != Mode.Reenter) return;
        mode = Mode.Accept; // one shot
        attempted = true;
        (bool ok, bytes memory ret) = target.call(data);
        succeeded = ok;
        returned = ret;
        if (!ok && bubble) {
            assembly ("memory-safe") {
                revert(add(ret, 32), mload(ret))
            }
        }
    }
}

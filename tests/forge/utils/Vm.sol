// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @notice The few Forge cheat codes Leasehold's Solidity tests use. forge-std from npm is outdated and
/// does not compile with solc 0.8.28; this interface declares only what we call, with the same
/// signatures as Forge's own `Vm`.
interface Vm {
    struct Log {
        bytes32[] topics;
        bytes data;
        address emitter;
    }

    function prank(address sender) external;
    function startPrank(address sender) external;
    function stopPrank() external;
    function deal(address account, uint256 newBalance) external;
    function warp(uint256 newTimestamp) external;
    function roll(uint256 newHeight) external;
    function expectRevert(bytes calldata revertData) external;
    function expectRevert(bytes4 revertData) external;
    function expectRevert() external;
    function expectEmit(bool checkTopic1, bool checkTopic2, bool checkTopic3, bool checkData) external;
    function assume(bool condition) external pure;
    function addr(uint256 privateKey) external pure returns (address);
    function label(address account, string calldata newLabel) external;
    function pauseGasMetering() external;
    function resumeGasMetering() external;
    function recordLogs() external;
    function getRecordedLogs() external returns (Log[] memory logs);
}

address constant VM_ADDRESS = address(uint160(uint256(keccak256("hevm cheat code"))));

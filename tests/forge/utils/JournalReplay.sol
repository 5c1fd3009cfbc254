// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Vm} from "./Vm.sol";

/// @notice The journal of `contracts/common/Journal.sol` recomputed from recorded logs, as an
/// off-chain mirror does: logHash = keccak256(topic0 ‖ … ‖ topicN ‖ data), head = bytes24(keccak256(
/// head ‖ logHash)). Each journaled event carries its `seq` in the data word the caller names.
library JournalReplay {
    struct State {
        uint64 seq;
        bytes24 head;
        uint256 gaps; // events whose seq was not the previous one plus one
    }

    /// @dev Apply one journaled log whose `seq` is the data word at `seqWord`.
    function append(State storage state, Vm.Log memory log, uint256 seqWord) internal {
        bytes memory packed;
        for (uint256 i; i < log.topics.length; ++i) {
            packed = bytes.concat(packed, log.topics[i]);
        }
        bytes32 logHash = keccak256(bytes.concat(packed, log.data));
        state.head = bytes24(keccak256(abi.encodePacked(state.head, logHash)));
        uint64 seq = uint64(uint256(word(log.data, seqWord)));
        if (seq != state.seq + 1) ++state.gaps;
        state.seq = seq;
    }

    /// @dev The `index`-th 32-byte word of `data`.
    function word(bytes memory data, uint256 index) internal pure returns (bytes32 value) {
        require(data.length >= (index + 1) * 32, "log data too short");
        assembly ("memory-safe") {
            value := mload(add(add(data, 0x20), mul(index, 0x20)))
        }
    }
}

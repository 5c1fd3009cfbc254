// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IJournal} from "../interfaces/IJournal.sol";

/// @title Journal
/// @notice A per-contract event sequence number and a rolling hash over every journaled event, so an
/// off-chain mirror can prove with one `eth_call` that it applied exactly the events the chain emitted.
/// @dev Encoding (normative; `offchain/journal.py` implements the same):
///   logHash  = keccak256(topic0 ‖ topic1 ‖ … ‖ topicN ‖ data)   topics as 32-byte words, data as emitted
///   newHead  = bytes24(keccak256(oldHead ‖ logHash))              oldHead as 24 bytes, so 56 bytes hashed
///   word     = uint256(bytes32(newHead)) | seq                    one slot: head in the high 192 bits,
///                                                                 the sequence number in the low 64
/// The sequence number starts at 0; the first journaled event carries seq 1. Every journaled event
/// carries its `seq` as a non-indexed field, so `data` above already binds it.
abstract contract Journal is IJournal {
    /// @dev head (bytes24, high 192 bits) | seq (uint64, low 64 bits): one slot, one SSTORE per event.
    uint256 private _journalWord;

    uint256 private constant _SEQ_MASK = type(uint64).max;

    /// @inheritdoc IJournal
    function journal() external view returns (uint64 seq, bytes24 head) {
        uint256 word = _journalWord;
        return (uint64(word), bytes24(bytes32(word)));
    }

    /// @dev The sequence number the next journaled event will carry.
    function _nextSeq() internal view returns (uint64) {
        // A uint64 cannot overflow here: one event per ~100 gas would take 2^64 * 100 gas.
        unchecked {
            return uint64(_journalWord) + 1;
        }
    }

    /// @dev Append one emitted log to the journal. `seq` must be `_nextSeq()` and be the `seq` field
    /// encoded in `data`; `topics` are the log's topics, topic0 first.
    function _append(uint64 seq, bytes memory topicsAndData) internal {
        bytes24 head = bytes24(bytes32(_journalWord));
        bytes32 logHash = keccak256(topicsAndData);
        _journalWord = uint256(bytes32(bytes24(keccak256(abi.encodePacked(head, logHash))))) | seq;
    }
}

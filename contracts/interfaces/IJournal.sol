// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IJournal
/// @notice A contract whose events are chained into a rolling hash (see `Journal`).
interface IJournal {
    /// @notice The number of journaled events emitted so far and the rolling head after the last one.
    /// @return seq Sequence number of the last journaled event (0 before any)
    /// @return head Rolling journal head (zero before any event)
    function journal() external view returns (uint64 seq, bytes24 head);
}

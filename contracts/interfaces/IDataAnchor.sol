// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {TenantStatus} from "../common/Types.sol";
import {IJournal} from "./IJournal.sol";

/// @title IDataAnchor
/// @notice What data existed when: single digests and Merkle roots of batches, attributed to a tenant,
/// first anchor wins, revocable by the tenant's authorized accounts, never erased.
/// @dev Batch leaves follow OpenZeppelin's StandardMerkleTree for the single type `bytes32`:
/// `leafHash = keccak256(bytes.concat(keccak256(abi.encode(value))))`, inner nodes hash the sorted pair.
/// Digests and roots share one namespace: a value is anchored at most once, as either.
interface IDataAnchor is IJournal {
    /// @notice One anchor, packed in one slot: tenantId 64 | timestamp 40 | blockNumber 40 |
    /// revokedAt 40 | count 32 | revokeReason 32 bits. `count` is 0 for a single digest and the
    /// number of leaves for a batch root.
    struct AnchorRecord {
        uint64 tenantId;
        uint40 timestamp;
        uint40 blockNumber;
        uint40 revokedAt;
        uint32 count;
        uint32 revokeReason;
    }

    // ----------------------------------------------------------------------------------- errors

    /// @notice A digest or root must be non-zero.
    error AnchorZeroDigest();
    /// @notice A batch must hold at least one leaf.
    error AnchorZeroCount();
    /// @notice The value was anchored before (first anchor wins).
    error AnchorAlreadyAnchored(bytes32 digest, uint64 tenantId, uint40 timestamp);
    /// @notice No tenant has this id.
    error AnchorUnknownTenant(uint64 tenantId);
    /// @notice The tenant is not Active (Pending, Suspended or Closed tenants cannot anchor or revoke).
    error AnchorTenantNotActive(uint64 tenantId, TenantStatus status);
    /// @notice The caller is neither the owner nor an unexpired operator of the tenant.
    error AnchorUnauthorized(uint64 tenantId, address caller);
    /// @notice The batch URI is longer than allowed.
    error AnchorUriTooLong(uint256 length, uint256 maxLength);
    /// @notice Nothing is anchored under this value.
    error AnchorUnknownDigest(bytes32 digest);
    /// @notice The anchor was revoked before.
    error AnchorAlreadyRevoked(bytes32 digest, uint40 revokedAt);
    /// @notice A proof longer than any real tree needs.
    error AnchorProofTooLong(uint256 length, uint256 maxLength);
    /// @notice An empty proof for a batch of more than one leaf.
    error AnchorEmptyProof(bytes32 root, uint32 count);
    /// @notice The registry given at deployment is not a contract.
    error AnchorInvalidRegistry(address registry);

    // ----------------------------------------------------------------------------------- events

    /// @notice A single digest was anchored.
    /// @param digest The digest (e.g. SHA-256 of a file)
    /// @param tenantId The tenant it is attributed to
    /// @param timestamp Block timestamp
    /// @param seq Journal sequence number
    event Anchored(bytes32 indexed digest, uint64 indexed tenantId, uint40 timestamp, uint64 seq);

    /// @notice A Merkle root of a batch was anchored.
    /// @param root The root
    /// @param tenantId The tenant it is attributed to
    /// @param count Number of leaves
    /// @param timestamp Block timestamp
    /// @param uri Where the batch (leaves, proofs) can be found; may be empty
    /// @param seq Journal sequence number
    event BatchAnchored(
        bytes32 indexed root, uint64 indexed tenantId, uint32 count, uint40 timestamp, string uri, uint64 seq
    );

    /// @notice An anchor was revoked; its record stays, with `revokedAt` set.
    /// @param digest The digest or root
    /// @param tenantId Its tenant
    /// @param reasonCode Tenant-defined reason
    /// @param revokedAt Block timestamp
    /// @param by The account that revoked
    /// @param seq Journal sequence number
    event AnchorRevoked(
        bytes32 indexed digest, uint64 indexed tenantId, uint32 reasonCode, uint40 revokedAt, address by, uint64 seq
    );

    // ----------------------------------------------------------------------------- mutations

    /// @notice Anchor a digest for a tenant. Owner or unexpired operator of an Active tenant.
    /// @param tenantId The tenant
    /// @param digest The digest (non-zero, never anchored before)
    function anchor(uint64 tenantId, bytes32 digest) external;

    /// @notice Anchor a Merkle root of `count` leaves for a tenant. Same callers as `anchor`.
    /// @param tenantId The tenant
    /// @param root The root (non-zero, never anchored before)
    /// @param count Number of leaves (at least 1)
    /// @param uri Where the batch can be found (at most 256 bytes; may be empty)
    function anchorBatch(uint64 tenantId, bytes32 root, uint32 count, string calldata uri) external;

    /// @notice Revoke an anchor. Owner or unexpired operator of its Active tenant. History stays.
    /// @param digest The digest or root
    /// @param reasonCode Tenant-defined reason
    function revoke(bytes32 digest, uint32 reasonCode) external;

    // ---------------------------------------------------------------------------------- views

    /// @notice The record under a digest or root (all zero when not anchored).
    /// @param digest The digest or root
    function anchorOf(bytes32 digest) external view returns (AnchorRecord memory);

    /// @notice Whether `leaf` is in the anchored batch `root`, with the anchor's attribution.
    /// @dev `leaf` is the raw value; the contract double-hashes it as StandardMerkleTree does
    /// (`keccak256(bytes.concat(keccak256(abi.encode(leaf))))`) and checks the proof with
    /// OpenZeppelin's calldata Merkle verification (`MerkleProof.processProofCalldata`, sorted
    /// pairs). An unknown root, a value anchored
    /// as a single digest (not a batch root; read it with `anchorOf`) or a failing proof answers
    /// `anchored = false` and zeros. A revoked root still answers `anchored = true`, with `revokedAt`.
    /// Reverts `AnchorProofTooLong` above 64 elements and `AnchorEmptyProof` for an empty proof
    /// against a batch of more than one leaf (a one-leaf batch's root is its leaf hash: empty proof).
    /// @param root An anchored batch root
    /// @param leaf The leaf value (e.g. a file's SHA-256)
    /// @param proof Sibling hashes from leaf to root (at most 64)
    /// @return anchored True when the root is anchored and the proof holds
    /// @return tenantId The root's tenant
    /// @return timestamp When the root was anchored
    /// @return revokedAt When it was revoked (0 when not)
    function verifyInclusion(bytes32 root, bytes32 leaf, bytes32[] calldata proof)
        external
        view
        returns (bool anchored, uint64 tenantId, uint40 timestamp, uint40 revokedAt);

    /// @notice The registry this contract asks for authorization.
    function registry() external view returns (address);
}

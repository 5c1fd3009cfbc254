// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {TenantStatus, RegistrationPolicy} from "../common/Types.sol";
import {IJournal} from "./IJournal.sol";

/// @title ITenantRegistry
/// @notice Who the tenants are: owners, operators with expiry, lifecycle status, per-class quotas and
/// the platform's roles (admins, providers). Every state change emits an event carrying `seq`, the
/// contract's journal sequence number (see `Journal`), with enough payload to rebuild state off-chain.
/// @dev Roles (OpenZeppelin AccessControlDefaultAdminRules, two-step delayed default-admin transfer):
/// DEFAULT_ADMIN_ROLE grants and revokes ADMIN_ROLE; ADMIN_ROLE (`Roles.ADMIN_ROLE`)
/// approves, rejects, suspends, resumes, sets the policy and quotas, and grants and revokes
/// PROVIDER_ROLE (`Roles.PROVIDER_ROLE`), which runs pools in the lease market. Accepting a default-admin transfer completes the
/// handover: the new default admin also receives every ADMIN_ROLE and PROVIDER_ROLE the previous one
/// held, and the previous one keeps none. Every role change also emits `RoleChanged`, which is
/// journaled (OpenZeppelin's RoleGranted/RoleRevoked carry no `seq`), so the journal covers roles too.
/// Who may do what, in every contract: docs/roles.md.
///
/// Suspension (Active→Suspended) stops what commits a tenant further: no new leases, no extensions,
/// no anchors or anchor revocations. Releasing a lease (stopping payment) stays
/// allowed for the owner and unexpired operators, and so do withdrawals of free escrow and every
/// owner action on the tenant itself (metadata, ownership, operators, close).
///
/// Operator grants: an operator authorizes while `block.timestamp < expiresAt` (it is unauthorized
/// from `expiresAt` on). Its spending limits (allowance, longest lease) are kept by the lease market
/// (`ILeaseMarket.setOperatorLimits`), next to the escrow they bound; they belong to the owner's
/// generation of grants (`operatorEpoch`, returned by `authorization` and `membership`), so an
/// ownership transfer lapses them with the grants.
interface ITenantRegistry is IJournal {
    /// @notice A tenant: its owner, status and creation time (stored in one slot with the generation of
    /// its operator grants).
    struct Tenant {
        address owner;
        TenantStatus status;
        uint40 createdAt;
    }

    // ----------------------------------------------------------------------------------- errors

    /// @notice No tenant has this id.
    error RegistryUnknownTenant(uint64 tenantId);
    /// @notice The caller is not the tenant's owner.
    error RegistryNotTenantOwner(uint64 tenantId, address caller);
    /// @notice The tenant's status does not allow the operation.
    error RegistryInvalidStatus(uint64 tenantId, TenantStatus status);
    /// @notice The caller is not the proposed new owner.
    error RegistryNotPendingOwner(uint64 tenantId, address caller);
    /// @notice The zero address cannot own a tenant or be an operator.
    error RegistryZeroAddress();
    /// @notice An operator expiry must lie in the future.
    error RegistryExpiryInPast(uint40 expiresAt, uint256 nowTimestamp);
    /// @notice The account is not an operator of the tenant.
    error RegistryNotOperator(uint64 tenantId, address operator);
    /// @notice A metadata URI is longer than the registry stores.
    error RegistryUriTooLong(uint256 length, uint256 maxLength);
    /// @notice A resource class must be non-zero.
    error RegistryZeroResourceClass();

    // ----------------------------------------------------------------------------------- events

    /// @notice A tenant was registered, Active under the Open policy or Pending under Approval.
    /// @param tenantId New tenant's id (sequential from 1)
    /// @param owner Its owner (the caller)
    /// @param status Active or Pending
    /// @param createdAt Block timestamp of the registration
    /// @param metadataURI Where the tenant's metadata lives
    /// @param metadataHash Content hash of that metadata
    /// @param seq Journal sequence number
    event TenantRegistered(
        uint64 indexed tenantId,
        address indexed owner,
        TenantStatus status,
        uint40 createdAt,
        string metadataURI,
        bytes32 metadataHash,
        uint64 seq
    );

    /// @notice A tenant's status changed (approve, reject, suspend, resume, close).
    /// @param tenantId The tenant
    /// @param from Status before
    /// @param to Status after
    /// @param reasonCode Platform-defined reason (0 when none: approve, owner close)
    /// @param by The account that made the change
    /// @param seq Journal sequence number
    event TenantStatusChanged(
        uint64 indexed tenantId, TenantStatus from, TenantStatus to, uint32 reasonCode, address by, uint64 seq
    );

    /// @notice A tenant's metadata changed.
    /// @param tenantId The tenant
    /// @param metadataURI New URI
    /// @param metadataHash New content hash
    /// @param seq Journal sequence number
    event TenantMetadataUpdated(uint64 indexed tenantId, string metadataURI, bytes32 metadataHash, uint64 seq);

    /// @notice The owner proposed a new owner (address(0) cancels a proposal).
    /// @param tenantId The tenant
    /// @param currentOwner The owner now
    /// @param proposedOwner The account that may accept
    /// @param seq Journal sequence number
    event TenantOwnershipProposed(
        uint64 indexed tenantId, address indexed currentOwner, address indexed proposedOwner, uint64 seq
    );

    /// @notice The proposed owner accepted; ownership moved, and every operator granted before it lapsed
    /// (`operatorExpiry` reads 0 for them from this event on; the new owner grants its own).
    /// @param tenantId The tenant
    /// @param previousOwner The owner before
    /// @param newOwner The owner now
    /// @param seq Journal sequence number
    event TenantOwnershipTransferred(
        uint64 indexed tenantId, address indexed previousOwner, address indexed newOwner, uint64 seq
    );

    /// @notice The owner granted (or re-granted, replacing the expiry) an operator.
    /// @param tenantId The tenant
    /// @param operator The operator
    /// @param expiresAt Timestamp from which the grant no longer authorizes
    /// @param seq Journal sequence number
    event OperatorGranted(uint64 indexed tenantId, address indexed operator, uint40 expiresAt, uint64 seq);

    /// @notice The owner revoked an operator before its expiry.
    /// @param tenantId The tenant
    /// @param operator The operator
    /// @param seq Journal sequence number
    event OperatorRevoked(uint64 indexed tenantId, address indexed operator, uint64 seq);

    /// @notice An admin set a tenant's quota for a resource class.
    /// @param tenantId The tenant
    /// @param resourceClass Class of capacity, e.g. bytes32("gpu.h100")
    /// @param maxUnits Most units the tenant may hold at once in that class (0: none)
    /// @param seq Journal sequence number
    event QuotaSet(uint64 indexed tenantId, bytes32 indexed resourceClass, uint64 maxUnits, uint64 seq);

    /// @notice A role was granted or revoked (beside OpenZeppelin's RoleGranted or RoleRevoked, and
    /// journaled, which those are not). Emitted only when the role actually changed hands.
    /// @param role The role
    /// @param account The account that received or lost it
    /// @param granted True for a grant, false for a revocation or renunciation
    /// @param sender The caller that made the change
    /// @param seq Journal sequence number
    event RoleChanged(bytes32 indexed role, address indexed account, bool granted, address sender, uint64 seq);

    /// @notice An admin changed the registration policy.
    /// @param policy The new policy
    /// @param seq Journal sequence number
    event RegistrationPolicyChanged(RegistrationPolicy policy, uint64 seq);

    // ----------------------------------------------------------------------------- mutations

    /// @notice Register a tenant owned by the caller.
    /// @param metadataURI Where the tenant's metadata lives (at most 256 bytes)
    /// @param metadataHash Content hash of that metadata
    /// @return tenantId The new tenant's id
    function register(string calldata metadataURI, bytes32 metadataHash) external returns (uint64 tenantId);

    /// @notice Approve a Pending tenant (Pending→Active). ADMIN_ROLE only.
    /// @param tenantId The tenant
    function approve(uint64 tenantId) external;

    /// @notice Reject a Pending tenant (Pending→Closed). ADMIN_ROLE only.
    /// @param tenantId The tenant
    /// @param reasonCode Platform-defined reason
    function reject(uint64 tenantId, uint32 reasonCode) external;

    /// @notice Suspend an Active tenant (Active→Suspended). ADMIN_ROLE only.
    /// @param tenantId The tenant
    /// @param reasonCode Platform-defined reason
    function suspend(uint64 tenantId, uint32 reasonCode) external;

    /// @notice Resume a Suspended tenant (Suspended→Active). ADMIN_ROLE only.
    /// @param tenantId The tenant
    /// @param reasonCode Platform-defined reason
    function resume(uint64 tenantId, uint32 reasonCode) external;

    /// @notice Close a tenant for good (Pending|Active|Suspended→Closed). Owner only. A pending ownership
    /// proposal is cancelled with it (`TenantOwnershipProposed` to address(0) before the status change).
    /// @param tenantId The tenant
    function close(uint64 tenantId) external;

    /// @notice Replace the tenant's metadata. Owner only, tenant not Closed.
    /// @param tenantId The tenant
    /// @param metadataURI New URI (at most 256 bytes)
    /// @param metadataHash New content hash
    function updateMetadata(uint64 tenantId, string calldata metadataURI, bytes32 metadataHash) external;

    /// @notice Propose a new owner; it takes effect when that account accepts. address(0) cancels.
    /// Owner only, tenant not Closed.
    /// @param tenantId The tenant
    /// @param newOwner The proposed owner
    function proposeOwner(uint64 tenantId, address newOwner) external;

    /// @notice Accept a pending ownership proposal. The proposed owner only. Every operator the previous
    /// owner granted lapses.
    /// @param tenantId The tenant
    function acceptOwnership(uint64 tenantId) external;

    /// @notice Grant an operator until `expiresAt` (a re-grant replaces the expiry). Owner only, tenant not
    /// Closed. Its spending limits are set in the lease market (`ILeaseMarket.setOperatorLimits`).
    /// @param tenantId The tenant
    /// @param operator The operator
    /// @param expiresAt Timestamp from which the grant no longer authorizes (must be in the future)
    function grantOperator(uint64 tenantId, address operator, uint40 expiresAt) external;

    /// @notice Revoke an operator. Owner only.
    /// @param tenantId The tenant
    /// @param operator The operator
    function revokeOperator(uint64 tenantId, address operator) external;

    /// @notice Set the most units of `resourceClass` the tenant may hold at once. ADMIN_ROLE only.
    /// @param tenantId The tenant
    /// @param resourceClass The class (non-zero)
    /// @param maxUnits The quota (0 forbids new leases in the class)
    function setQuota(uint64 tenantId, bytes32 resourceClass, uint64 maxUnits) external;

    /// @notice Set how new tenants enter. ADMIN_ROLE only.
    /// @param policy Open or Approval
    function setRegistrationPolicy(RegistrationPolicy policy) external;

    // ---------------------------------------------------------------------------------- views

    /// @notice The stored tenant (status None for an unknown id).
    /// @param tenantId The tenant
    function tenant(uint64 tenantId) external view returns (Tenant memory);

    /// @notice The tenant's metadata.
    /// @param tenantId The tenant
    function metadata(uint64 tenantId) external view returns (string memory metadataURI, bytes32 metadataHash);

    /// @notice How many tenants were registered (the highest id).
    function tenantCount() external view returns (uint64);

    /// @notice The proposed new owner, or address(0).
    /// @param tenantId The tenant
    function pendingOwner(uint64 tenantId) external view returns (address);

    /// @notice When the operator's grant expires (0: never granted, revoked, or granted before the last
    /// ownership transfer). The grant authorizes while `block.timestamp < expiresAt`.
    /// @param tenantId The tenant
    /// @param operator The operator
    function operatorExpiry(uint64 tenantId, address operator) external view returns (uint40);

    /// @notice The tenant's quota for a resource class.
    /// @param tenantId The tenant
    /// @param resourceClass The class
    function quota(uint64 tenantId, bytes32 resourceClass) external view returns (uint64);

    /// @notice The current registration policy.
    function registrationPolicy() external view returns (RegistrationPolicy);

    /// @notice True when `account` is the owner or an unexpired operator of an Active tenant.
    /// @param tenantId The tenant
    /// @param account The account asking to act for it
    function isAuthorized(uint64 tenantId, address account) external view returns (bool);

    /// @notice Everything the lease market asks before opening a lease, in one call: `isAuthorized`, the
    /// quota for `resourceClass`, whether the pool's provider still holds PROVIDER_ROLE, whether the
    /// account is the owner (never limited), and the tenant's `operatorEpoch` (the generation of its
    /// operator grants, advanced by every ownership transfer), which keys an operator's limits in the
    /// market.
    /// @param tenantId The tenant
    /// @param account The account asking to act for it
    /// @param resourceClass The class
    /// @param provider The pool's provider
    function authorization(uint64 tenantId, address account, bytes32 resourceClass, address provider)
        external
        view
        returns (bool authorized, bool owner, uint32 operatorEpoch, uint64 maxUnits, bool providerActive);

    /// @notice The tenant's status and whether `account` is its owner or an unexpired operator whatever
    /// that status, whether it is the owner and the tenant's `operatorEpoch` (as in `authorization`).
    /// The lease market lets a member release in Active or Suspended and extend only in Active.
    /// @param tenantId The tenant
    /// @param account The account asking to act for it
    function membership(uint64 tenantId, address account)
        external
        view
        returns (TenantStatus status, bool member, bool owner, uint32 operatorEpoch);
}

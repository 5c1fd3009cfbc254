// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {
    AccessControlDefaultAdminRules
} from "@openzeppelin/contracts/access/extensions/AccessControlDefaultAdminRules.sol";
import {ITenantRegistry} from "./interfaces/ITenantRegistry.sol";
import {TenantStatus, RegistrationPolicy, Roles} from "./common/Types.sol";
import {Journal} from "./common/Journal.sol";

/// @title TenantRegistry
/// @notice Who the tenants are. See `ITenantRegistry` for the behaviour and the roles.
contract TenantRegistry is ITenantRegistry, AccessControlDefaultAdminRules, Journal {
    /// @notice Longest metadata URI stored.
    uint256 public constant MAX_URI_LENGTH = 256;

    /// @dev A tenant as stored: `Tenant` plus the generation of its operator grants, which every change
    /// of owner advances (so the previous owner's grants stop counting without a loop over them).
    struct StoredTenant {
        address owner;
        TenantStatus status;
        uint40 createdAt;
        uint32 operatorEpoch;
    }

    /// @dev An operator grant: valid while `epoch` is its tenant's `operatorEpoch` and before `expiresAt`
    /// (its spending limits are the lease market's: see `ITenantRegistry`).
    struct OperatorGrant {
        uint40 expiresAt;
        uint32 epoch;
    }

    /// @dev One slot per tenant: owner 160 | status 8 | createdAt 40 | operatorEpoch 32. `isAuthorized`
    /// for the owner reads only this slot.
    mapping(uint64 tenantId => StoredTenant) private _tenants;
    mapping(uint64 tenantId => string) private _metadataURIs;
    mapping(uint64 tenantId => bytes32) private _metadataHashes;
    mapping(uint64 tenantId => address) private _pendingOwners;
    /// @dev One slot per grant: expiresAt 40 | epoch 32.
    mapping(uint64 tenantId => mapping(address operator => OperatorGrant)) private _operators;
    mapping(uint64 tenantId => mapping(bytes32 resourceClass => uint64 maxUnits)) private _quotas;

    /// @dev tenantCount 64 | policy 8: one slot, both read by `register`.
    uint64 private _tenantCount;
    RegistrationPolicy private _policy;

    /// @param initialAdmin Holder of DEFAULT_ADMIN_ROLE and ADMIN_ROLE
    /// @param adminTransferDelay Delay (seconds) before a default-admin transfer can be accepted
    constructor(address initialAdmin, uint48 adminTransferDelay)
        AccessControlDefaultAdminRules(adminTransferDelay, initialAdmin)
    {
        _grantRole(Roles.ADMIN_ROLE, initialAdmin);
        // Platform admins onboard and offboard providers; only the default admin manages admins.
        _setRoleAdmin(Roles.PROVIDER_ROLE, Roles.ADMIN_ROLE);
    }

    // -------------------------------------------------------------------------------- modifiers

    modifier onlyTenantOwner(uint64 tenantId) {
        _checkOwner(tenantId);
        _;
    }

    // ---------------------------------------------------------------------------- registration

    /// @inheritdoc ITenantRegistry
    function register(string calldata metadataURI, bytes32 metadataHash) external returns (uint64 tenantId) {
        _checkUri(metadataURI);
        // Cannot overflow: 2^64 registrations would cost more gas than will ever exist.
        unchecked {
            tenantId = ++_tenantCount;
        }
        TenantStatus status = _policy == RegistrationPolicy.Open ? TenantStatus.Active : TenantStatus.Pending;
        uint40 createdAt = uint40(block.timestamp);
        _tenants[tenantId] = StoredTenant({owner: msg.sender, status: status, createdAt: createdAt, operatorEpoch: 0});
        _setMetadata(tenantId, metadataURI, metadataHash);

        uint64 seq = _nextSeq();
        _append(
            seq,
            abi.encodePacked(
                TenantRegistered.selector,
                bytes32(uint256(tenantId)),
                bytes32(uint256(uint160(msg.sender))),
                abi.encode(status, createdAt, metadataURI, metadataHash, seq)
            )
        );
        emit TenantRegistered(tenantId, msg.sender, status, createdAt, metadataURI, metadataHash, seq);
    }

    /// @inheritdoc ITenantRegistry
    function approve(uint64 tenantId) external onlyRole(Roles.ADMIN_ROLE) {
        _transition(tenantId, TenantStatus.Pending, TenantStatus.Active, 0);
    }

    /// @inheritdoc ITenantRegistry
    function reject(uint64 tenantId, uint32 reasonCode) external onlyRole(Roles.ADMIN_ROLE) {
        _transition(tenantId, TenantStatus.Pending, TenantStatus.Closed, reasonCode);
    }

    /// @inheritdoc ITenantRegistry
    function suspend(uint64 tenantId, uint32 reasonCode) external onlyRole(Roles.ADMIN_ROLE) {
        _transition(tenantId, TenantStatus.Active, TenantStatus.Suspended, reasonCode);
    }

    /// @inheritdoc ITenantRegistry
    function resume(uint64 tenantId, uint32 reasonCode) external onlyRole(Roles.ADMIN_ROLE) {
        _transition(tenantId, TenantStatus.Suspended, TenantStatus.Active, reasonCode);
    }

    /// @inheritdoc ITenantRegistry
    function close(uint64 tenantId) external onlyTenantOwner(tenantId) {
        TenantStatus from = _tenants[tenantId].status;
        if (from == TenantStatus.Closed) revert RegistryInvalidStatus(tenantId, from);
        // A proposal to a Closed tenant could never be accepted: cancel it, as the owner would.
        if (_pendingOwners[tenantId] != address(0)) _proposeOwner(tenantId, address(0));
        _setStatus(tenantId, from, TenantStatus.Closed, 0);
    }

    /// @inheritdoc ITenantRegistry
    function updateMetadata(uint64 tenantId, string calldata metadataURI, bytes32 metadataHash)
        external
        onlyTenantOwner(tenantId)
    {
        _checkNotClosed(tenantId);
        _checkUri(metadataURI);
        _setMetadata(tenantId, metadataURI, metadataHash);
        uint64 seq = _nextSeq();
        _append(
            seq,
            abi.encodePacked(
                TenantMetadataUpdated.selector, bytes32(uint256(tenantId)), abi.encode(metadataURI, metadataHash, seq)
            )
        );
        emit TenantMetadataUpdated(tenantId, metadataURI, metadataHash, seq);
    }

    // -------------------------------------------------------------------------------- ownership

    /// @inheritdoc ITenantRegistry
    function proposeOwner(uint64 tenantId, address newOwner) external onlyTenantOwner(tenantId) {
        _checkNotClosed(tenantId);
        _proposeOwner(tenantId, newOwner);
    }

    /// @dev The one place a proposal changes (the caller is the owner): write, journal, emit.
    function _proposeOwner(uint64 tenantId, address newOwner) private {
        _pendingOwners[tenantId] = newOwner;
        uint64 seq = _nextSeq();
        _append(
            seq,
            abi.encodePacked(
                TenantOwnershipProposed.selector,
                bytes32(uint256(tenantId)),
                bytes32(uint256(uint160(msg.sender))),
                bytes32(uint256(uint160(newOwner))),
                abi.encode(seq)
            )
        );
        emit TenantOwnershipProposed(tenantId, msg.sender, newOwner, seq);
    }

    /// @inheritdoc ITenantRegistry
    function acceptOwnership(uint64 tenantId) external {
        if (_pendingOwners[tenantId] != msg.sender || msg.sender == address(0)) {
            revert RegistryNotPendingOwner(tenantId, msg.sender);
        }
        // No Closed check: a proposal exists only for a tenant that is not Closed (`close` cancels it).
        StoredTenant storage t = _tenants[tenantId];
        address previous = t.owner;
        t.owner = msg.sender;
        // Every grant of the previous owner lapses. Wrapping would take 2^32 transfers of one tenant.
        unchecked {
            ++t.operatorEpoch;
        }
        delete _pendingOwners[tenantId];
        uint64 seq = _nextSeq();
        _append(
            seq,
            abi.encodePacked(
                TenantOwnershipTransferred.selector,
                bytes32(uint256(tenantId)),
                bytes32(uint256(uint160(previous))),
                bytes32(uint256(uint160(msg.sender))),
                abi.encode(seq)
            )
        );
        emit TenantOwnershipTransferred(tenantId, previous, msg.sender, seq);
    }

    // -------------------------------------------------------------------------------- operators

    /// @inheritdoc ITenantRegistry
    function grantOperator(uint64 tenantId, address operator, uint40 expiresAt) external onlyTenantOwner(tenantId) {
        if (operator == address(0)) revert RegistryZeroAddress();
        if (expiresAt <= block.timestamp) revert RegistryExpiryInPast(expiresAt, block.timestamp);
        _checkNotClosed(tenantId);
        uint32 epoch = _tenants[tenantId].operatorEpoch;
        _operators[tenantId][operator] = OperatorGrant({expiresAt: expiresAt, epoch: epoch});
        uint64 seq = _nextSeq();
        _append(
            seq,
            abi.encodePacked(
                OperatorGranted.selector,
                bytes32(uint256(tenantId)),
                bytes32(uint256(uint160(operator))),
                abi.encode(expiresAt, seq)
            )
        );
        emit OperatorGranted(tenantId, operator, expiresAt, seq);
    }

    /// @inheritdoc ITenantRegistry
    function revokeOperator(uint64 tenantId, address operator) external onlyTenantOwner(tenantId) {
        if (_grantExpiry(tenantId, operator) == 0) revert RegistryNotOperator(tenantId, operator);
        delete _operators[tenantId][operator];
        uint64 seq = _nextSeq();
        _append(
            seq,
            abi.encodePacked(
                OperatorRevoked.selector,
                bytes32(uint256(tenantId)),
                bytes32(uint256(uint160(operator))),
                abi.encode(seq)
            )
        );
        emit OperatorRevoked(tenantId, operator, seq);
    }

    // ---------------------------------------------------------------------------------- admin

    /// @inheritdoc ITenantRegistry
    function setQuota(uint64 tenantId, bytes32 resourceClass, uint64 maxUnits) external onlyRole(Roles.ADMIN_ROLE) {
        if (resourceClass == bytes32(0)) revert RegistryZeroResourceClass();
        _checkExists(tenantId);
        _quotas[tenantId][resourceClass] = maxUnits;
        uint64 seq = _nextSeq();
        _append(
            seq,
            abi.encodePacked(QuotaSet.selector, bytes32(uint256(tenantId)), resourceClass, abi.encode(maxUnits, seq))
        );
        emit QuotaSet(tenantId, resourceClass, maxUnits, seq);
    }

    /// @inheritdoc ITenantRegistry
    function setRegistrationPolicy(RegistrationPolicy policy) external onlyRole(Roles.ADMIN_ROLE) {
        _policy = policy;
        uint64 seq = _nextSeq();
        _append(seq, abi.encodePacked(RegistrationPolicyChanged.selector, abi.encode(policy, seq)));
        emit RegistrationPolicyChanged(policy, seq);
    }

    // ---------------------------------------------------------------------------------- views

    /// @inheritdoc ITenantRegistry
    function tenant(uint64 tenantId) external view returns (Tenant memory) {
        StoredTenant storage t = _tenants[tenantId];
        return Tenant({owner: t.owner, status: t.status, createdAt: t.createdAt});
    }

    /// @inheritdoc ITenantRegistry
    function metadata(uint64 tenantId) external view returns (string memory metadataURI, bytes32 metadataHash) {
        return (_metadataURIs[tenantId], _metadataHashes[tenantId]);
    }

    /// @inheritdoc ITenantRegistry
    function tenantCount() external view returns (uint64) {
        return _tenantCount;
    }

    /// @inheritdoc ITenantRegistry
    function pendingOwner(uint64 tenantId) external view returns (address) {
        return _pendingOwners[tenantId];
    }

    /// @inheritdoc ITenantRegistry
    function operatorExpiry(uint64 tenantId, address operator) external view returns (uint40) {
        return _grantExpiry(tenantId, operator);
    }

    /// @inheritdoc ITenantRegistry
    function quota(uint64 tenantId, bytes32 resourceClass) external view returns (uint64) {
        return _quotas[tenantId][resourceClass];
    }

    /// @inheritdoc ITenantRegistry
    function registrationPolicy() external view returns (RegistrationPolicy) {
        return _policy;
    }

    /// @inheritdoc ITenantRegistry
    function isAuthorized(uint64 tenantId, address account) public view returns (bool) {
        // One SLOAD for owner and status, which share the tenant's slot: the compiler read the packed
        // slot once per field, 114 gas more per call (measured on Anvil, anchoring through DataAnchor).
        StoredTenant storage t = _tenants[tenantId];
        uint256 word;
        assembly ("memory-safe") {
            word := sload(t.slot)
        }
        // Layout: owner in bits 0-159, status 160-167, createdAt 168-207, operatorEpoch 208-239.
        if (uint8(word >> 160) != uint8(TenantStatus.Active)) return false;
        if (address(uint160(word)) == account) return true;
        OperatorGrant storage grant = _operators[tenantId][account];
        return grant.epoch == uint32(word >> 208) && grant.expiresAt > block.timestamp;
    }

    /// @inheritdoc ITenantRegistry
    function authorization(uint64 tenantId, address account, bytes32 resourceClass, address provider)
        external
        view
        returns (bool authorized, bool owner, uint32 operatorEpoch, uint64 maxUnits, bool providerActive)
    {
        TenantStatus status;
        (status, authorized, owner, operatorEpoch) = _membership(tenantId, account);
        if (status != TenantStatus.Active) authorized = false;
        return
            (authorized, owner, operatorEpoch, _quotas[tenantId][resourceClass], hasRole(Roles.PROVIDER_ROLE, provider));
    }

    /// @inheritdoc ITenantRegistry
    function membership(uint64 tenantId, address account)
        external
        view
        returns (TenantStatus status, bool member, bool owner, uint32 operatorEpoch)
    {
        return _membership(tenantId, account);
    }

    // ------------------------------------------------------------------------ admin handover

    /// @dev Completes OpenZeppelin's two-step default-admin transfer: the new default admin also takes
    /// every platform role the previous one held (ADMIN_ROLE, PROVIDER_ROLE), and the previous one keeps
    /// none, so no power outlives the handover. OpenZeppelin's RoleGranted/RoleRevoked and the journaled
    /// RoleChanged events report it.
    function _acceptDefaultAdminTransfer() internal override {
        address previous = defaultAdmin();
        (address next,) = pendingDefaultAdmin();
        super._acceptDefaultAdminTransfer();
        _moveRole(Roles.ADMIN_ROLE, previous, next);
        _moveRole(Roles.PROVIDER_ROLE, previous, next);
    }

    function _moveRole(bytes32 role, address from, address to) private {
        if (_revokeRole(role, from)) _grantRole(role, to);
    }

    // ------------------------------------------------------------------------- role journal

    /// @dev Every role grant (constructor, grantRole, the admin handover) passes here: journal it.
    function _grantRole(bytes32 role, address account) internal override returns (bool granted) {
        granted = super._grantRole(role, account);
        if (granted) _journalRole(role, account, true);
    }

    /// @dev Every revocation and renunciation passes here: journal it.
    function _revokeRole(bytes32 role, address account) internal override returns (bool revoked) {
        revoked = super._revokeRole(role, account);
        if (revoked) _journalRole(role, account, false);
    }

    /// @dev The one place a role change is journaled and announced with its `seq`.
    function _journalRole(bytes32 role, address account, bool granted) private {
        uint64 seq = _nextSeq();
        address sender = _msgSender();
        _append(
            seq,
            abi.encodePacked(
                RoleChanged.selector, role, bytes32(uint256(uint160(account))), abi.encode(granted, sender, seq)
            )
        );
        emit RoleChanged(role, account, granted, sender, seq);
    }

    // ------------------------------------------------------------------------------- internals

    function _transition(uint64 tenantId, TenantStatus expected, TenantStatus to, uint32 reasonCode) private {
        TenantStatus from = _tenants[tenantId].status;
        if (from == TenantStatus.None) revert RegistryUnknownTenant(tenantId);
        if (from != expected) revert RegistryInvalidStatus(tenantId, from);
        _setStatus(tenantId, from, to, reasonCode);
    }

    /// @dev The one place a tenant's status changes: write, journal, emit.
    function _setStatus(uint64 tenantId, TenantStatus from, TenantStatus to, uint32 reasonCode) private {
        _tenants[tenantId].status = to;
        uint64 seq = _nextSeq();
        _append(
            seq,
            abi.encodePacked(
                TenantStatusChanged.selector,
                bytes32(uint256(tenantId)),
                abi.encode(from, to, reasonCode, msg.sender, seq)
            )
        );
        emit TenantStatusChanged(tenantId, from, to, reasonCode, msg.sender, seq);
    }

    function _setMetadata(uint64 tenantId, string calldata metadataURI, bytes32 metadataHash) private {
        _metadataURIs[tenantId] = metadataURI;
        _metadataHashes[tenantId] = metadataHash;
    }

    /// @dev Status, owner-or-unexpired-operator, owner, and the generation of grants, whatever the status.
    function _membership(uint64 tenantId, address account)
        private
        view
        returns (TenantStatus status, bool member, bool owner, uint32 operatorEpoch)
    {
        StoredTenant storage t = _tenants[tenantId];
        (status, operatorEpoch) = (t.status, t.operatorEpoch);
        if (t.owner == account) return (status, status != TenantStatus.None, true, operatorEpoch);
        OperatorGrant storage grant = _operators[tenantId][account];
        member = grant.epoch == operatorEpoch && grant.expiresAt > block.timestamp;
    }

    /// @dev The grant's expiry if it belongs to the tenant's current owner, else 0 (revoked or lapsed by
    /// an ownership transfer).
    function _grantExpiry(uint64 tenantId, address operator) private view returns (uint40) {
        OperatorGrant storage grant = _operators[tenantId][operator];
        return grant.epoch == _tenants[tenantId].operatorEpoch ? grant.expiresAt : 0;
    }

    function _checkOwner(uint64 tenantId) private view {
        address owner = _tenants[tenantId].owner;
        if (owner == address(0)) revert RegistryUnknownTenant(tenantId);
        if (owner != msg.sender) revert RegistryNotTenantOwner(tenantId, msg.sender);
    }

    function _checkExists(uint64 tenantId) private view {
        if (_tenants[tenantId].status == TenantStatus.None) revert RegistryUnknownTenant(tenantId);
    }

    function _checkNotClosed(uint64 tenantId) private view {
        TenantStatus status = _tenants[tenantId].status;
        if (status == TenantStatus.Closed) revert RegistryInvalidStatus(tenantId, status);
    }

    function _checkUri(string calldata metadataURI) private pure {
        if (bytes(metadataURI).length > MAX_URI_LENGTH) {
            revert RegistryUriTooLong(bytes(metadataURI).length, MAX_URI_LENGTH);
        }
    }
}

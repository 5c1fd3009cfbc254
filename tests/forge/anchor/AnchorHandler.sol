// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Vm, VM_ADDRESS} from "../utils/Vm.sol";
import {JournalReplay} from "../utils/JournalReplay.sol";
import {DataAnchor} from "../../../contracts/DataAnchor.sol";
import {IDataAnchor} from "../../../contracts/interfaces/IDataAnchor.sol";
import {TenantRegistry} from "../../../contracts/TenantRegistry.sol";
import {TenantStatus} from "../../../contracts/common/Types.sol";

/// @notice Drives a DataAnchor (and the registry around it) with random anchors, batches and
/// revocations by random callers, while tenants are suspended, resumed, closed and handed to new
/// owners and operators come and go. Its own model of who is authorized is independent of the contracts: owners, operator
/// expiries and statuses as the handler set them. Ghost books: the record each anchor wrote, calls
/// that succeeded for an unauthorized caller, authorized calls that failed, the replayed journal.
contract AnchorHandler {
    using JournalReplay for JournalReplay.State;

    Vm internal constant vm = Vm(VM_ADDRESS);
    uint256 internal constant DIGESTS = 12; // few enough that anchors collide

    DataAnchor public immutable anchor;
    TenantRegistry public immutable registry;
    address public immutable admin;
    address[5] internal _actors = [address(0xB1), address(0xB2), address(0xB3), address(0xB4), address(0xB5)];

    uint64[] public tenants;
    mapping(uint64 tenantId => address) public ownerOf;
    mapping(uint64 tenantId => TenantStatus) public statusOf;
    mapping(uint64 tenantId => mapping(address operator => uint40)) public expiryOf;

    bytes32[] public anchored; // digests in the order they were first anchored
    mapping(bytes32 digest => IDataAnchor.AnchorRecord) internal _records;

    JournalReplay.State internal _journal;
    uint256 public journaledEvents;
    uint256 public unauthorizedSuccesses; // anchor/revoke succeeded for a caller the model refuses
    uint256 public authorizedFailures; // a fresh, authorized anchor or revoke that reverted
    uint256 public rewrites; // a second anchor of a digest, or a second revocation, that succeeded
    mapping(bytes4 selector => uint256) public successes;

    constructor(DataAnchor anchor_, TenantRegistry registry_, address admin_) {
        anchor = anchor_;
        registry = registry_;
        admin = admin_;
    }

    /// @dev A new Active tenant owned by actor `i` (at most 8, so ids keep colliding).
    function addTenant(uint256 i) external {
        if (tenants.length >= 8) return;
        address owner = _actors[i % _actors.length];
        vm.prank(owner);
        uint64 tenantId = registry.register("ipfs://tenant", bytes32(i));
        tenants.push(tenantId);
        ownerOf[tenantId] = owner;
        statusOf[tenantId] = TenantStatus.Active;
    }

    // ------------------------------------------------------------------------------- actions

    function anchorDigest(uint256 tenantSeed, uint256 actorSeed, uint256 digestSeed) external {
        _anchor(tenantSeed, actorSeed, digestSeed, 0, this.anchorDigest.selector);
    }

    function anchorBatch(uint256 tenantSeed, uint256 actorSeed, uint256 digestSeed, uint32 count) external {
        _anchor(tenantSeed, actorSeed, digestSeed, count == 0 ? 1 : count, this.anchorBatch.selector);
    }

    function revoke(uint256 actorSeed, uint256 digestSeed, uint32 reason) external {
        bytes32 digest = _digest(digestSeed);
        address caller = _caller(actorSeed, _records[digest].tenantId);
        IDataAnchor.AnchorRecord memory record = _records[digest];
        bool allowed = record.tenantId != 0 && _authorized(record.tenantId, caller);
        bool expectOk = allowed && record.revokedAt == 0;
        _begin();
        vm.prank(caller);
        try anchor.revoke(digest, reason) {
            if (!allowed) ++unauthorizedSuccesses;
            if (record.revokedAt != 0) ++rewrites;
            _records[digest].revokedAt = uint40(block.timestamp);
            _records[digest].revokeReason = reason;
            _end(this.revoke.selector);
        } catch {
            if (expectOk) ++authorizedFailures;
            _end(bytes4(0));
        }
    }

    function suspendOrResume(uint256 tenantSeed) external {
        uint64 tenantId = tenants[tenantSeed % tenants.length];
        TenantStatus status = statusOf[tenantId];
        if (status != TenantStatus.Active && status != TenantStatus.Suspended) return;
        vm.prank(admin);
        if (status == TenantStatus.Active) {
            registry.suspend(tenantId, 1);
            statusOf[tenantId] = TenantStatus.Suspended;
        } else {
            registry.resume(tenantId, 0);
            statusOf[tenantId] = TenantStatus.Active;
        }
    }

    /// @dev Closes one tenant in four asked for, so that sequences keep Active tenants to anchor for.
    function closeTenant(uint256 tenantSeed) external {
        uint64 tenantId = tenants[tenantSeed % tenants.length];
        if (statusOf[tenantId] == TenantStatus.Closed || tenantSeed % 4 != 0) return;
        vm.prank(ownerOf[tenantId]);
        registry.close(tenantId);
        statusOf[tenantId] = TenantStatus.Closed;
    }

    function grantOperator(uint256 tenantSeed, uint256 actorSeed, uint32 lifetime) external {
        uint64 tenantId = tenants[tenantSeed % tenants.length];
        if (statusOf[tenantId] == TenantStatus.Closed) return;
        address operator = _actors[actorSeed % _actors.length];
        uint40 expiresAt = uint40(block.timestamp) + 1 + uint40(lifetime % 2 days);
        vm.prank(ownerOf[tenantId]);
        registry.grantOperator(tenantId, operator, expiresAt);
        expiryOf[tenantId][operator] = expiresAt;
    }

    function revokeOperator(uint256 tenantSeed, uint256 actorSeed) external {
        uint64 tenantId = tenants[tenantSeed % tenants.length];
        address operator = _actors[actorSeed % _actors.length];
        if (expiryOf[tenantId][operator] == 0) return;
        vm.prank(ownerOf[tenantId]);
        registry.revokeOperator(tenantId, operator);
        expiryOf[tenantId][operator] = 0;
    }

    /// @dev The owner hands the tenant to another actor, who accepts: in the model, every operator of
    /// the tenant lapses (the old owner's grants stop counting).
    function transferOwnership(uint256 tenantSeed, uint256 actorSeed) external {
        uint64 tenantId = tenants[tenantSeed % tenants.length];
        if (statusOf[tenantId] == TenantStatus.Closed) return;
        address next = _actors[actorSeed % _actors.length];
        vm.prank(ownerOf[tenantId]);
        registry.proposeOwner(tenantId, next);
        vm.prank(next);
        registry.acceptOwnership(tenantId);
        ownerOf[tenantId] = next;
        for (uint256 i; i < _actors.length; ++i) {
            expiryOf[tenantId][_actors[i]] = 0;
        }
    }

    function warp(uint32 seconds_) external {
        vm.warp(block.timestamp + (seconds_ % 1 days));
        vm.roll(block.number + 1);
    }

    // --------------------------------------------------------------------------------- views

    function anchoredCount() external view returns (uint256) {
        return anchored.length;
    }

    function recordOf(bytes32 digest) external view returns (IDataAnchor.AnchorRecord memory) {
        return _records[digest];
    }

    function journalState() external view returns (uint64 seq, bytes24 head, uint256 gaps) {
        return (_journal.seq, _journal.head, _journal.gaps);
    }

    // ------------------------------------------------------------------------------ internals

    function _anchor(uint256 tenantSeed, uint256 actorSeed, uint256 digestSeed, uint32 count, bytes4 action) internal {
        uint64 tenantId = _tenant(tenantSeed);
        address caller = _caller(actorSeed, tenantId);
        bytes32 digest = _digest(digestSeed);
        bool allowed = _authorized(tenantId, caller);
        bool expectOk = allowed && _records[digest].tenantId == 0;
        _begin();
        vm.prank(caller);
        bool ok;
        if (count == 0) {
            try anchor.anchor(tenantId, digest) {
                ok = true;
            } catch {}
        } else {
            try anchor.anchorBatch(tenantId, digest, count, "ipfs://batch") {
                ok = true;
            } catch {}
        }
        if (ok && _records[digest].tenantId != 0) {
            ++rewrites; // first anchor wins: the books keep the first record
        } else if (ok) {
            if (!allowed) ++unauthorizedSuccesses;
            anchored.push(digest);
            _records[digest] = IDataAnchor.AnchorRecord({
                tenantId: tenantId,
                timestamp: uint40(block.timestamp),
                blockNumber: uint40(block.number),
                revokedAt: 0,
                count: count,
                revokeReason: 0
            });
        } else if (expectOk) {
            ++authorizedFailures;
        }
        _end(ok ? action : bytes4(0));
    }

    /// @dev The model: an Active tenant's owner, or an operator before its expiry.
    function _authorized(uint64 tenantId, address caller) internal view returns (bool) {
        if (statusOf[tenantId] != TenantStatus.Active) return false;
        return ownerOf[tenantId] == caller || expiryOf[tenantId][caller] > block.timestamp;
    }

    /// @dev Often the tenant's owner (so that anchors happen), else any actor.
    function _caller(uint256 seed, uint64 tenantId) internal view returns (address) {
        if (seed % 2 == 0 && ownerOf[tenantId] != address(0)) return ownerOf[tenantId];
        return _actors[seed % _actors.length];
    }

    /// @dev A known tenant, or an unknown id one past the last.
    function _tenant(uint256 seed) internal view returns (uint64) {
        return uint64(seed % (tenants.length + 1)) + 1;
    }

    function _digest(uint256 seed) internal pure returns (bytes32) {
        return keccak256(abi.encode("digest", seed % DIGESTS));
    }

    function _begin() internal {
        vm.recordLogs();
    }

    function _end(bytes4 action) internal {
        if (action != bytes4(0)) ++successes[action];
        Vm.Log[] memory logs = vm.getRecordedLogs();
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].emitter != address(anchor)) continue;
            bytes32 topic0 = logs[i].topics[0];
            uint256 seqWord;
            if (topic0 == IDataAnchor.Anchored.selector) seqWord = 1;
            else if (topic0 == IDataAnchor.BatchAnchored.selector) seqWord = 3;
            else if (topic0 == IDataAnchor.AnchorRevoked.selector) seqWord = 3;
            else continue;
            _journal.append(logs[i], seqWord);
            ++journaledEvents;
        }
    }
}

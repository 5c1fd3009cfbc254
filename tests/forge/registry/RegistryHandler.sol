// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Vm, VM_ADDRESS} from "../utils/Vm.sol";
import {JournalReplay} from "../utils/JournalReplay.sol";
import {TenantRegistry} from "../../../contracts/TenantRegistry.sol";
import {ITenantRegistry} from "../../../contracts/interfaces/ITenantRegistry.sol";
import {TenantStatus, RegistrationPolicy} from "../../../contracts/common/Types.sol";

/// @notice Drives a TenantRegistry with random actions by random callers (owners, strangers, the
/// admin) and keeps ghost books: every status change seen and whether its edge is allowed, every call
/// that succeeded for a caller without the right, and the journal replayed from the recorded logs.
/// Actions never assert (the fuzzer discards a handler revert); they count what they see.
contract RegistryHandler {
    using JournalReplay for JournalReplay.State;

    Vm internal constant vm = Vm(VM_ADDRESS);
    uint256 internal constant MAX_TENANTS = 8;

    TenantRegistry public immutable registry;
    address public immutable admin;
    address[4] internal _actors = [address(0xA1), address(0xA2), address(0xA3), address(0xA4)];

    uint64[] public tenants;
    mapping(uint64 tenantId => TenantStatus) public lastStatus;
    mapping(uint64 tenantId => address) public ownerOf;

    JournalReplay.State internal _journal;
    uint256 public journaledEvents;
    uint256 public forbiddenEdges; // status changes along an edge Types.sol does not allow
    uint256 public wrongCallerSuccesses; // owner-only or admin-only calls that succeeded for others
    mapping(bytes4 selector => uint256) public successes;

    constructor(TenantRegistry registry_, address admin_) {
        registry = registry_;
        admin = admin_;
    }

    // ------------------------------------------------------------------------------- actions

    function register(uint256 actorSeed) external {
        if (tenants.length >= MAX_TENANTS) return;
        address actor = _actor(actorSeed);
        _begin();
        vm.prank(actor);
        uint64 tenantId = registry.register("ipfs://tenant", keccak256(abi.encode(actorSeed)));
        tenants.push(tenantId);
        ownerOf[tenantId] = actor;
        _end(this.register.selector);
    }

    function setPolicy(bool approval) external {
        _begin();
        vm.prank(admin);
        registry.setRegistrationPolicy(approval ? RegistrationPolicy.Approval : RegistrationPolicy.Open);
        _end(this.setPolicy.selector);
    }

    /// @dev approve, reject, suspend or resume, by the admin or by a random actor.
    function adminTransition(uint256 tenantSeed, uint8 action, bool byAdmin, uint32 reason) external {
        uint64 tenantId = _tenant(tenantSeed);
        address caller = byAdmin ? admin : _actor(reason);
        _begin();
        vm.prank(caller);
        bool ok;
        action %= 4;
        if (action == 0) {
            try registry.approve(tenantId) {
                ok = true;
            } catch {}
        } else if (action == 1) {
            try registry.reject(tenantId, reason) {
                ok = true;
            } catch {}
        } else if (action == 2) {
            try registry.suspend(tenantId, reason) {
                ok = true;
            } catch {}
        } else {
            try registry.resume(tenantId, reason) {
                ok = true;
            } catch {}
        }
        if (ok && caller != admin) ++wrongCallerSuccesses;
        _end(ok ? this.adminTransition.selector : bytes4(0));
    }

    function close(uint256 tenantSeed, uint256 actorSeed) external {
        uint64 tenantId = _tenant(tenantSeed);
        address caller = actorSeed % 3 == 0 ? ownerOf[tenantId] : _actor(actorSeed);
        _begin();
        vm.prank(caller);
        try registry.close(tenantId) {
            if (caller != ownerOf[tenantId]) ++wrongCallerSuccesses;
            _end(this.close.selector);
        } catch {
            _end(bytes4(0));
        }
    }

    function grantOperator(uint256 tenantSeed, uint256 actorSeed, uint32 lifetime) external {
        uint64 tenantId = _tenant(tenantSeed);
        address caller = actorSeed % 3 == 0 ? _actor(actorSeed / 3) : ownerOf[tenantId];
        uint40 expiresAt = uint40(block.timestamp) + uint40(lifetime % 10 days);
        _begin();
        vm.prank(caller);
        try registry.grantOperator(tenantId, _actor(actorSeed + 1), expiresAt) {
            if (caller != ownerOf[tenantId]) ++wrongCallerSuccesses;
            _end(this.grantOperator.selector);
        } catch {
            _end(bytes4(0));
        }
    }

    function revokeOperator(uint256 tenantSeed, uint256 actorSeed) external {
        uint64 tenantId = _tenant(tenantSeed);
        address caller = actorSeed % 3 == 0 ? _actor(actorSeed / 3) : ownerOf[tenantId];
        _begin();
        vm.prank(caller);
        try registry.revokeOperator(tenantId, _actor(actorSeed + 1)) {
            if (caller != ownerOf[tenantId]) ++wrongCallerSuccesses;
            _end(this.revokeOperator.selector);
        } catch {
            _end(bytes4(0));
        }
    }

    /// @dev Propose by the owner (or a random caller), then accept by the proposed account.
    function transferOwnership(uint256 tenantSeed, uint256 actorSeed) external {
        uint64 tenantId = _tenant(tenantSeed);
        address caller = actorSeed % 3 == 0 ? _actor(actorSeed / 3) : ownerOf[tenantId];
        address next = _actor(actorSeed + 1);
        _begin();
        vm.prank(caller);
        try registry.proposeOwner(tenantId, next) {
            if (caller != ownerOf[tenantId]) ++wrongCallerSuccesses;
            vm.prank(next);
            registry.acceptOwnership(tenantId);
            ownerOf[tenantId] = next;
            _end(this.transferOwnership.selector);
        } catch {
            _end(bytes4(0));
        }
    }

    function setQuota(uint256 tenantSeed, bool byAdmin, uint64 units) external {
        uint64 tenantId = _tenant(tenantSeed);
        address caller = byAdmin ? admin : _actor(units);
        _begin();
        vm.prank(caller);
        try registry.setQuota(tenantId, bytes32("gpu.h100"), units) {
            if (caller != admin) ++wrongCallerSuccesses;
            _end(this.setQuota.selector);
        } catch {
            _end(bytes4(0));
        }
    }

    function warp(uint32 seconds_) external {
        vm.warp(block.timestamp + (seconds_ % 3 days));
        vm.roll(block.number + 1);
    }

    /// @dev Replay what the deployment journaled (its role grants), recorded by the caller.
    function replayDeployment() external {
        _end(bytes4(0));
    }

    // ------------------------------------------------------------------------------- views

    function tenantCount() external view returns (uint256) {
        return tenants.length;
    }

    function journalState() external view returns (uint64 seq, bytes24 head, uint256 gaps) {
        return (_journal.seq, _journal.head, _journal.gaps);
    }

    function actor(uint256 i) external view returns (address) {
        return _actors[i % _actors.length];
    }

    // ------------------------------------------------------------------------------ internals

    function _actor(uint256 seed) internal view returns (address) {
        return _actors[seed % _actors.length];
    }

    /// @dev A registered tenant, or an unknown id one past the last (so unknown ids are tried too).
    function _tenant(uint256 seed) internal view returns (uint64) {
        return uint64(seed % (tenants.length + 1)) + 1;
    }

    function _begin() internal {
        vm.recordLogs();
    }

    /// @dev Replay the registry's journaled logs and check every status change's edge.
    function _end(bytes4 action) internal {
        if (action != bytes4(0)) ++successes[action];
        Vm.Log[] memory logs = vm.getRecordedLogs();
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].emitter != address(registry)) continue;
            (bool journaled, uint256 seqWord) = _seqWord(logs[i].topics[0]);
            if (!journaled) continue;
            _journal.append(logs[i], seqWord);
            ++journaledEvents;
        }
        for (uint256 i; i < tenants.length; ++i) {
            TenantStatus now_ = registry.tenant(tenants[i]).status;
            TenantStatus before = lastStatus[tenants[i]];
            if (now_ != before && !_allowed(before, now_)) ++forbiddenEdges;
            lastStatus[tenants[i]] = now_;
        }
    }

    /// @dev Registration (None→Active|Pending) and the edges of contracts/common/Types.sol.
    function _allowed(TenantStatus from, TenantStatus to) internal pure returns (bool) {
        if (from == TenantStatus.None) return to == TenantStatus.Active || to == TenantStatus.Pending;
        if (from == TenantStatus.Pending) return to == TenantStatus.Active || to == TenantStatus.Closed;
        if (from == TenantStatus.Active) return to == TenantStatus.Suspended || to == TenantStatus.Closed;
        if (from == TenantStatus.Suspended) return to == TenantStatus.Active || to == TenantStatus.Closed;
        return false; // Closed is final
    }

    /// @dev Which data word of each journaled registry event holds its `seq`.
    function _seqWord(bytes32 topic0) internal pure returns (bool, uint256) {
        if (topic0 == ITenantRegistry.TenantRegistered.selector) return (true, 4);
        if (topic0 == ITenantRegistry.TenantStatusChanged.selector) return (true, 4);
        if (topic0 == ITenantRegistry.TenantMetadataUpdated.selector) return (true, 2);
        if (topic0 == ITenantRegistry.TenantOwnershipProposed.selector) return (true, 0);
        if (topic0 == ITenantRegistry.TenantOwnershipTransferred.selector) return (true, 0);
        if (topic0 == ITenantRegistry.OperatorGranted.selector) return (true, 1);
        if (topic0 == ITenantRegistry.OperatorRevoked.selector) return (true, 0);
        if (topic0 == ITenantRegistry.QuotaSet.selector) return (true, 1);
        if (topic0 == ITenantRegistry.RegistrationPolicyChanged.selector) return (true, 1);
        if (topic0 == ITenantRegistry.RoleChanged.selector) return (true, 2);
        return (false, 0); // OpenZeppelin's role events are not journaled
    }
}

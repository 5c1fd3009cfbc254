// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Test} from "../utils/Test.sol";
import {Vm} from "../utils/Vm.sol";
import {JournalReplay} from "../utils/JournalReplay.sol";
import {TenantRegistry} from "../../../contracts/TenantRegistry.sol";
import {ITenantRegistry} from "../../../contracts/interfaces/ITenantRegistry.sol";
import {Roles} from "../../../contracts/common/Types.sol";

/// @notice Role changes are journaled: each grant, revocation, renunciation and the default-admin
/// handover emits `RoleChanged` with the next `seq`, and the journal head equals the replay of those
/// events from the deployment on; a grant or revocation that changes nothing journals nothing.
contract RegistryRoleJournalTest is Test {
    using JournalReplay for JournalReplay.State;

    address internal constant ADMIN = address(0xAD);
    address internal constant NEXT_ADMIN = address(0xAE);
    address internal constant PROVIDER = address(0x3001);
    address internal constant MARKET = address(0x4001);

    TenantRegistry internal registry;
    JournalReplay.State internal replayed;

    function setUp() public {
        vm.warp(1_700_000_000);
        vm.recordLogs();
        registry = new TenantRegistry(ADMIN, 3 days);
    }

    /// @dev Replay the recorded RoleChanged logs (seq is data word 2) and compare with `journal()`.
    function _checkJournal(string memory when) internal {
        Vm.Log[] memory logs = vm.getRecordedLogs();
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].emitter == address(registry) && logs[i].topics[0] == ITenantRegistry.RoleChanged.selector) {
                replayed.append(logs[i], 2);
            }
        }
        (uint64 seq, bytes24 head) = registry.journal();
        assertEq(seq, replayed.seq, when);
        assertEq(bytes32(head), bytes32(replayed.head), when);
        assertEq(replayed.gaps, 0, "no gap");
    }

    function test_the_constructor_journals_both_admin_roles() public {
        _checkJournal("after deploy");
        (uint64 seq,) = registry.journal();
        assertEq(seq, 2, "DEFAULT_ADMIN_ROLE and ADMIN_ROLE");
    }

    function test_grant_and_revoke_emit_role_changed_with_the_next_seq() public {
        _checkJournal("after deploy");
        vm.expectEmit(true, true, false, true);
        emit ITenantRegistry.RoleChanged(Roles.PROVIDER_ROLE, PROVIDER, true, ADMIN, 3);
        vm.prank(ADMIN);
        registry.grantRole(Roles.PROVIDER_ROLE, PROVIDER);
        vm.expectEmit(true, true, false, true);
        emit ITenantRegistry.RoleChanged(Roles.PROVIDER_ROLE, PROVIDER, false, ADMIN, 4);
        vm.prank(ADMIN);
        registry.revokeRole(Roles.PROVIDER_ROLE, PROVIDER);
        _checkJournal("after grant and revoke");
    }

    function test_a_change_that_changes_nothing_journals_nothing() public {
        vm.startPrank(ADMIN);
        registry.grantRole(Roles.MARKET_ROLE, MARKET);
        _checkJournal("after the grant");
        (uint64 before,) = registry.journal();
        registry.grantRole(Roles.MARKET_ROLE, MARKET); // held already
        registry.revokeRole(Roles.PROVIDER_ROLE, PROVIDER); // never held
        vm.stopPrank();
        (uint64 afterwards,) = registry.journal();
        assertEq(afterwards, before, "no entry");
        _checkJournal("after the no-ops");
    }

    function test_renouncing_is_journaled() public {
        vm.prank(ADMIN);
        registry.grantRole(Roles.PROVIDER_ROLE, PROVIDER);
        vm.expectEmit(true, true, false, true);
        emit ITenantRegistry.RoleChanged(Roles.PROVIDER_ROLE, PROVIDER, false, PROVIDER, 4);
        vm.prank(PROVIDER);
        registry.renounceRole(Roles.PROVIDER_ROLE, PROVIDER);
        _checkJournal("after the renunciation");
    }

    function test_the_default_admin_handover_journals_every_role_it_moves() public {
        vm.startPrank(ADMIN);
        registry.grantRole(Roles.PROVIDER_ROLE, ADMIN);
        registry.beginDefaultAdminTransfer(NEXT_ADMIN);
        vm.stopPrank();
        vm.warp(block.timestamp + 3 days + 1);
        (uint64 before,) = registry.journal();
        vm.prank(NEXT_ADMIN);
        registry.acceptDefaultAdminTransfer();
        (uint64 afterwards,) = registry.journal();
        // DEFAULT_ADMIN_ROLE, ADMIN_ROLE and PROVIDER_ROLE: each revoked from one, granted to the other.
        assertEq(afterwards - before, 6, "six role changes");
        _checkJournal("after the handover");
    }
}

// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Test} from "../utils/Test.sol";
import {TenantRegistry} from "../../../contracts/TenantRegistry.sol";
import {ITenantRegistry} from "../../../contracts/interfaces/ITenantRegistry.sol";
import {TenantStatus, RegistrationPolicy, Roles} from "../../../contracts/common/Types.sol";

/// @notice Every revert path and branch of TenantRegistry, so forge coverage sees what the ape suite
/// (tests/contracts/test_registry_*.py) also checks on chain; plus what the market reads of operators
/// (owner flag, operator epoch) and the complete default-admin handover.
contract RegistryUnitTest is Test {
    address internal constant ADMIN = address(0xAD);
    address internal constant NEXT_ADMIN = address(0xAE);
    address internal constant OWNER = address(0x1001);
    address internal constant OTHER = address(0x1002);
    address internal constant OPERATOR = address(0x2001);
    bytes32 internal constant GPU = bytes32("gpu.h100");

    TenantRegistry internal registry;
    uint64 internal tenant;

    function setUp() public {
        vm.warp(1_700_000_000);
        registry = new TenantRegistry(ADMIN, 3 days);
        vm.prank(OWNER);
        tenant = registry.register("ipfs://t", bytes32(0));
    }

    // ------------------------------------------------------------------------------ lifecycle

    function test_a_too_long_uri_reverts() public {
        bytes memory uri = new bytes(257);
        vm.expectRevert(abi.encodeWithSelector(ITenantRegistry.RegistryUriTooLong.selector, 257, 256));
        registry.register(string(uri), bytes32(0));
        vm.expectRevert(abi.encodeWithSelector(ITenantRegistry.RegistryUriTooLong.selector, 257, 256));
        vm.prank(OWNER);
        registry.updateMetadata(tenant, string(uri), bytes32(0));
    }

    function test_under_the_approval_policy_a_tenant_waits_for_approval() public {
        vm.prank(ADMIN);
        registry.setRegistrationPolicy(RegistrationPolicy.Approval);
        uint64 pending = registry.register("", bytes32(0));
        assertEq(uint8(registry.tenant(pending).status), uint8(TenantStatus.Pending), "pending");
        vm.prank(ADMIN);
        registry.approve(pending);
        assertEq(uint8(registry.tenant(pending).status), uint8(TenantStatus.Active), "active");
    }

    function test_a_transition_of_an_unknown_tenant_or_from_the_wrong_status_reverts() public {
        vm.startPrank(ADMIN);
        vm.expectRevert(abi.encodeWithSelector(ITenantRegistry.RegistryUnknownTenant.selector, 9));
        registry.suspend(9, 1);
        vm.expectRevert(
            abi.encodeWithSelector(ITenantRegistry.RegistryInvalidStatus.selector, tenant, TenantStatus.Active)
        );
        registry.resume(tenant, 1);
        vm.expectRevert(
            abi.encodeWithSelector(ITenantRegistry.RegistryInvalidStatus.selector, tenant, TenantStatus.Active)
        );
        registry.reject(tenant, 1);
        registry.suspend(tenant, 1);
        registry.resume(tenant, 1);
        vm.stopPrank();
    }

    function test_closing_twice_or_by_a_stranger_or_unknown_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(ITenantRegistry.RegistryNotTenantOwner.selector, tenant, OTHER));
        vm.prank(OTHER);
        registry.close(tenant);
        vm.expectRevert(abi.encodeWithSelector(ITenantRegistry.RegistryUnknownTenant.selector, 9));
        registry.close(9);
        vm.startPrank(OWNER);
        registry.close(tenant);
        vm.expectRevert(
            abi.encodeWithSelector(ITenantRegistry.RegistryInvalidStatus.selector, tenant, TenantStatus.Closed)
        );
        registry.close(tenant);
        vm.expectRevert(
            abi.encodeWithSelector(ITenantRegistry.RegistryInvalidStatus.selector, tenant, TenantStatus.Closed)
        );
        registry.updateMetadata(tenant, "", bytes32(0));
        vm.expectRevert(
            abi.encodeWithSelector(ITenantRegistry.RegistryInvalidStatus.selector, tenant, TenantStatus.Closed)
        );
        registry.proposeOwner(tenant, OTHER);
        vm.expectRevert(
            abi.encodeWithSelector(ITenantRegistry.RegistryInvalidStatus.selector, tenant, TenantStatus.Closed)
        );
        registry.grantOperator(tenant, OPERATOR, uint40(block.timestamp + 1));
        vm.stopPrank();
    }

    function test_closing_cancels_a_pending_proposal() public {
        vm.startPrank(OWNER);
        registry.proposeOwner(tenant, OTHER);
        registry.close(tenant);
        vm.stopPrank();
        assertEq(registry.pendingOwner(tenant), address(0), "proposal cancelled");
        vm.expectRevert(abi.encodeWithSelector(ITenantRegistry.RegistryNotPendingOwner.selector, tenant, OTHER));
        vm.prank(OTHER);
        registry.acceptOwnership(tenant);
    }

    function test_an_ownership_transfer_lapses_operators_and_advances_the_epoch() public {
        _grant();
        (,, bool owner, uint32 epoch) = registry.membership(tenant, OPERATOR);
        assertTrue(!owner && epoch == 0, "first generation");
        vm.prank(OWNER);
        registry.proposeOwner(tenant, OTHER);
        vm.prank(OTHER);
        registry.acceptOwnership(tenant);
        assertEq(registry.tenant(tenant).owner, OTHER, "owner");
        assertEq(registry.operatorExpiry(tenant, OPERATOR), 0, "lapsed");
        bool member;
        (, member, owner, epoch) = registry.membership(tenant, OPERATOR);
        assertTrue(!member && !owner && epoch == 1, "lapsed, next generation");
        (, member, owner, epoch) = registry.membership(tenant, OTHER);
        assertTrue(member && owner && epoch == 1, "the new owner");
    }

    // ------------------------------------------------------------------------------ operators

    function test_granting_the_zero_address_or_a_past_expiry_reverts() public {
        vm.startPrank(OWNER);
        vm.expectRevert(ITenantRegistry.RegistryZeroAddress.selector);
        registry.grantOperator(tenant, address(0), uint40(block.timestamp + 1));
        vm.expectRevert(
            abi.encodeWithSelector(
                ITenantRegistry.RegistryExpiryInPast.selector, uint40(block.timestamp), block.timestamp
            )
        );
        registry.grantOperator(tenant, OPERATOR, uint40(block.timestamp));
        vm.expectRevert(abi.encodeWithSelector(ITenantRegistry.RegistryNotOperator.selector, tenant, OPERATOR));
        registry.revokeOperator(tenant, OPERATOR);
        vm.stopPrank();
    }

    function test_a_grant_is_journaled_and_a_regrant_replaces_its_expiry() public {
        vm.expectEmit(true, true, false, true);
        // seq 4: two admin roles at deploy, register, the grant (roles are journaled)
        emit ITenantRegistry.OperatorGranted(tenant, OPERATOR, uint40(block.timestamp + 1 days), 4);
        _grant();
        vm.prank(OWNER);
        registry.grantOperator(tenant, OPERATOR, uint40(block.timestamp + 2 days));
        assertEq(registry.operatorExpiry(tenant, OPERATOR), block.timestamp + 2 days, "expiry replaced");
        vm.prank(OWNER);
        registry.revokeOperator(tenant, OPERATOR);
        assertEq(registry.operatorExpiry(tenant, OPERATOR), 0, "revoked");
    }

    function test_only_the_owner_grants() public {
        vm.expectRevert(abi.encodeWithSelector(ITenantRegistry.RegistryNotTenantOwner.selector, tenant, OTHER));
        vm.prank(OTHER);
        registry.grantOperator(tenant, OPERATOR, uint40(block.timestamp + 1));
    }

    function test_an_operator_is_unauthorized_from_its_expiry_on() public {
        _grant();
        vm.warp(block.timestamp + 1 days - 1);
        assertTrue(registry.isAuthorized(tenant, OPERATOR), "before expiry");
        vm.warp(block.timestamp + 1);
        assertTrue(!registry.isAuthorized(tenant, OPERATOR), "at expiry");
    }

    // --------------------------------------------------------------------------- authorization

    function test_authorization_reports_quota_provider_owner_and_epoch() public {
        vm.startPrank(ADMIN);
        registry.setQuota(tenant, GPU, 8);
        registry.grantRole(Roles.PROVIDER_ROLE, OTHER);
        vm.stopPrank();
        _grant();
        (bool ok, bool owner, uint32 epoch, uint64 maxUnits, bool active) =
            registry.authorization(tenant, OWNER, GPU, OTHER);
        assertTrue(ok && owner && epoch == 0 && active && maxUnits == 8, "owner");
        (ok, owner,,, active) = registry.authorization(tenant, OPERATOR, GPU, OWNER);
        assertTrue(ok && !owner && !active, "operator, provider without the role");
        (ok, owner,,,) = registry.authorization(tenant, address(0x999), GPU, OWNER);
        assertTrue(!ok && !owner, "stranger");
        vm.prank(ADMIN);
        registry.suspend(tenant, 1);
        (ok, owner,,,) = registry.authorization(tenant, OWNER, GPU, OTHER);
        assertTrue(!ok && owner, "suspended: no authority");
        (TenantStatus status, bool member,,) = registry.membership(tenant, OPERATOR);
        assertTrue(member && status == TenantStatus.Suspended, "still a member while suspended");
        assertTrue(!registry.isAuthorized(tenant, OWNER), "isAuthorized needs Active");
    }

    function test_membership_of_an_unknown_tenant_is_none() public view {
        (TenantStatus status, bool member,,) = registry.membership(9, address(0));
        assertTrue(!member && status == TenantStatus.None, "unknown");
    }

    function test_set_quota_needs_a_class_and_a_tenant() public {
        vm.startPrank(ADMIN);
        vm.expectRevert(ITenantRegistry.RegistryZeroResourceClass.selector);
        registry.setQuota(tenant, bytes32(0), 1);
        vm.expectRevert(abi.encodeWithSelector(ITenantRegistry.RegistryUnknownTenant.selector, 9));
        registry.setQuota(9, GPU, 1);
        vm.stopPrank();
    }

    // ------------------------------------------------------------------------- admin handover

    function test_the_default_admin_handover_moves_every_platform_role() public {
        vm.startPrank(ADMIN);
        registry.grantRole(Roles.PROVIDER_ROLE, ADMIN);
        registry.beginDefaultAdminTransfer(NEXT_ADMIN);
        vm.stopPrank();
        vm.warp(block.timestamp + 3 days + 1);
        vm.prank(NEXT_ADMIN);
        registry.acceptDefaultAdminTransfer();
        assertEq(registry.defaultAdmin(), NEXT_ADMIN, "default admin");
        assertTrue(registry.hasRole(Roles.ADMIN_ROLE, NEXT_ADMIN), "new admin holds ADMIN_ROLE");
        assertTrue(registry.hasRole(Roles.PROVIDER_ROLE, NEXT_ADMIN), "new admin holds PROVIDER_ROLE");
        assertTrue(!registry.hasRole(Roles.ADMIN_ROLE, ADMIN), "old admin: no ADMIN_ROLE");
        assertTrue(!registry.hasRole(Roles.PROVIDER_ROLE, ADMIN), "old admin: no PROVIDER_ROLE");
        assertTrue(!registry.hasRole(bytes32(0), ADMIN), "old admin: no DEFAULT_ADMIN_ROLE");
    }

    function test_the_handover_gives_only_what_the_old_admin_held() public {
        vm.prank(ADMIN);
        registry.beginDefaultAdminTransfer(NEXT_ADMIN);
        vm.warp(block.timestamp + 3 days + 1);
        vm.prank(NEXT_ADMIN);
        registry.acceptDefaultAdminTransfer();
        assertTrue(registry.hasRole(Roles.ADMIN_ROLE, NEXT_ADMIN), "ADMIN_ROLE moved");
        assertTrue(!registry.hasRole(Roles.PROVIDER_ROLE, NEXT_ADMIN), "PROVIDER_ROLE was not held");
    }

    function test_the_views_answer_what_was_written() public {
        vm.prank(OWNER);
        registry.updateMetadata(tenant, "ipfs://u", bytes32(uint256(7)));
        (string memory uri, bytes32 hash) = registry.metadata(tenant);
        assertEq(keccak256(bytes(uri)), keccak256("ipfs://u"), "uri");
        assertEq(hash, bytes32(uint256(7)), "hash");
        assertEq(registry.tenantCount(), 1, "count");
        vm.prank(OWNER);
        registry.proposeOwner(tenant, OTHER);
        assertEq(registry.pendingOwner(tenant), OTHER, "pending owner");
        vm.startPrank(ADMIN);
        registry.setQuota(tenant, GPU, 3);
        registry.setRegistrationPolicy(RegistrationPolicy.Approval);
        vm.stopPrank();
        assertEq(registry.quota(tenant, GPU), 3, "quota");
        assertEq(uint8(registry.registrationPolicy()), uint8(RegistrationPolicy.Approval), "policy");
        uint64 pending = registry.register("", bytes32(0));
        vm.prank(ADMIN);
        registry.reject(pending, 5);
        assertEq(uint8(registry.tenant(pending).status), uint8(TenantStatus.Closed), "rejected");
    }

    function _grant() internal {
        vm.prank(OWNER);
        registry.grantOperator(tenant, OPERATOR, uint40(block.timestamp + 1 days));
    }
}

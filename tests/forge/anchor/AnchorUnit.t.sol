// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Test} from "../utils/Test.sol";
import {DataAnchor} from "../../../contracts/DataAnchor.sol";
import {IDataAnchor} from "../../../contracts/interfaces/IDataAnchor.sol";
import {TenantRegistry} from "../../../contracts/TenantRegistry.sol";
import {TenantStatus} from "../../../contracts/common/Types.sol";

/// @notice Every revert path and answer of DataAnchor, so forge coverage sees what the ape suite
/// (tests/contracts/test_anchor_*.py) checks on chain; a Suspended tenant neither anchors nor revokes.
contract AnchorUnitTest is Test {
    address internal constant ADMIN = address(0xAD);
    address internal constant OWNER = address(0x1001);
    address internal constant OPERATOR = address(0x2001);
    address internal constant STRANGER = address(0x5757);
    bytes32 internal constant DIGEST = keccak256("file");

    TenantRegistry internal registry;
    DataAnchor internal anchors;
    uint64 internal tenant;

    function setUp() public {
        vm.warp(1_700_000_000);
        registry = new TenantRegistry(ADMIN, 3 days);
        anchors = new DataAnchor(address(registry));
        vm.prank(OWNER);
        tenant = registry.register("ipfs://t", bytes32(0));
        vm.prank(OWNER);
        registry.grantOperator(tenant, OPERATOR, uint40(block.timestamp + 1 days));
    }

    function test_the_registry_must_be_a_contract() public {
        vm.expectRevert(abi.encodeWithSelector(IDataAnchor.AnchorInvalidRegistry.selector, STRANGER));
        new DataAnchor(STRANGER);
        assertEq(anchors.registry(), address(registry), "registry");
    }

    function test_anchor_checks_the_digest_and_first_anchor_wins() public {
        vm.startPrank(OWNER);
        vm.expectRevert(IDataAnchor.AnchorZeroDigest.selector);
        anchors.anchor(tenant, bytes32(0));
        anchors.anchor(tenant, DIGEST);
        vm.expectRevert(
            abi.encodeWithSelector(IDataAnchor.AnchorAlreadyAnchored.selector, DIGEST, tenant, uint40(block.timestamp))
        );
        anchors.anchor(tenant, DIGEST);
        vm.stopPrank();
        IDataAnchor.AnchorRecord memory r = anchors.anchorOf(DIGEST);
        assertEq(r.tenantId, tenant, "tenant");
        assertEq(r.timestamp, block.timestamp, "timestamp");
    }

    function test_anchor_names_why_the_caller_may_not() public {
        vm.expectRevert(abi.encodeWithSelector(IDataAnchor.AnchorUnknownTenant.selector, 9));
        anchors.anchor(9, DIGEST);
        vm.expectRevert(abi.encodeWithSelector(IDataAnchor.AnchorUnauthorized.selector, tenant, STRANGER));
        vm.prank(STRANGER);
        anchors.anchor(tenant, DIGEST);
        vm.prank(ADMIN);
        registry.suspend(tenant, 1);
        vm.expectRevert(
            abi.encodeWithSelector(IDataAnchor.AnchorTenantNotActive.selector, tenant, TenantStatus.Suspended)
        );
        vm.prank(OPERATOR);
        anchors.anchor(tenant, DIGEST);
    }

    function test_anchor_batch_checks_root_count_and_uri() public {
        vm.startPrank(OPERATOR);
        vm.expectRevert(IDataAnchor.AnchorZeroDigest.selector);
        anchors.anchorBatch(tenant, bytes32(0), 1, "");
        vm.expectRevert(IDataAnchor.AnchorZeroCount.selector);
        anchors.anchorBatch(tenant, DIGEST, 0, "");
        vm.expectRevert(abi.encodeWithSelector(IDataAnchor.AnchorUriTooLong.selector, 257, 256));
        anchors.anchorBatch(tenant, DIGEST, 1, string(new bytes(257)));
        anchors.anchorBatch(tenant, DIGEST, 2, "ipfs://batch");
        vm.stopPrank();
        assertEq(anchors.anchorOf(DIGEST).count, 2, "count");
    }

    function test_revoke_checks_digest_record_caller_and_is_once() public {
        vm.expectRevert(IDataAnchor.AnchorZeroDigest.selector);
        anchors.revoke(bytes32(0), 1);
        vm.expectRevert(abi.encodeWithSelector(IDataAnchor.AnchorUnknownDigest.selector, DIGEST));
        anchors.revoke(DIGEST, 1);
        vm.prank(OWNER);
        anchors.anchor(tenant, DIGEST);
        vm.expectRevert(abi.encodeWithSelector(IDataAnchor.AnchorUnauthorized.selector, tenant, STRANGER));
        vm.prank(STRANGER);
        anchors.revoke(DIGEST, 1);
        vm.startPrank(OPERATOR);
        anchors.revoke(DIGEST, 7);
        vm.expectRevert(
            abi.encodeWithSelector(IDataAnchor.AnchorAlreadyRevoked.selector, DIGEST, uint40(block.timestamp))
        );
        anchors.revoke(DIGEST, 7);
        vm.stopPrank();
        assertEq(anchors.anchorOf(DIGEST).revokeReason, 7, "reason");
    }

    function test_verify_inclusion_answers_for_batches_only() public {
        bytes32 a = keccak256("a");
        bytes32 b = keccak256("b");
        bytes32 la = _leaf(a);
        bytes32 lb = _leaf(b);
        bytes32 root = la < lb ? keccak256(abi.encode(la, lb)) : keccak256(abi.encode(lb, la));
        vm.startPrank(OWNER);
        anchors.anchorBatch(tenant, root, 2, "");
        anchors.anchor(tenant, DIGEST);
        anchors.anchorBatch(tenant, la, 1, ""); // a one-leaf batch: its root is its leaf hash
        vm.stopPrank();
        bytes32[] memory proof = new bytes32[](1);
        proof[0] = lb;
        (bool ok, uint64 id, uint40 at, uint40 revokedAt) = anchors.verifyInclusion(root, a, proof);
        assertTrue(ok && id == tenant && at == block.timestamp && revokedAt == 0, "included");
        (ok,,,) = anchors.verifyInclusion(root, b, proof);
        assertTrue(!ok, "wrong proof");
        (ok,,,) = anchors.verifyInclusion(DIGEST, a, proof);
        assertTrue(!ok, "a single digest is no batch root");
        (ok,,,) = anchors.verifyInclusion(la, a, new bytes32[](0));
        assertTrue(ok, "one-leaf batch, empty proof");
        vm.expectRevert(abi.encodeWithSelector(IDataAnchor.AnchorEmptyProof.selector, root, 2));
        anchors.verifyInclusion(root, a, new bytes32[](0));
        vm.expectRevert(abi.encodeWithSelector(IDataAnchor.AnchorProofTooLong.selector, 65, 64));
        anchors.verifyInclusion(root, a, new bytes32[](65));
    }

    function _leaf(bytes32 value) internal pure returns (bytes32) {
        return keccak256(bytes.concat(keccak256(abi.encode(value))));
    }
}

// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Test} from "../utils/Test.sol";
import {AnchorHandler} from "./AnchorHandler.sol";
import {DataAnchor} from "../../../contracts/DataAnchor.sol";
import {IDataAnchor} from "../../../contracts/interfaces/IDataAnchor.sol";
import {TenantRegistry} from "../../../contracts/TenantRegistry.sol";

/// @notice DataAnchor invariants, checked after every step of random sequences driven by
/// `AnchorHandler`: a record never changes except for its revocation, only authorized accounts
/// anchor and revoke for a tenant (and they always can), and the journal's sequence rises by exactly
/// one per event with a head equal to the one replayed from the logs.
contract AnchorInvariants is Test {
    address internal constant ADMIN = address(0xAD);
    TenantRegistry internal registry;
    DataAnchor internal anchor;
    AnchorHandler internal handler;

    function setUp() public {
        vm.warp(1_700_000_000);
        registry = new TenantRegistry(ADMIN, 3 days);
        anchor = new DataAnchor(address(registry));
        handler = new AnchorHandler(anchor, registry, ADMIN);
        for (uint256 i; i < 3; ++i) {
            handler.addTenant(i);
        }

        bytes4[] memory selectors = new bytes4[](13);
        selectors[0] = AnchorHandler.anchorDigest.selector;
        selectors[1] = AnchorHandler.anchorDigest.selector; // anchoring is the point: more weight
        selectors[2] = AnchorHandler.anchorBatch.selector;
        selectors[3] = AnchorHandler.anchorBatch.selector;
        selectors[4] = AnchorHandler.revoke.selector;
        selectors[5] = AnchorHandler.revoke.selector;
        selectors[6] = AnchorHandler.suspendOrResume.selector;
        selectors[7] = AnchorHandler.closeTenant.selector;
        selectors[8] = AnchorHandler.grantOperator.selector;
        selectors[9] = AnchorHandler.revokeOperator.selector;
        selectors[10] = AnchorHandler.warp.selector;
        selectors[11] = AnchorHandler.addTenant.selector;
        selectors[12] = AnchorHandler.transferOwnership.selector;
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
        targetContract(address(handler));
    }

    /// forge-config: default.invariant.runs = 48
    /// forge-config: default.invariant.depth = 48
    function invariant_aRecordNeverChangesExceptItsRevocation() public view {
        assertEq(handler.rewrites(), 0, "an anchored value was anchored or revoked a second time");
        for (uint256 i; i < handler.anchoredCount(); ++i) {
            bytes32 digest = handler.anchored(i);
            IDataAnchor.AnchorRecord memory want = handler.recordOf(digest);
            IDataAnchor.AnchorRecord memory got = anchor.anchorOf(digest);
            assertEq(got.tenantId, want.tenantId, "tenantId changed");
            assertEq(got.timestamp, want.timestamp, "timestamp changed");
            assertEq(got.blockNumber, want.blockNumber, "blockNumber changed");
            assertEq(got.count, want.count, "count changed");
            assertEq(got.revokedAt, want.revokedAt, "revokedAt differs from the revocation seen");
            assertEq(got.revokeReason, want.revokeReason, "revokeReason differs");
        }
    }

    /// forge-config: default.invariant.runs = 48
    /// forge-config: default.invariant.depth = 48
    function invariant_onlyAuthorizedAccountsAnchorAndRevokeForATenant() public view {
        assertEq(handler.unauthorizedSuccesses(), 0, "an unauthorized caller anchored or revoked");
    }

    /// forge-config: default.invariant.runs = 48
    /// forge-config: default.invariant.depth = 48
    function invariant_authorizedAccountsAlwaysAnchorFreshValues() public view {
        assertEq(handler.authorizedFailures(), 0, "an authorized anchor or revoke reverted");
    }

    /// forge-config: default.invariant.runs = 48
    /// forge-config: default.invariant.depth = 48
    function invariant_journalSeqRisesByExactlyOnePerEvent() public view {
        (uint64 seq,, uint256 gaps) = handler.journalState();
        (uint64 onChainSeq,) = anchor.journal();
        assertEq(gaps, 0, "an event's seq was not the previous one plus one");
        assertEq(onChainSeq, handler.journaledEvents(), "journal seq != journaled events emitted");
        assertEq(seq, onChainSeq, "replayed seq != journal seq");
    }

    /// forge-config: default.invariant.runs = 48
    /// forge-config: default.invariant.depth = 48
    function invariant_journalHeadEqualsTheHeadReplayedFromTheLogs() public view {
        (, bytes24 head,) = handler.journalState();
        (, bytes24 onChainHead) = anchor.journal();
        assertEq(bytes32(head), bytes32(onChainHead), "journal head != head replayed from the logs");
    }
}

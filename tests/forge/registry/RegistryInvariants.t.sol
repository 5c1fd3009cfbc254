// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Test} from "../utils/Test.sol";
import {RegistryHandler} from "./RegistryHandler.sol";
import {TenantRegistry} from "../../../contracts/TenantRegistry.sol";

/// @notice TenantRegistry invariants, checked after every step of random action sequences driven by
/// `RegistryHandler`: statuses move only along the allowed edges, owner-only and admin-only calls
/// succeed for no one else, and the journal's sequence rises by exactly one per journaled event with
/// a head equal to the one recomputed from the logs.
contract RegistryInvariants is Test {
    address internal constant ADMIN = address(0xAD);
    TenantRegistry internal registry;
    RegistryHandler internal handler;

    function setUp() public {
        vm.warp(1_700_000_000);
        vm.recordLogs();
        registry = new TenantRegistry(ADMIN, 3 days);
        handler = new RegistryHandler(registry, ADMIN);
        handler.replayDeployment(); // the constructor journals its role grants
        for (uint256 i; i < 3; ++i) {
            handler.register(i);
        }

        bytes4[] memory selectors = new bytes4[](10);
        selectors[0] = RegistryHandler.register.selector;
        selectors[1] = RegistryHandler.setPolicy.selector;
        selectors[2] = RegistryHandler.adminTransition.selector;
        selectors[3] = RegistryHandler.adminTransition.selector; // the lifecycle is the point
        selectors[4] = RegistryHandler.close.selector;
        selectors[5] = RegistryHandler.grantOperator.selector;
        selectors[6] = RegistryHandler.revokeOperator.selector;
        selectors[7] = RegistryHandler.transferOwnership.selector;
        selectors[8] = RegistryHandler.setQuota.selector;
        selectors[9] = RegistryHandler.warp.selector;
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
        targetContract(address(handler));
    }

    /// forge-config: default.invariant.runs = 48
    /// forge-config: default.invariant.depth = 48
    function invariant_statusMovesOnlyAlongAllowedEdges() public view {
        assertEq(handler.forbiddenEdges(), 0, "a status changed along a forbidden edge");
    }

    /// forge-config: default.invariant.runs = 48
    /// forge-config: default.invariant.depth = 48
    function invariant_onlyOwnersAndAdminsChangeWhatIsTheirs() public view {
        assertEq(handler.wrongCallerSuccesses(), 0, "a call succeeded for a caller without the right");
    }

    /// forge-config: default.invariant.runs = 48
    /// forge-config: default.invariant.depth = 48
    function invariant_journalSeqRisesByExactlyOnePerEvent() public view {
        (uint64 seq,, uint256 gaps) = handler.journalState();
        (uint64 onChainSeq,) = registry.journal();
        assertEq(gaps, 0, "an event's seq was not the previous one plus one");
        assertEq(onChainSeq, handler.journaledEvents(), "journal seq != journaled events emitted");
        assertEq(seq, onChainSeq, "replayed seq != journal seq");
    }

    /// forge-config: default.invariant.runs = 48
    /// forge-config: default.invariant.depth = 48
    function invariant_journalHeadEqualsTheHeadReplayedFromTheLogs() public view {
        (, bytes24 head,) = handler.journalState();
        (, bytes24 onChainHead) = registry.journal();
        assertEq(bytes32(head), bytes32(onChainHead), "journal head != head replayed from the logs");
    }

    /// forge-config: default.invariant.runs = 48
    /// forge-config: default.invariant.depth = 48
    function invariant_ownersOfTheBooksAreTheRegistrys() public view {
        for (uint256 i; i < handler.tenantCount(); ++i) {
            uint64 tenantId = handler.tenants(i);
            assertEq(registry.tenant(tenantId).owner, handler.ownerOf(tenantId), "owner differs");
        }
    }
}

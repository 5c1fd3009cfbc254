// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";

/// @notice Plain OpenZeppelin AccessControl, deployed only by `bench/gas.py` to measure `grantRole`
/// side by side with `TenantRegistry.grantOperator`. Not deployed by the project.
contract AccessControlReference is AccessControl {
    constructor() {
        _grantRole(DEFAULT_ADMIN_ROLE, msg.sender);
    }
}

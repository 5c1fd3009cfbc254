// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @notice Lifecycle of a tenant. `None` marks an id that was never registered.
/// Allowed edges: Pending→Active (approve), Pending→Closed (reject or owner close),
/// Active→Suspended (suspend), Suspended→Active (resume), Active|Suspended→Closed (owner close).
enum TenantStatus {
    None,
    Pending,
    Active,
    Suspended,
    Closed
}

/// @notice How new tenants enter the registry.
enum RegistrationPolicy {
    Open, // self-service: a new tenant is Active at once
    Approval // a new tenant is Pending until an admin approves or rejects it
}

/// @notice Lifecycle of a capacity pool. Retired is final.
enum PoolStatus {
    None,
    Open,
    Paused,
    Retired
}

/// @notice Lifecycle of a lease.
enum LeaseStatus {
    None,
    Active,
    Closed
}

/// @notice Why a lease ended.
enum CloseReason {
    None,
    Expired, // reclaimed by anyone after its end
    ReleasedByTenant, // released early by an authorized tenant account
    TerminatedByProvider, // ended by the pool's provider
    TerminatedByAdmin, // ended by a platform admin
    TenantClosed // reclaimed because its tenant was closed
}

/// @dev Role identifiers shared by the registry (which holds them) and the contracts that ask it.
library Roles {
    /// @notice Day-to-day platform administration: approve, suspend, quotas, terminate leases.
    bytes32 internal constant ADMIN_ROLE = keccak256("leasehold.role.admin");
    /// @notice Capacity providers: may create and run pools.
    bytes32 internal constant PROVIDER_ROLE = keccak256("leasehold.role.provider");
    /// @notice Checked by no function since operators' limits moved into the LeaseMarket; the id stays
    /// reserved so an old grant is never read as another role.
    bytes32 internal constant MARKET_ROLE = keccak256("leasehold.role.market");
    /// @notice The platform's arbiter: splits disputed usage statements in the UsageLedger (granted by
    /// the default admin, the role's admin in the registry).
    bytes32 internal constant ARBITER_ROLE = keccak256("leasehold.role.arbiter");
}

/// @dev Sentinels of an operator grant's optional limits: an allowance of `UNLIMITED_ALLOWANCE` is never
/// spent (OpenZeppelin ERC20's infinite-approval convention), a `maxDuration` of `UNLIMITED_DURATION`
/// bounds nothing (no lease lasts 2^32 - 1 seconds).
library Limits {
    uint128 internal constant UNLIMITED_ALLOWANCE = type(uint128).max;
    uint32 internal constant UNLIMITED_DURATION = type(uint32).max;
}

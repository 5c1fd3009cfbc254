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
}

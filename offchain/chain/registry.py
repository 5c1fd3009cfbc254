"""``TenantRegistry`` from Python: tenants, operators, quotas, the registration policy and roles.

Views return the mirror's :class:`~offchain.mirror.state.Tenant` and enums (so a chain read and a
mirror read of the same tenant compare equal) or the small records below; writes return a
:class:`~offchain.chain._contract.TxResult`. The role ids are in :mod:`offchain.chain.values`.
"""

from __future__ import annotations

from dataclasses import dataclass

from offchain.chain._contract import TxResult, _Bound, _with_created
from offchain.chain.decode import to_checksum as to_checksum_address
from offchain.exceptions import NoSignerError, UnknownTenantError
from offchain.mirror.entities import RegistrationPolicy, Tenant, TenantStatus

# ----------------------------------------------------------------------------------- records


@dataclass(frozen=True, slots=True)
class Authorization:
    """What the lease market asks before opening a lease: whether an account may act for the
    Active tenant, whether it is the owner (never limited), the tenant's operator epoch (the
    generation of its grants, which keys an operator's limits in the market), the tenant's quota
    for one class, and whether the pool's provider still holds PROVIDER_ROLE."""

    authorized: bool
    owner: bool
    operator_epoch: int
    max_units: int
    provider_active: bool


@dataclass(frozen=True, slots=True)
class Membership:
    """A tenant's status and whether an account is its owner or an unexpired operator whatever
    that status, whether it is the owner, and the operator epoch (as in :class:`Authorization`)."""

    status: TenantStatus
    member: bool
    owner: bool
    operator_epoch: int


@dataclass(frozen=True, slots=True)
class PendingAdmin:
    """A started transfer of DEFAULT_ADMIN_ROLE."""

    new_admin: str
    accept_after: int


@dataclass(frozen=True, slots=True)
class PendingDelay:
    """A scheduled change of the default-admin transfer delay (zeros: none)."""

    new_delay: int
    effective_at: int


# ------------------------------------------------------------------------------------ client


class RegistryClient(_Bound):
    """``TenantRegistry``: tenants, operators, quotas, policy and roles."""

    name = "TenantRegistry"

    # reads

    def tenant(self, tenant_id: int) -> Tenant:
        """The tenant with its metadata.

        Raises:
            UnknownTenantError: no tenant has this id.
        """
        owner, status, created_at = self._call("tenant", tenant_id)
        if status == TenantStatus.NONE:
            raise UnknownTenantError(tenant_id)
        uri, digest = self._call("metadata", tenant_id)
        pending = self._call("pendingOwner", tenant_id)
        return Tenant(
            tenant_id=tenant_id,
            owner=to_checksum_address(owner),
            status=TenantStatus(status),
            created_at=int(created_at),
            metadata_uri=str(uri),
            metadata_hash=bytes(digest),
            pending_owner=to_checksum_address(pending),
        )

    def tenant_count(self) -> int:
        """How many tenants were registered (the highest id)."""
        return int(self._call("tenantCount"))

    def tenants(self) -> list[Tenant]:
        """Every tenant, by id (one call per tenant: use the mirror for large registries)."""
        return [self.tenant(i) for i in range(1, self.tenant_count() + 1)]

    def pending_owner(self, tenant_id: int) -> str:
        """The proposed new owner, or the zero address."""
        return str(to_checksum_address(self._call("pendingOwner", tenant_id)))

    def operator_expiry(self, tenant_id: int, operator: str) -> int:
        """When the operator's grant expires (0: never granted or revoked)."""
        return int(self._call("operatorExpiry", tenant_id, to_checksum_address(operator)))

    def quota(self, tenant_id: int, resource_class: bytes) -> int:
        """The tenant's quota for a resource class."""
        return int(self._call("quota", tenant_id, resource_class))

    def registration_policy(self) -> RegistrationPolicy:
        """How new tenants enter."""
        return RegistrationPolicy(self._call("registrationPolicy"))

    def is_authorized(self, tenant_id: int, account: str) -> bool:
        """True when ``account`` is the owner or an unexpired operator of the Active tenant."""
        return bool(self._call("isAuthorized", tenant_id, to_checksum_address(account)))

    def authorization(
        self, tenant_id: int, account: str, resource_class: bytes, provider: str
    ) -> Authorization:
        """``is_authorized``, owner flag and operator epoch, the quota for ``resource_class`` and
        whether ``provider`` holds PROVIDER_ROLE, in one call (what ``openLease`` asks)."""
        ok, owner, epoch, units, active = self._call(
            "authorization",
            tenant_id,
            to_checksum_address(account),
            resource_class,
            to_checksum_address(provider),
        )
        return Authorization(
            authorized=bool(ok),
            owner=bool(owner),
            operator_epoch=int(epoch),
            max_units=int(units),
            provider_active=bool(active),
        )

    def membership(self, tenant_id: int, account: str) -> Membership:
        """The tenant's status and whether ``account`` is its owner or an unexpired operator
        (whatever the status), whether it is the owner, and the operator epoch."""
        status, member, owner, epoch = self._call(
            "membership", tenant_id, to_checksum_address(account)
        )
        return Membership(
            status=TenantStatus(status),
            member=bool(member),
            owner=bool(owner),
            operator_epoch=int(epoch),
        )

    def has_role(self, role: bytes, account: str) -> bool:
        """Whether ``account`` holds ``role`` (:data:`ADMIN_ROLE`, :data:`PROVIDER_ROLE`...)."""
        return bool(self._call("hasRole", role, to_checksum_address(account)))

    def default_admin(self) -> str:
        """The holder of DEFAULT_ADMIN_ROLE."""
        return str(to_checksum_address(self._call("defaultAdmin")))

    def pending_default_admin(self) -> PendingAdmin:
        """A started default-admin transfer: the new admin and when it may accept (zeros: none)."""
        admin, schedule = self._call("pendingDefaultAdmin")
        return PendingAdmin(new_admin=to_checksum_address(admin), accept_after=int(schedule))

    def default_admin_delay(self) -> int:
        """Seconds between starting a default-admin transfer and its acceptance."""
        return int(self._call("defaultAdminDelay"))

    def pending_default_admin_delay(self) -> PendingDelay:
        """A scheduled change of that delay and when it takes effect (zeros: none)."""
        delay, schedule = self._call("pendingDefaultAdminDelay")
        return PendingDelay(new_delay=int(delay), effective_at=int(schedule))

    def default_admin_delay_increase_wait(self) -> int:
        """The longest wait before a longer delay takes effect (OpenZeppelin: 5 days)."""
        return int(self._call("defaultAdminDelayIncreaseWait"))

    def role_admin(self, role: bytes) -> bytes:
        """The role whose holders grant and revoke ``role``."""
        return bytes(self._call("getRoleAdmin", role))

    def supports_interface(self, interface_id: bytes) -> bool:
        """ERC-165: whether the registry implements the interface."""
        return bool(self._call("supportsInterface", interface_id))

    def max_uri_length(self) -> int:
        """Longest metadata URI the registry stores (bytes)."""
        return int(self._call("MAX_URI_LENGTH"))

    # writes

    def register(self, metadata_uri: str, metadata_hash: bytes) -> TxResult:
        """Register a tenant owned by the signer; ``created`` is its id."""
        result = self._send("register", metadata_uri, metadata_hash)
        return _with_created(result, "TenantRegistered", "tenantId")

    def approve(self, tenant_id: int) -> TxResult:
        """Approve a Pending tenant (ADMIN_ROLE)."""
        return self._send("approve", tenant_id)

    def reject(self, tenant_id: int, reason_code: int = 0) -> TxResult:
        """Reject a Pending tenant (ADMIN_ROLE)."""
        return self._send("reject", tenant_id, reason_code)

    def suspend(self, tenant_id: int, reason_code: int = 0) -> TxResult:
        """Suspend an Active tenant (ADMIN_ROLE)."""
        return self._send("suspend", tenant_id, reason_code)

    def resume(self, tenant_id: int, reason_code: int = 0) -> TxResult:
        """Resume a Suspended tenant (ADMIN_ROLE)."""
        return self._send("resume", tenant_id, reason_code)

    def close(self, tenant_id: int) -> TxResult:
        """Close a tenant for good (its owner)."""
        return self._send("close", tenant_id)

    def update_metadata(self, tenant_id: int, metadata_uri: str, metadata_hash: bytes) -> TxResult:
        """Replace the tenant's metadata (its owner)."""
        return self._send("updateMetadata", tenant_id, metadata_uri, metadata_hash)

    def propose_owner(self, tenant_id: int, new_owner: str) -> TxResult:
        """Propose a new owner; the zero address cancels (its owner)."""
        return self._send("proposeOwner", tenant_id, to_checksum_address(new_owner))

    def accept_ownership(self, tenant_id: int) -> TxResult:
        """Accept a pending ownership proposal (the proposed owner)."""
        return self._send("acceptOwnership", tenant_id)

    def grant_operator(self, tenant_id: int, operator: str, expires_at: int) -> TxResult:
        """Grant an operator until ``expires_at`` (its owner); a re-grant replaces the expiry.
        Its spending limits are the market's
        (:meth:`~offchain.chain.market.MarketClient.set_operator_limits`): set them first."""
        return self._send("grantOperator", tenant_id, to_checksum_address(operator), expires_at)

    def revoke_operator(self, tenant_id: int, operator: str) -> TxResult:
        """Revoke an operator (its owner)."""
        return self._send("revokeOperator", tenant_id, to_checksum_address(operator))

    def set_quota(self, tenant_id: int, resource_class: bytes, max_units: int) -> TxResult:
        """Set the tenant's quota for a class (ADMIN_ROLE)."""
        return self._send("setQuota", tenant_id, resource_class, max_units)

    def set_registration_policy(self, policy: RegistrationPolicy) -> TxResult:
        """Set how new tenants enter (ADMIN_ROLE)."""
        return self._send("setRegistrationPolicy", int(policy))

    def grant_role(self, role: bytes, account: str) -> TxResult:
        """Grant a role (DEFAULT_ADMIN_ROLE holder), e.g. :data:`PROVIDER_ROLE`."""
        return self._send("grantRole", role, to_checksum_address(account))

    def revoke_role(self, role: bytes, account: str) -> TxResult:
        """Revoke a role (DEFAULT_ADMIN_ROLE holder)."""
        return self._send("revokeRole", role, to_checksum_address(account))

    def renounce_role(self, role: bytes) -> TxResult:
        """Give up a role the signer holds."""
        signer = self._signer
        if signer is None:
            raise NoSignerError(f"{self.name}.renounceRole")
        account = signer if isinstance(signer, str) else signer.address
        return self._send("renounceRole", role, to_checksum_address(account))

    def begin_default_admin_transfer(self, new_admin: str) -> TxResult:
        """Start handing DEFAULT_ADMIN_ROLE to ``new_admin`` (the default admin)."""
        return self._send("beginDefaultAdminTransfer", to_checksum_address(new_admin))

    def accept_default_admin_transfer(self) -> TxResult:
        """Take DEFAULT_ADMIN_ROLE once the delay has passed (the pending admin)."""
        return self._send("acceptDefaultAdminTransfer")

    def cancel_default_admin_transfer(self) -> TxResult:
        """Cancel a started default-admin transfer (the default admin)."""
        return self._send("cancelDefaultAdminTransfer")

    def change_default_admin_delay(self, new_delay: int) -> TxResult:
        """Schedule a new default-admin transfer delay (the default admin)."""
        return self._send("changeDefaultAdminDelay", new_delay)

    def rollback_default_admin_delay(self) -> TxResult:
        """Cancel a scheduled delay change that has not taken effect (the default admin)."""
        return self._send("rollbackDefaultAdminDelay")


__all__ = [
    "Authorization",
    "Membership",
    "PendingAdmin",
    "PendingDelay",
    "RegistryClient",
]

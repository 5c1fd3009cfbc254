"""What the read commands print, built without pydantic, and the views they ask for in one batch.

A read's ``--json`` is the HTTP API's shape: the models of :mod:`offchain.models`, whose OpenAPI
schema pydantic generates. Importing pydantic and building those models would cost a read more
than everything else it imports (issue 14), so each function here builds the same dict from the
client's records (the mirror's entity classes), key for key and in the models' order;
``tests/cli/test_cli_shapes.py`` keeps every one equal to its model's dump, on the demo chain's
state and on edge values, so the CLI and the API cannot drift apart.

:func:`gather` reads several views with one batch request per round of calls, instead of one
request per call.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from functools import partial
from typing import Any

from offchain.chain.values import (
    UNLIMITED_ALLOWANCE,
    UNLIMITED_DURATION,
    hex32,
    resource_class_name,
)

Json = dict[str, Any]


def solidity_name(value: Any) -> str:
    """``ReleasedByTenant`` for ``CloseReason.RELEASED_BY_TENANT`` (as
    :func:`offchain.models.solidity_name`)."""
    name = getattr(value, "name", str(value))
    return "".join(part.capitalize() for part in str(name).split("_"))


def operator_json(operator: str, expires_at: int, limits: Any) -> Json:
    """:class:`~offchain.models.OperatorOut`: a grant, from its expiry and ``OperatorLimits``."""
    return {
        "operator": operator,
        "expiresAt": int(expires_at),
        "allowance": None if limits.allowance == UNLIMITED_ALLOWANCE else str(limits.allowance),
        "maxDuration": None
        if limits.max_duration == UNLIMITED_DURATION
        else int(limits.max_duration),
    }


def tenant_json(t: Any, operators: Sequence[Json] | None = None) -> Json:
    """:class:`~offchain.models.TenantOut`: a tenant, with its operators' grants when given."""
    return {
        "tenantId": int(t.tenant_id),
        "owner": t.owner,
        "status": solidity_name(t.status),
        "createdAt": int(t.created_at),
        "metadataUri": t.metadata_uri,
        "metadataHash": hex32(t.metadata_hash),
        "pendingOwner": t.pending_owner,
        "operators": None
        if operators is None
        else sorted(operators, key=lambda o: str(o["operator"]).lower()),
    }


def pool_json(p: Any) -> Json:
    """:class:`~offchain.models.PoolOut`: a capacity pool."""
    return {
        "poolId": int(p.pool_id),
        "provider": p.provider,
        "resourceClass": resource_class_name(p.resource_class),
        "capacity": int(p.capacity),
        "allocated": int(p.allocated),
        "available": int(p.capacity) - int(p.allocated),
        "pricePerUnitSecond": str(p.price_per_unit_second),
        "minDuration": int(p.min_duration),
        "maxDuration": int(p.max_duration),
        "status": solidity_name(p.status),
    }


def lease_json(x: Any, opened_by: str | None = None) -> Json:
    """:class:`~offchain.models.LeaseOut`: a lease, with who opened it when given."""
    return {
        "leaseId": int(x.lease_id),
        "tenantId": int(x.tenant_id),
        "poolId": int(x.pool_id),
        "units": int(x.units),
        "start": int(x.start),
        "end": int(x.end),
        "status": solidity_name(x.status),
        "closeReason": solidity_name(x.close_reason),
        "pricePerUnitSecond": str(x.price_per_unit_second),
        "paidUntil": int(x.paid_until),
        "openedBy": opened_by,
    }


def escrow_json(tenant_id: int, account: Any) -> Json:
    """:class:`~offchain.models.EscrowOut`: a tenant's free and reserved escrow."""
    return {
        "tenantId": int(tenant_id),
        "free": str(account.free),
        "reserved": str(account.reserved),
    }


def provider_json(
    provider: str, pools: Iterable[int], claimable: int, payout_address: str, pending: str
) -> Json:
    """:class:`~offchain.models.ProviderOut`: a provider's pools, earnings and handover."""
    return {
        "provider": provider,
        "pools": [int(p) for p in pools],
        "claimable": str(claimable),
        "payoutAddress": payout_address,
        "pendingHandover": pending,
    }


def anchor_json(a: Any) -> Json:
    """:class:`~offchain.models.AnchorOut`: an anchored digest or batch root."""
    return {
        "digest": hex32(a.digest),
        "kind": "batch" if a.count else "digest",
        "tenantId": int(a.tenant_id),
        "timestamp": int(a.timestamp),
        "blockNumber": int(a.block_number),
        "count": int(a.count),
        "revokedAt": int(a.revoked_at),
        "revokeReason": int(a.revoke_reason),
    }


# ------------------------------------------------------------------------------------ batches


def gather(client: Any, *reads: Callable[[], Any]) -> list[Any]:
    """``[read() for read in reads]``, the reads' contract calls asked together (one batch
    request per round: :meth:`~offchain.chain.light.LightWeb3.gather`) when the client reads
    through a ``LightWeb3``, one by one over web3.py."""
    from offchain.chain.light import LightWeb3

    if isinstance(client.w3, LightWeb3):
        return client.w3.gather(reads)
    return [read() for read in reads]


def every_pool(client: Any) -> list[Any]:
    """``client.market.pools()``, the pools asked in one batch."""
    market = client.market
    return gather(client, *(partial(market.pool, i) for i in range(1, market.pool_count() + 1)))

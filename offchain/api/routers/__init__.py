"""One :class:`~fastapi.APIRouter` per resource; ``create_app`` includes :data:`ROUTERS` in order
(the order of the OpenAPI document)."""

from fastapi import APIRouter

from offchain.api.routers import (
    anchors,
    events,
    leases,
    metrics,
    pools,
    proofs,
    providers,
    status,
    tenants,
)

ROUTERS: tuple[APIRouter, ...] = (
    tenants.router,
    pools.router,
    providers.router,
    leases.router,
    anchors.router,
    proofs.router,
    status.router,
    events.router,
    metrics.router,
)

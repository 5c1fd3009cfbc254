"""The HTTP API over the mirror (FastAPI): the app factory, one router per resource, the SSE
stream and Prometheus metrics. ``leasehold mirror serve`` runs it."""

from typing import TYPE_CHECKING

from offchain._lazy import lazy_exports

if TYPE_CHECKING:
    from offchain.api.app import create_app as create_app

_EXPORTS = {"create_app": "app"}
__all__ = sorted(_EXPORTS)
__getattr__ = lazy_exports(__name__, _EXPORTS)

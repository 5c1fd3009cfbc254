"""``/providers``: one provider's pools, earnings, payout address and pending handover."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from offchain.api._deps import AddressPath, Port, address_param
from offchain.api._responses import model_response, read_pinned
from offchain.api.errors import error_responses
from offchain.models import ProviderOut

router = APIRouter(tags=["providers"])


@router.get("/providers/{address}", response_model=ProviderOut, responses=error_responses(422, 503))
async def get_provider(port: Port, address: AddressPath) -> Response:
    """A provider: the pools it runs, what it can claim now, where claims pay, and the address
    it proposed to hand its pools to. Any address answers (with no pools and nothing to claim
    when it runs none); a malformed one is a 422."""
    provider = address_param(address, "provider")

    def read(view: Any) -> ProviderOut:
        return ProviderOut(
            provider=provider,
            pools=list(view.pools_of_provider(provider)),
            claimable=str(view.claimable(provider)),
            payout_address=view.payout_address(provider),
            pending_handover=view.pending_provider_handover(provider),
        )

    found, block = read_pinned(port, read)
    return model_response(found, block)

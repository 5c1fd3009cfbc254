"""The compiled ABIs of the deployed contracts, shipped in the package as
``offchain/chain/abi/*.json``.

They are exported from the compiler output by ``python -m offchain._toolchain.export_abi`` (run
by ``make abi``); a test checks they equal a fresh compile, so they are never edited by hand. Only
web3.py and this package are needed at run time: no ape, no compiler.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

CONTRACTS = ("TenantRegistry", "DataAnchor", "LeaseMarket")
#: Contracts a deployment may add to :data:`CONTRACTS`: a manifest without them stays valid, and the
#: mirror follows only :data:`CONTRACTS` (the usage ledger's events are not mirrored yet).
OPTIONAL_CONTRACTS = ("UsageLedger",)
#: Every contract whose ABI the package ships.
EXPORTED = CONTRACTS + OPTIONAL_CONTRACTS

ABI = list[dict[str, Any]]


@cache
def load_abi(contract: str) -> ABI:
    """Return the ABI of one of :data:`EXPORTED`."""
    if contract not in EXPORTED:
        raise ValueError(f"unknown contract {contract!r}: expected one of {', '.join(EXPORTED)}")
    text = resources.files("offchain.chain").joinpath("abi", f"{contract}.json").read_text()
    abi: ABI = json.loads(text)
    return abi

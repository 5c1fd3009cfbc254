"""Constants and helpers the client tests share (a module of its own: ``conftest`` names another
folder's conftest when the whole suite is collected in one process)."""

from __future__ import annotations

from typing import Any

from eth_account import Account
from eth_account.signers.local import LocalAccount

from offchain.chain.values import resource_class

ADMIN_DELAY = 3 * 24 * 3600
GPU = resource_class("gpu.h100")
PRICE = 10**9  # wei per unit-second
DAY = 24 * 3600


def signer(account: Any) -> LocalAccount:
    """The eth_account LocalAccount of an ape test account."""
    return Account.from_key(account.private_key)

"""Talking to the contracts: the typed web3.py client, ABIs and event decoders, JSON-RPC, the
deployment manifest and the local devnet.

- :mod:`offchain.chain.client`: :class:`LeaseholdClient` and one client per contract; custom errors
  decoded into :class:`~offchain.exceptions.ContractRevertError`.
- :mod:`offchain.chain.abi`, :mod:`offchain.chain.decode`: the packaged ABIs and the generated
  log decoders the mirror uses.
- :mod:`offchain.chain.rpc`: a small JSON-RPC client (retries, failover, range splitting).
- :mod:`offchain.chain.manifest`: ``deployments/<chainId>.json``.
- :mod:`offchain.chain.devnet`: an Anvil devnet and its dev accounts.
"""

from typing import TYPE_CHECKING

from offchain._lazy import lazy_exports

if TYPE_CHECKING:
    from offchain.chain.client import LeaseholdClient as LeaseholdClient
    from offchain.chain.decode import Decoder as Decoder
    from offchain.chain.manifest import Manifest as Manifest
    from offchain.chain.manifest import load_manifest as load_manifest
    from offchain.chain.rpc import RpcClient as RpcClient

_EXPORTS = {
    "LeaseholdClient": "client",
    "Decoder": "decode",
    "Manifest": "manifest",
    "load_manifest": "manifest",
    "RpcClient": "rpc",
}
__all__ = sorted(_EXPORTS)
__getattr__ = lazy_exports(__name__, _EXPORTS)

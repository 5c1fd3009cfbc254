"""Talking to the contracts: the typed web3.py client, ABIs and event decoders, JSON-RPC, the
deployment manifest and the local devnet.

- :mod:`offchain.chain.client`: :class:`LeaseholdClient`, the facade over one deployment.
- :mod:`offchain.chain.registry`, :mod:`offchain.chain.market`, :mod:`offchain.chain.anchor`: one
  client per contract, on the shared base of :mod:`offchain.chain._contract` (signing, sending,
  :class:`TxResult`).
- :mod:`offchain.chain.errors`: custom errors decoded into
  :class:`~offchain.exceptions.ContractRevertError`; dead nodes told from reverts.
- :mod:`offchain.chain.values`: roles, resource classes, ``bytes32`` digests and addresses.
- :mod:`offchain.chain.abi`, :mod:`offchain.chain.decode`: the packaged ABIs and the generated
  log decoders the mirror uses (the generator is :mod:`offchain.chain._codegen`).
- :mod:`offchain.chain.rpc`: a small JSON-RPC client (retries, failover, range splitting).
- :mod:`offchain.chain.light`: contract reads over that client without web3.py (the CLI's reads).
- :mod:`offchain.chain.manifest`: ``deployments/<chainId>.json``.
- :mod:`offchain.chain.devnet`: an Anvil devnet and its dev accounts.
"""

from typing import TYPE_CHECKING

from offchain._lazy import lazy_exports

if TYPE_CHECKING:
    from offchain.chain._contract import EventLog as EventLog
    from offchain.chain._contract import Signer as Signer
    from offchain.chain._contract import TxResult as TxResult
    from offchain.chain.anchor import AnchorClient as AnchorClient
    from offchain.chain.anchor import AnchorRecord as AnchorRecord
    from offchain.chain.anchor import Inclusion as Inclusion
    from offchain.chain.client import Addresses as Addresses
    from offchain.chain.client import LeaseholdClient as LeaseholdClient
    from offchain.chain.decode import Decoder as Decoder
    from offchain.chain.decode import Event as Event
    from offchain.chain.errors import decode_revert as decode_revert
    from offchain.chain.errors import is_connection_error as is_connection_error
    from offchain.chain.manifest import Manifest as Manifest
    from offchain.chain.manifest import load_manifest as load_manifest
    from offchain.chain.market import Escrow as Escrow
    from offchain.chain.market import MarketClient as MarketClient
    from offchain.chain.market import OperatorLimits as OperatorLimits
    from offchain.chain.registry import Authorization as Authorization
    from offchain.chain.registry import Membership as Membership
    from offchain.chain.registry import RegistryClient as RegistryClient
    from offchain.chain.rpc import RpcClient as RpcClient
    from offchain.chain.values import ADMIN_ROLE as ADMIN_ROLE
    from offchain.chain.values import DEFAULT_ADMIN_ROLE as DEFAULT_ADMIN_ROLE
    from offchain.chain.values import MARKET_ROLE as MARKET_ROLE
    from offchain.chain.values import PROVIDER_ROLE as PROVIDER_ROLE
    from offchain.chain.values import UNLIMITED_ALLOWANCE as UNLIMITED_ALLOWANCE
    from offchain.chain.values import UNLIMITED_DURATION as UNLIMITED_DURATION
    from offchain.chain.values import ZERO_ADDRESS as ZERO_ADDRESS
    from offchain.chain.values import hex32 as hex32
    from offchain.chain.values import parse_address as parse_address
    from offchain.chain.values import parse_bytes32 as parse_bytes32
    from offchain.chain.values import resource_class as resource_class
    from offchain.chain.values import resource_class_name as resource_class_name

_EXPORTS = {
    "EventLog": "_contract",
    "Signer": "_contract",
    "TxResult": "_contract",
    "AnchorClient": "anchor",
    "AnchorRecord": "anchor",
    "Inclusion": "anchor",
    "Addresses": "client",
    "LeaseholdClient": "client",
    "Decoder": "decode",
    "Event": "decode",
    "decode_revert": "errors",
    "is_connection_error": "errors",
    "Manifest": "manifest",
    "load_manifest": "manifest",
    "Escrow": "market",
    "MarketClient": "market",
    "Authorization": "registry",
    "Membership": "registry",
    "OperatorLimits": "market",
    "RegistryClient": "registry",
    "RpcClient": "rpc",
    "ADMIN_ROLE": "values",
    "DEFAULT_ADMIN_ROLE": "values",
    "MARKET_ROLE": "values",
    "PROVIDER_ROLE": "values",
    "UNLIMITED_ALLOWANCE": "values",
    "UNLIMITED_DURATION": "values",
    "ZERO_ADDRESS": "values",
    "hex32": "values",
    "parse_address": "values",
    "parse_bytes32": "values",
    "resource_class": "values",
    "resource_class_name": "values",
}
__all__ = sorted(_EXPORTS)
__getattr__ = lazy_exports(__name__, _EXPORTS)

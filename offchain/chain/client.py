"""A typed web3.py client for the three Leasehold contracts: :class:`LeaseholdClient`, the facade.

Built from the deployment manifest and the ABIs shipped in ``offchain/chain/abi/``; needs only
web3.py at run time. Every view returns a dataclass (the mirror's entity classes from
:mod:`offchain.mirror.state`, so a chain read and a mirror read of the same thing compare equal),
every write returns a :class:`~offchain.chain._contract.TxResult`, and every revert raises
:class:`~offchain.exceptions.ContractRevertError` carrying the decoded custom error (name and
arguments) instead of raw revert data::

    from web3 import Web3
    from offchain.chain.client import LeaseholdClient

    w3 = Web3(Web3.HTTPProvider("http://127.0.0.1:8545"))
    client = LeaseholdClient.from_manifest(w3, "deployments/31337.json")
    print(client.registry.tenant(1))

Writes sign locally with an ``eth_account`` ``LocalAccount`` (any network), or send through the
node's unlocked accounts when given a plain address (Anvil): ``client.using(account)``.

One client per contract (:mod:`offchain.chain.registry`, :mod:`offchain.chain.market`,
:mod:`offchain.chain.anchor`) on a shared base (:mod:`offchain.chain._contract`); reverts are
decoded by :mod:`offchain.chain.errors`, and roles, resource classes, digests and addresses are
spelled by :mod:`offchain.chain.values`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from offchain.chain._contract import DEFAULT_TX_TIMEOUT, JournalHead, Signer, _endpoint
from offchain.chain.anchor import AnchorClient
from offchain.chain.decode import Decoder
from offchain.chain.decode import to_checksum as to_checksum_address
from offchain.chain.light import LightWeb3
from offchain.chain.manifest import (
    Manifest,
    check_chain,
    check_chain_batch,
    load_manifest,
    parse_manifest,
)
from offchain.chain.market import MarketClient
from offchain.chain.registry import RegistryClient
from offchain.chain.usage import UsageClient
from offchain.exceptions import ChainUnavailableError

if TYPE_CHECKING:
    from web3 import Web3

# ------------------------------------------------------------------------------- addresses


@dataclass(frozen=True, slots=True)
class Addresses:
    """Where the three contracts live, and the optional UsageLedger (None when not deployed)."""

    registry: str
    anchor: str
    market: str
    usage_ledger: str | None = None

    def by_contract(self) -> dict[str, str]:
        """Address of each of :data:`offchain.chain.abi.CONTRACTS`."""
        return {
            "TenantRegistry": self.registry,
            "DataAnchor": self.anchor,
            "LeaseMarket": self.market,
        }

    @classmethod
    def of(cls, manifest: Manifest) -> Addresses:
        """The addresses a deployment manifest records."""
        found = manifest.addresses
        return cls(
            registry=to_checksum_address(found["TenantRegistry"]),
            anchor=to_checksum_address(found["DataAnchor"]),
            market=to_checksum_address(found["LeaseMarket"]),
            usage_ledger=(
                to_checksum_address(manifest.usage_ledger) if manifest.usage_ledger else None
            ),
        )


# ----------------------------------------------------------------------------------- facade


class LeaseholdClient:
    """The three contracts of one deployment, behind one object.

    Attributes:
        registry: ``TenantRegistry``.
        anchor: ``DataAnchor``.
        market: ``LeaseMarket``.
        usage: ``UsageLedger`` (metered usage), or None when the deployment has no ledger.
    """

    def __init__(
        self,
        w3: Web3 | LightWeb3,
        addresses: Addresses,
        signer: Signer | None = None,
        *,
        tx_timeout: float = DEFAULT_TX_TIMEOUT,
    ) -> None:
        self.w3 = w3
        self.addresses = addresses
        self.signer = signer
        self.tx_timeout = tx_timeout
        decoder = Decoder(addresses.by_contract())
        self.registry = RegistryClient(w3, addresses.registry, signer, decoder)
        self.anchor = AnchorClient(w3, addresses.anchor, signer, decoder)
        self.market = MarketClient(w3, addresses.market, signer, decoder)
        self.usage: UsageClient | None = None
        if addresses.usage_ledger is not None:
            self.usage = UsageClient(w3, addresses.usage_ledger, signer)
            self.usage.tx_timeout = tx_timeout
        for bound in (self.registry, self.anchor, self.market):
            bound.tx_timeout = tx_timeout

    @classmethod
    def from_manifest(
        cls,
        w3: Web3 | LightWeb3,
        manifest: Manifest | Mapping[str, Any] | str | Path,
        signer: Signer | None = None,
        *,
        check: bool = True,
        tx_timeout: float = DEFAULT_TX_TIMEOUT,
    ) -> LeaseholdClient:
        """A client for the deployment a manifest describes.

        Args:
            w3: A connected ``Web3``, or a :class:`~offchain.chain.light.LightWeb3` for a
                client that only reads (no web3.py import, no signer).
            manifest: A loaded :class:`~offchain.chain.manifest.Manifest`, its parsed JSON, or the
                path of ``deployments/<chain-id>.json`` (read by
                ``offchain.chain.manifest.load_manifest``).
            signer: Account for writes (optional).
            check: Verify, with :func:`offchain.chain.manifest.check_chain`, that the node is the
                manifest's chain, still has each deploy block and holds each contract's code
                (over a ``LightWeb3``, in one batch request: ``check_chain_batch``).
            tx_timeout: Seconds a write waits for its receipt before raising
                :class:`~offchain.exceptions.TransactionPendingError`.

        Raises:
            ChainUnavailableError: the node does not answer.
            ManifestError: the manifest is malformed, or does not describe this chain (another
                network, or a devnet that was reset).
        """
        if isinstance(manifest, str | Path):
            manifest = load_manifest(manifest)
        elif not isinstance(manifest, Manifest):
            manifest = parse_manifest(manifest)
        client = cls(w3, Addresses.of(manifest), signer, tx_timeout=tx_timeout)
        if check:
            try:
                if isinstance(w3, LightWeb3):
                    check_chain_batch(manifest, w3)  # one request: what a read waits for first
                else:
                    check_chain(manifest, Web3Rpc(w3))
            except Exception as exc:
                from offchain.chain.errors import is_connection_error

                if is_connection_error(exc):
                    raise ChainUnavailableError(_endpoint(w3)) from None
                raise
        return client

    def using(self, signer: Signer) -> LeaseholdClient:
        """The same deployment, writing as ``signer``."""
        return LeaseholdClient(self.w3, self.addresses, signer, tx_timeout=self.tx_timeout)

    def journals(self) -> dict[str, JournalHead]:
        """The journal of each contract."""
        return {
            "TenantRegistry": self.registry.journal(),
            "DataAnchor": self.anchor.journal(),
            "LeaseMarket": self.market.journal(),
        }


# ------------------------------------------------------------------------- web3 as JSON-RPC


class Web3Rpc:
    """JSON-RPC through web3's provider, in the shape :func:`offchain.chain.manifest.check_chain`
    uses."""

    def __init__(self, w3: Web3) -> None:
        self.w3 = w3

    def call(self, method: str, params: Any = ()) -> Any:
        from web3.types import RPCEndpoint

        return _wire(self.w3.manager.request_blocking(RPCEndpoint(method), list(params)))


def _wire(value: Any) -> Any:
    """Values as a node sends them (web3's in-process eth-tester answers ints and bytes)."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        return hex(value)
    if isinstance(value, bytes | bytearray):
        return "0x" + bytes(value).hex()
    if isinstance(value, Mapping):
        return {k: _wire(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_wire(v) for v in value]
    return value


__all__ = ["Addresses", "LeaseholdClient", "Web3Rpc"]

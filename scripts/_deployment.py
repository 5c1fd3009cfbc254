"""Shared by the operational ape scripts: the deployed contracts of the connected chain.

The addresses come from the deployment manifest ``deployments/<chain id>.json`` written by
``ape run deploy`` (or ``--deployment FILE``), checked against the chain before use.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from offchain.chain.client import Web3Rpc
from offchain.chain.manifest import check_chain, default_path, load_manifest

#: The epilog of every script's --help: who signs and how to reach a running node.
CONNECTING = """\b
Sign with --account: an ape account alias ('ape accounts import NAME'), or TEST::N, the N-th
account of the test mnemonic (devnets only; TEST::0 deploys and is the platform admin).
Reach a running node with --network URL (e.g. --network http://127.0.0.1:8545, the Anvil of
'leasehold chain up' or of the demo), or with --network ethereum:local:foundry and
APE_FOUNDRY_HOST=URL in the environment; without it ape starts a fresh Anvil, with no deployment.
Errors print one line (exit status 5 when the chain refused); LEASEHOLD_DEBUG=1 shows ape's trace.
"""

deployment_option = click.option(
    "--deployment",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Deployment manifest. Default: deployments/<chain id>.json.",
)


@dataclass(frozen=True, slots=True)
class Contracts:
    """ape contract instances of one deployment."""

    registry: Any
    anchor: Any
    market: Any
    chain_id: int


def contracts(provider: Any, deployment: Path | None = None) -> Contracts:
    """The deployment's contracts on the connected chain.

    Raises:
        click.ClickException: no manifest, or it does not describe this chain.
    """
    from ape import project

    from offchain.exceptions import ManifestError

    chain_id = provider.chain_id
    try:
        manifest = load_manifest(deployment or default_path(chain_id))
        check_chain(manifest, Web3Rpc(provider.web3))
    except ManifestError as exc:
        raise click.ClickException(str(exc)) from None
    addresses = manifest.addresses
    return Contracts(
        registry=_at(project.TenantRegistry, addresses["TenantRegistry"]),
        anchor=_at(project.DataAnchor, addresses["DataAnchor"]),
        market=_at(project.LeaseMarket, addresses["LeaseMarket"]),
        chain_id=chain_id,
    )


def _at(container: Any, address: str) -> Any:
    """``container`` at ``address``, its type replacing whatever ape cached for that address.

    ape keeps the contract types of non-local networks (a devnet by URL is one) in ``~/.ape`` by
    address and merges a given type into a cached one. Devnets reuse addresses, so a type cached
    from another checkout or an older build of these contracts would be merged with this one, and
    events whose signature changed would then decode ambiguously.
    """
    from ape import chain

    return chain.contracts.instance_at(
        address, contract_type=container.contract_type, fetch_from_explorer=False, replace=True
    )


def resource_class(name: str) -> bytes:
    """``bytes32("gpu.h100")``."""
    from offchain.chain.values import resource_class as encode

    return encode(name)


def event_arg(receipt: Any, contract: Any, event: str, arg: str) -> Any:
    """An argument of the first ``event`` of ``contract`` in ``receipt``."""
    return getattr(receipt.events.filter(getattr(contract, event))[0], arg)

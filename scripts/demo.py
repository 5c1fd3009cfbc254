"""The demo scenario on a fresh Anvil: ``ape run demo --network ethereum:local:foundry``.

Deploys with ``scripts/deploy.py`` (development account 0 is the platform admin), plays the
scenario of :mod:`offchain.demo.scenario` through the web3.py client (three tenants, two providers,
three pools, leases through every end, escrow in and out, a batch of files anchored with proof
bundles, a single file anchored, one anchor revoked), then prints what the chain holds. For the
full main job (mirror, HTTP API, on-chain verification) run ``make demo``.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import click

from scripts._deployment import CONNECTING
from scripts._errors import Command


@click.command(cls=Command, epilog=CONNECTING)
@click.option(
    "--workdir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where the manifest, sample files and bundles go (default: a new temporary directory).",
)
def cli(provider, workdir):
    """Deploy, then play the demo scenario (needs a devnet: time moves with Anvil's RPC)."""
    from ape import accounts, chain, project

    from offchain.chain.client import LeaseholdClient
    from offchain.demo import scenario as _scenario
    from scripts.deploy import deploy_all, write_manifest

    workdir = workdir or Path(tempfile.mkdtemp(prefix="leasehold-demo-"))
    deployer = accounts.test_accounts[0]  # development account 0: the scenario's admin
    document = deploy_all(project, chain, deployer, network=provider.network_choice)
    manifest = write_manifest(document, workdir / "deployments", force=True)
    click.echo(f"deployed by {deployer.address}; manifest {manifest}")
    client = LeaseholdClient.from_manifest(provider.web3, manifest)
    result = _scenario.run(client, int(provider.chain_id), workdir / "files", click.echo)
    click.echo(f"{result.transactions} transactions; what the chain holds now:")
    for tenant in client.registry.tenants():
        escrow = client.market.escrow(tenant.tenant_id)
        click.echo(
            f"  tenant {tenant.tenant_id}: {tenant.status.name.lower()}, "
            f"escrow free {escrow.free} reserved {escrow.reserved}"
        )
    for pool in client.market.pools():
        click.echo(f"  pool {pool.pool_id}: {pool.allocated}/{pool.capacity} units allocated")
    for name, lease_id in result.leases.items():
        lease = client.market.lease(lease_id)
        click.echo(
            f"  lease {lease_id} ({name}): {lease.status.name.lower()}, "
            f"{lease.close_reason.name.lower()}"
        )
    click.echo(f"  batch root {result.batch_root}; bundles in {result.bundles_dir}")

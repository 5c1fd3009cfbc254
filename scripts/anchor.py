"""Anchor a file or a directory: ``ape run anchor PATH --tenant ID --network ... --account ...``.

A file is anchored alone (its SHA-256). A directory becomes one Merkle batch: its root is
anchored and one proof bundle per file is written (atomically) to ``--out``, with ``tree.json``.
"""

from __future__ import annotations

from pathlib import Path

import click
from ape.cli import account_option

from scripts._deployment import CONNECTING, contracts, deployment_option
from scripts._errors import Command


@click.command(cls=Command, epilog=CONNECTING)
@account_option()
@deployment_option
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--tenant", "tenant_id", type=int, required=True, help="Tenant to attribute it to.")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Bundle directory (default: PATH.bundles).",
)
@click.option("--uri", default="", help="Where the batch can be found.")
def cli(provider, account, deployment, path, tenant_id, out_dir, uri):
    """Anchor PATH (a file alone, or a directory as one Merkle batch with proof bundles)."""
    from offchain.anchoring.files import plan_directory, write_bundles
    from offchain.anchoring.merkle import digest_file

    deployed = contracts(provider, deployment)
    if path.is_file():
        digest = digest_file(path)
        receipt = deployed.anchor.anchor(tenant_id, digest, sender=account)
        click.echo(f"{path}: digest 0x{digest.hex()} anchored in block {receipt.block_number}")
        return
    plan = plan_directory(path, out_dir, "sha256", show_progress=True)
    receipt = deployed.anchor.anchorBatch(
        tenant_id, plan.tree.root, plan.tree.count, uri, sender=account
    )
    written = write_bundles(plan, deployed.chain_id, deployed.anchor.address, receipt.txn_hash)
    files = len(plan.names)
    click.echo(f"{files} file{'' if files == 1 else 's'} anchored as root 0x{plan.tree.root.hex()}")
    bundles = len(written) - 1
    click.echo(f"{bundles} bundle{'' if bundles == 1 else 's'} and tree.json in {plan.out_dir}")

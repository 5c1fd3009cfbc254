"""``leasehold deploy``: deploy the contracts to ``--rpc`` with ape and write the manifest."""

from __future__ import annotations

import os
from pathlib import Path

import click

from offchain.cli._env import LOCAL_CHAIN_IDS, Env, pass_env
from offchain.cli._output import emit_json, json_option, out
from offchain.cli._params import DURATION
from offchain.exceptions import InvalidValueError


@click.command()
@click.option(
    "--account",
    "-a",
    default="0",
    show_default=True,
    metavar="ACCOUNT",
    help="Deployer: 0-9 (devnet development account) or an ape account alias "
    "('ape accounts import NAME').",
)
@click.option("--admin", metavar="ADDRESS", help="Initial platform admin. Default: the deployer.")
@click.option(
    "--admin-delay",
    type=DURATION,
    default="3d",
    show_default=True,
    help="Delay before a default-admin transfer can be accepted.",
)
@click.option(
    "--asset",
    metavar="ADDRESS",
    default="0x" + "00" * 20,
    help="ERC-20 the lease market takes. Default: native ETH.",
)
@click.option(
    "--out-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("deployments"),
    show_default=True,
    help="Where to write <chain id>.json.",
)
@click.option("--force", is_flag=True, help="Replace an existing manifest for this chain.")
@json_option
@pass_env
def deploy(
    env: Env,
    account: str,
    admin: str | None,
    admin_delay: int,
    asset: str,
    out_dir: Path,
    force: bool,
    as_json: bool,
) -> None:
    """Deploy TenantRegistry, DataAnchor and LeaseMarket to --rpc and write the manifest.

    Runs scripts/deploy.py (ape) against the node at --rpc, so it needs the checkout's toolchain
    ('make setup'). On a named network prefer 'ape run deploy contracts --network ...'.
    """
    from offchain.chain.values import parse_address
    from offchain.demo.runner import ROOT, deploy_module

    chain_id = env.chain_id()  # one clear line when nothing answers, before ape loads
    if account.isdigit() and chain_id not in LOCAL_CHAIN_IDS:
        raise InvalidValueError(
            "account", account, "an ape account alias (development accounts are local only)"
        )
    admin = parse_address(admin, "admin") if admin else None
    asset = parse_address(asset, "asset")
    out_dir = out_dir.resolve()
    scripts = deploy_module()
    cwd = Path.cwd()
    os.chdir(ROOT)  # ape's project is the checkout's
    try:
        from ape import accounts, chain, networks, project
        from ape.logging import LogLevel, logger

        logger.set_level(LogLevel.WARNING)
        with networks.parse_network_choice(env.rpc):
            deployer = (
                accounts.test_accounts[int(account)]
                if account.isdigit()
                else accounts.load(account)
            )
            scripts.check_can_write(scripts.manifest_path(out_dir, chain_id), force)
            document = scripts.deploy_all(
                project,
                chain,
                deployer,
                admin=admin,
                admin_delay=admin_delay,
                asset=asset,
                network=env.rpc,
            )
            path = scripts.write_manifest(document, out_dir, force=force)
    finally:
        os.chdir(cwd)
    if as_json:
        emit_json({"manifest": str(path), **document})
        return
    out.print(f"deployed to chain {document['chainId']}; manifest {path}")
    for name, entry in document["contracts"].items():
        out.print(f"  {name:<15} {entry['address']}  (block {entry['deployBlock']})")

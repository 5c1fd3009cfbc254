"""Deploy Leasehold to any ape network and write its deployment manifest.

    ape run deploy contracts --network ethereum:local:foundry --account TEST::0
    ape run deploy contracts --network ethereum:sepolia:node --account deployer --admin 0x… \\
        --admin-delay 259200 --asset 0x…

Deploys ``TenantRegistry(admin, adminDelay)``, ``DataAnchor(registry)`` and, when the project has
it, ``LeaseMarket(registry, asset)`` (asset 0x0: native ETH), deploys ``UsageLedger(market)``
(metered usage: it takes the market's registry and asset and needs no role; with ``--arbiter`` the
default admin also grants that account ARBITER_ROLE, from the deployer when it is the admin, from
the admin's account when ape holds it, else the admin is told to), then writes
``deployments/<chain id>.json`` atomically (``offchain/chain/manifest.py`` reads it). An existing
manifest is never overwritten without ``--force``, and the check happens before anything is sent.

The deployed ABIs must equal the packaged ``offchain/chain/abi/*.json`` (the mirror decodes with
those and refuses a manifest whose ``abiSha256`` differs): run ``make abi`` first if they are stale.

``deploy_to_url(url, out_dir)`` does the same from Python against a running node (the demo uses it).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import click
from ape.cli import account_option

from scripts._deployment import CONNECTING
from scripts._errors import Command

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT_DIR = ROOT / "deployments"
DEFAULT_ADMIN_DELAY = 3 * 24 * 3600
ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
SCHEMA = 1


class ManifestExistsError(click.ClickException, FileExistsError):
    """A manifest for this chain exists and ``--force`` was not given."""

    def __init__(self, path: Path) -> None:
        super().__init__(
            f"{path} exists: a deployment is already recorded for this chain; "
            "pass --force to deploy again and replace it"
        )
        self.path = path


class StaleAbiError(click.ClickException):
    """The packaged ABI of a contract differs from the compiled one."""

    def __init__(self, names: list[str]) -> None:
        super().__init__(
            f"offchain/chain/abi/{{{','.join(names)}}}.json differ from the compiled contracts: "
            "run 'make abi' (the mirror decodes events with the packaged ABIs)"
        )


def manifest_path(out_dir: Path, chain_id: int) -> Path:
    """Where the manifest of ``chain_id`` goes."""
    return Path(out_dir) / f"{chain_id}.json"


def check_can_write(path: Path, force: bool) -> None:
    """Refuse, before deploying anything, to replace an existing manifest without ``force``."""
    if path.exists() and not force:
        raise ManifestExistsError(path)


def deploy_all(
    project: Any,
    chain: Any,
    account: Any,
    *,
    admin: Any = None,
    admin_delay: int = DEFAULT_ADMIN_DELAY,
    asset: str = ZERO_ADDRESS,
    network: str = "",
    arbiter: str | None = None,
) -> dict[str, Any]:
    """Deploy the contracts from ``account`` and return the manifest document.

    Args:
        project: The ape project (``ape.project``).
        chain: ape's chain manager (``ape.chain``).
        account: The deployer.
        admin: Initial holder of DEFAULT_ADMIN_ROLE and ADMIN_ROLE (default: the deployer): an
            address or an ape account.
        admin_delay: Seconds before a default-admin transfer can be accepted.
        asset: LeaseMarket's payment asset (0x0: native ETH).
        network: The ape network choice, recorded in the manifest.
        arbiter: An address to grant ARBITER_ROLE (splits disputed usage statements), or None.
    """
    _check_abis(project)
    admin = admin or account
    admin_address = str(getattr(admin, "address", admin))
    contracts: dict[str, Any] = {}
    registry = project.TenantRegistry.deploy(admin_address, admin_delay, sender=account)
    contracts["TenantRegistry"] = _entry(project, chain, "TenantRegistry", registry)
    anchor = project.DataAnchor.deploy(registry, sender=account)
    contracts["DataAnchor"] = _entry(project, chain, "DataAnchor", anchor)
    market = project.LeaseMarket.deploy(registry, asset, sender=account)
    contracts["LeaseMarket"] = {**_entry(project, chain, "LeaseMarket", market), "asset": asset}
    ledger = project.UsageLedger.deploy(market, sender=account)
    contracts["UsageLedger"] = _entry(project, chain, "UsageLedger", ledger)
    if arbiter:
        _grant_arbiter_role(registry, arbiter, admin, account)
    return {
        "schema": SCHEMA,
        "chainId": int(chain.chain_id),
        "network": network,
        "deployer": account.address,
        "createdAt": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "compiler": _compiler(project),
        "contracts": contracts,
    }


def write_manifest(document: dict[str, Any], out_dir: Path, *, force: bool = False) -> Path:
    """Write the manifest atomically: readers see the old file or the new one, never half."""
    path = manifest_path(out_dir, int(document["chainId"]))
    check_can_write(path, force)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w") as stream:
            stream.write(json.dumps(document, indent=2) + "\n")
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def deploy_to_url(
    url: str, out_dir: Path = DEFAULT_OUT_DIR, *, force: bool = False, demo_token: bool = False
) -> Path:
    """Deploy to the devnet at ``url`` from ape's first test account (its funded account 0);
    return the manifest's path.

    With ``demo_token`` the market is paid in a freshly deployed test ERC-20
    (``contracts/test/MockERC20.sol``), of which every test account gets ``DEMO_TOKEN_GRANT``.
    """
    from ape import accounts, chain, networks, project

    with networks.parse_network_choice(url) as provider:
        path = manifest_path(out_dir, int(provider.chain_id))
        check_can_write(path, force)
        deployer = accounts.test_accounts[0]
        asset = _demo_token(project, accounts.test_accounts) if demo_token else ZERO_ADDRESS
        document = deploy_all(project, chain, deployer, asset=asset, network=url)
        return write_manifest(document, out_dir, force=force)


DEMO_TOKEN_GRANT = 1_000 * 10**18


def _demo_token(project: Any, test_accounts: Any) -> str:
    """Deploy the test ERC-20 and give each test account ``DEMO_TOKEN_GRANT``; its address."""
    from ape import compilers
    from ape.contracts import ContractContainer

    # By path: ape's project listing may miss contracts/test (see tests/contracts/market).
    [mock] = compilers.compile([ROOT / "contracts" / "test" / "MockERC20.sol"], project=project)
    token = ContractContainer(mock).deploy(sender=test_accounts[0])
    for account in list(test_accounts)[:10]:
        token.mint(account, DEMO_TOKEN_GRANT, sender=test_accounts[0])
    return str(token.address)


# ----------------------------------------------------------------------------------- command


@click.group(epilog=CONNECTING)
def cli() -> None:
    """Deploy Leasehold's contracts and record them in deployments/<chain id>.json."""


@cli.command(cls=Command)
@account_option()
@click.option("--admin", help="Initial platform admin (default: the deploying account).")
@click.option(
    "--admin-delay",
    type=click.IntRange(0, 2**48 - 1),
    default=DEFAULT_ADMIN_DELAY,
    show_default=True,
    help="Seconds before a default-admin transfer can be accepted.",
)
@click.option(
    "--asset",
    default=ZERO_ADDRESS,
    show_default=True,
    help="LeaseMarket payment asset: an ERC-20 address, or 0x0 for native ETH.",
)
@click.option(
    "--out-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=DEFAULT_OUT_DIR,
    show_default=True,
    help="Directory of the manifests.",
)
@click.option("--arbiter", help="Grant this address ARBITER_ROLE (usage disputes).")
@click.option("--force", is_flag=True, help="Replace an existing manifest for this chain.")
def contracts(
    network: Any,
    provider: Any,
    account: Any,
    admin: str | None,
    admin_delay: int,
    asset: str,
    out_dir: Path,
    arbiter: str | None,
    force: bool,
) -> None:
    """Deploy TenantRegistry, DataAnchor, LeaseMarket and UsageLedger, then write the manifest."""
    from ape import chain, project

    path = manifest_path(out_dir, int(provider.chain_id))
    check_can_write(path, force)
    document = deploy_all(
        project,
        chain,
        account,
        admin=admin,
        admin_delay=admin_delay,
        asset=asset,
        network=provider.network_choice,
        arbiter=arbiter,
    )
    written = write_manifest(document, out_dir, force=force)
    for name, entry in document["contracts"].items():
        click.echo(f"{name:15} {entry['address']}  block {entry['deployBlock']}")
    click.echo(f"wrote {written}")


# --------------------------------------------------------------------------------- internals


def _grant_arbiter_role(registry: Any, arbiter: str, admin: Any, deployer: Any) -> None:
    """Grant ``arbiter`` ARBITER_ROLE from the default admin, if ape can sign for it."""
    from offchain.chain.values import ARBITER_ROLE

    signer = _admin_signer(admin, deployer)
    if signer is None:
        click.echo(
            f"ARBITER_ROLE not granted: the admin {admin} must grantRole(ARBITER_ROLE, {arbiter}) "
            f"on TenantRegistry {registry.address} before usage disputes can be split",
            err=True,
        )
        return
    registry.grantRole(ARBITER_ROLE, arbiter, sender=signer)


def _admin_signer(admin: Any, deployer: Any) -> Any:
    """The account that signs as the default admin: the deployer, the admin's own account (given,
    or one of ape's test accounts on a local network), or ``None``."""
    if not isinstance(admin, str):
        return admin
    if admin.lower() == str(deployer.address).lower():
        return deployer
    from ape import accounts

    try:
        test_accounts = list(accounts.test_accounts)
    except Exception:  # no test accounts on this network
        return None
    return next((a for a in test_accounts if str(a.address).lower() == admin.lower()), None)


def _entry(project: Any, chain: Any, name: str, contract: Any) -> dict[str, Any]:
    receipt = chain.get_receipt(contract.txn_hash)
    block = chain.blocks[receipt.block_number]
    return {
        "address": contract.address,
        "deployBlock": int(receipt.block_number),
        "deployBlockHash": _hex(block.hash),
        "deployTx": _hex(receipt.txn_hash),
        "abiSha256": _abi_sha256(name),
    }


def _abi_sha256(name: str) -> str:
    import hashlib

    return hashlib.sha256(
        (ROOT / "offchain" / "chain" / "abi" / f"{name}.json").read_bytes()
    ).hexdigest()


def _check_abis(project: Any) -> None:
    from offchain._toolchain.export_abi import render
    from offchain.chain.abi import EXPORTED

    stale = []
    for name in EXPORTED:
        compiled = [abi.model_dump(mode="json", by_alias=True) for abi in _abi_of(project, name)]
        packaged = ROOT / "offchain" / "chain" / "abi" / f"{name}.json"
        if not packaged.exists() or json.loads(packaged.read_text()) != json.loads(
            render(compiled)
        ):
            stale.append(name)
    if stale:
        raise StaleAbiError(stale)


def _abi_of(project: Any, name: str) -> list[Any]:
    return list(getattr(project, name).contract_type.abi)


def _compiler(project: Any) -> dict[str, Any]:
    solidity = project.config.get_config("solidity")
    return {
        "name": "solc",
        "version": str(solidity.version),
        "evmVersion": str(solidity.evm_version),
        "optimizer": {
            "enabled": bool(solidity.optimize),
            "runs": int(solidity.optimization_runs),
        },
    }


def _hex(value: Any) -> str:
    if isinstance(value, str):
        return value if value.startswith("0x") else "0x" + value
    return "0x" + bytes(value).hex()

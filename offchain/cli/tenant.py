"""``leasehold tenant``: register and manage tenants (TenantRegistry)."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

import click

from offchain.chain.values import (
    UNLIMITED_ALLOWANCE,
    UNLIMITED_DURATION,
    ZERO_ADDRESS,
    resource_class_name,
)
from offchain.cli._env import Env, account_option, pass_env
from offchain.cli._logs import contract_events
from offchain.cli._output import (
    emit_json,
    err,
    json_option,
    listing,
    out,
    report_tx,
    show_record,
    tx_json_option,
)
from offchain.cli._params import AMOUNT, CLASS, DURATION, HASH, TENANT_ID, UINT32
from offchain.cli._reads import Json, gather, operator_json, tenant_json
from offchain.cli.units import show_amount, show_duration, show_time


@click.group()
def tenant() -> None:
    """Register and manage tenants (TenantRegistry)."""


metadata_hash_option = click.option(
    "--hash",
    "metadata_hash",
    type=HASH,
    default="0x" + "00" * 32,
    help="Content hash of the metadata document (0x + 64 hex digits).",
)
metadata_file_option = click.option(
    "--metadata-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Hash this metadata document locally (SHA-256) and put only its hash on chain: with no "
    "METADATA_URI, nothing readable about it is public.",
)
PUBLIC_URI_NOTE = (
    "note: the metadata URI {uri!r} is stored on chain in the clear: anyone can read it and fetch "
    "what it points to. For private metadata give no URI, only --metadata-file (its hash)."
)


def _metadata(metadata_hash: bytes, metadata_file: Path | None) -> bytes:
    """The hash to send: ``--hash``, or the SHA-256 of ``--metadata-file`` (not both)."""
    if metadata_file is None:
        return metadata_hash
    if any(metadata_hash):
        raise click.UsageError("give --hash or --metadata-file, not both")
    from offchain.anchoring.merkle import digest_file

    return digest_file(metadata_file)


def _note_public_uri(uri: str) -> None:
    if uri:
        err.print(PUBLIC_URI_NOTE.format(uri=uri), highlight=False, markup=False)


@tenant.command("register")
@click.argument("metadata_uri", required=False, default="")
@metadata_hash_option
@metadata_file_option
@account_option
@tx_json_option
@pass_env
def tenant_register(
    env: Env,
    metadata_uri: str,
    metadata_hash: bytes,
    metadata_file: Path | None,
    account: str | None,
    as_json: bool,
) -> None:
    """Register a tenant owned by the signer (METADATA_URI is public; it may be left out)."""
    digest = _metadata(metadata_hash, metadata_file)
    result = env.client(account).registry.register(metadata_uri, digest)
    report_tx(as_json, result, f"tenant {result.created} registered")
    _note_public_uri(metadata_uri)


@tenant.command("show")
@click.argument("tenant_id", type=TENANT_ID)
@json_option
@pass_env
def tenant_show(env: Env, tenant_id: int, as_json: bool) -> None:
    """Show one tenant."""
    client = env.client()
    t, asset = gather(client, partial(client.registry.tenant, tenant_id), client.market.asset)
    view = tenant_json(t, _operators(env, client, tenant_id).get(tenant_id, []))
    if as_json:
        emit_json(view)
        return
    show_record(
        f"tenant {tenant_id}",
        [
            ("status", view["status"]),
            ("owner", view["owner"]),
            ("created", show_time(view["createdAt"])),
            ("metadata", view["metadataUri"] or "-"),
            ("metadata hash", view["metadataHash"]),
            ("pending owner", view["pendingOwner"] if int(view["pendingOwner"], 16) else "-"),
        ],
    )
    if view["operators"]:
        native = asset == ZERO_ADDRESS
        now = int(env.head()["timestamp"])
        table = listing("operator", "expires", "allowance left", "longest lease")
        for o in view["operators"]:
            table.add_row(
                o["operator"],
                show_time(o["expiresAt"]) + (" (expired)" if o["expiresAt"] <= now else ""),
                "unlimited" if o["allowance"] is None else show_amount(int(o["allowance"]), native),
                "unlimited" if o["maxDuration"] is None else show_duration(o["maxDuration"]),
            )
        out.print(table)


def _operators(env: Env, client: Any, tenant_id: int | None = None) -> dict[int, list[Json]]:
    """Tenant id -> its current owner's grants (expired ones included, as ``--json`` shows
    them), from the ``OperatorGranted`` logs, the registry's expiry and the market's limits (no
    list of operators is kept on chain)."""
    granted = contract_events(env, "TenantRegistry", "OperatorGranted", tenant_id)
    pairs = sorted({(int(e.args[0]), str(e.args[1])) for e in granted})

    def grant(tenant: int, operator: str) -> Json | None:
        # 0: revoked, or granted before the last ownership transfer (which lapses every grant)
        expires_at = client.registry.operator_expiry(tenant, operator)
        if expires_at:
            limits = client.market.operator_limits(tenant, operator)
            return operator_json(operator, expires_at, limits)
        return None

    found: dict[int, list[Json]] = {}
    grants = gather(client, *(partial(grant, tenant, operator) for tenant, operator in pairs))
    for (tenant, _), shown in zip(pairs, grants, strict=True):
        if shown is not None:
            found.setdefault(tenant, []).append(shown)
    return found


@tenant.command("list")
@json_option
@pass_env
def tenant_list(env: Env, as_json: bool) -> None:
    """List every tenant (one call per tenant; the mirror API scales better)."""
    client = env.client()
    operators = _operators(env, client)
    ids = range(1, client.registry.tenant_count() + 1)
    tenants = gather(client, *(partial(client.registry.tenant, i) for i in ids))
    views = [tenant_json(t, operators.get(t.tenant_id, [])) for t in tenants]
    if as_json:
        emit_json(views)
        return
    table = listing("id", "status", "owner", "created", "metadata")
    for v in views:
        table.add_row(
            str(v["tenantId"]), v["status"], v["owner"], show_time(v["createdAt"]), v["metadataUri"]
        )
    out.print(table)


def _tenant_action(name: str, doc: str, with_reason: bool) -> None:
    @click.argument("tenant_id", type=TENANT_ID)
    @account_option
    @tx_json_option
    @pass_env
    def command(
        env: Env, tenant_id: int, account: str | None, as_json: bool, reason: int = 0
    ) -> None:
        registry = env.client(account).registry
        result = (
            getattr(registry, name)(tenant_id, reason)
            if with_reason
            else getattr(registry, name)(tenant_id)
        )
        past = {
            "approve": "approved",
            "reject": "rejected",
            "suspend": "suspended",
            "resume": "resumed",
            "close": "closed",
        }[name]
        report_tx(as_json, result, f"tenant {tenant_id} {past}")

    command.__doc__ = doc
    if with_reason:
        command = click.option(
            "--reason",
            type=UINT32,
            default=0,
            show_default=True,
            help="Platform-defined reason code.",
        )(command)
    tenant.command(name)(command)


_tenant_action("approve", "Approve a Pending tenant (platform admin).", False)
_tenant_action("reject", "Reject a Pending tenant (platform admin).", True)
_tenant_action("suspend", "Suspend an Active tenant (platform admin).", True)
_tenant_action("resume", "Resume a Suspended tenant (platform admin).", True)
_tenant_action("close", "Close a tenant for good (its owner).", False)


@tenant.command("grant-operator")
@click.argument("tenant_id", type=TENANT_ID)
@click.argument("operator", metavar="ADDRESS")
@click.option(
    "--for",
    "duration",
    type=DURATION,
    default="30d",
    show_default=True,
    help="How long the grant lasts (e.g. 12h, 30d).",
)
@click.option(
    "--allowance",
    type=AMOUNT,
    metavar="AMOUNT",
    help="Escrow it may reserve, in total, through the leases it opens and extends (wei, or "
    "e.g. 0.5eth). Default: unlimited.",
)
@click.option(
    "--max-duration",
    type=DURATION,
    metavar="DURATION",
    help="Longest lease it may open or extend to, whole length (e.g. 1d). Default: unlimited.",
)
@account_option
@tx_json_option
@pass_env
def tenant_grant_operator(
    env: Env,
    tenant_id: int,
    operator: str,
    duration: int,
    allowance: int | None,
    max_duration: int | None,
    account: str | None,
    as_json: bool,
) -> None:
    """Let ADDRESS act for the tenant until the grant expires (tenant owner).

    An operator opens, extends and releases leases and anchors data for the tenant. --allowance and
    --max-duration bound what it commits: they are set in the lease market first (an omitted one is
    unlimited), then the grant in the registry. Granting again replaces the expiry, and the limits
    when either option is given (the new allowance is what it may still spend); without them the
    limits set before stay. An ownership transfer lapses grants and limits.
    """
    from offchain.chain.values import parse_address

    if allowance is not None and not allowance < UNLIMITED_ALLOWANCE:
        raise click.BadParameter(
            f"must be below {UNLIMITED_ALLOWANCE} (omit it for unlimited)",
            param_hint="'--allowance'",
        )
    if max_duration is not None and not max_duration < UNLIMITED_DURATION:
        raise click.BadParameter(
            f"must be below {UNLIMITED_DURATION} seconds (omit it for unlimited)",
            param_hint="'--max-duration'",
        )
    client = env.client(account)
    now = int(env.w3().eth.get_block("latest")["timestamp"])
    if now + duration >= 2**40:
        raise click.BadParameter(
            f"{duration} seconds is out of range: the grant would end at {now + duration}, past "
            f"the largest uint40 expiresAt ({2**40 - 1}); at most {2**40 - 1 - now} seconds",
            param_hint="'--for'",
        )
    address = parse_address(operator, "operator")
    if allowance is not None or max_duration is not None:
        # Limits first: no block sees the grant without them.
        client.market.set_operator_limits(
            tenant_id,
            address,
            UNLIMITED_ALLOWANCE if allowance is None else allowance,
            UNLIMITED_DURATION if max_duration is None else max_duration,
        )
    result = client.registry.grant_operator(tenant_id, address, now + duration)
    limits = [
        f"allowance {allowance}" if allowance is not None else "",
        f"leases up to {show_duration(max_duration)}" if max_duration is not None else "",
    ]
    shown = ", ".join(x for x in limits if x)
    report_tx(
        as_json,
        result,
        f"operator {operator} granted on tenant {tenant_id} until {show_time(now + duration)}"
        + (f" ({shown})" if shown else ""),
    )


@tenant.command("revoke-operator")
@click.argument("tenant_id", type=TENANT_ID)
@click.argument("operator", metavar="ADDRESS")
@account_option
@tx_json_option
@pass_env
def tenant_revoke_operator(
    env: Env, tenant_id: int, operator: str, account: str | None, as_json: bool
) -> None:
    """Revoke an operator (tenant owner)."""
    from offchain.chain.values import parse_address

    result = env.client(account).registry.revoke_operator(
        tenant_id, parse_address(operator, "operator")
    )
    report_tx(as_json, result, f"operator {operator} revoked on tenant {tenant_id}")


@tenant.command("update-metadata")
@click.argument("tenant_id", type=TENANT_ID)
@click.argument("metadata_uri", required=False, default="")
@metadata_hash_option
@metadata_file_option
@account_option
@tx_json_option
@pass_env
def tenant_update_metadata(
    env: Env,
    tenant_id: int,
    metadata_uri: str,
    metadata_hash: bytes,
    metadata_file: Path | None,
    account: str | None,
    as_json: bool,
) -> None:
    """Replace the tenant's metadata URI (public; may be left out) and hash (tenant owner)."""
    digest = _metadata(metadata_hash, metadata_file)
    result = env.client(account).registry.update_metadata(tenant_id, metadata_uri, digest)
    report_tx(as_json, result, f"tenant {tenant_id} metadata updated")
    _note_public_uri(metadata_uri)


@tenant.command("transfer")
@click.argument("tenant_id", type=TENANT_ID)
@click.argument("new_owner", metavar="ADDRESS")
@account_option
@tx_json_option
@pass_env
def tenant_transfer(
    env: Env, tenant_id: int, new_owner: str, account: str | None, as_json: bool
) -> None:
    """Propose ADDRESS as the tenant's next owner, who then runs 'tenant accept' (tenant owner).

    The zero address cancels a pending proposal.
    """
    from offchain.chain.values import parse_address

    result = env.client(account).registry.propose_owner(
        tenant_id, parse_address(new_owner, "new owner")
    )
    report_tx(as_json, result, f"tenant {tenant_id}: ownership proposed to {new_owner}")


@tenant.command("accept")
@click.argument("tenant_id", type=TENANT_ID)
@account_option
@tx_json_option
@pass_env
def tenant_accept(env: Env, tenant_id: int, account: str | None, as_json: bool) -> None:
    """Accept the ownership of a tenant proposed to the signer."""
    result = env.client(account).registry.accept_ownership(tenant_id)
    report_tx(as_json, result, f"tenant {tenant_id}: ownership accepted")


@tenant.command("quota")
@click.argument("tenant_id", type=TENANT_ID)
@click.argument("resource_class", type=CLASS, metavar="CLASS")
@click.argument("max_units", type=click.IntRange(0, 2**64 - 1))
@account_option
@tx_json_option
@pass_env
def tenant_quota(
    env: Env,
    tenant_id: int,
    resource_class: bytes,
    max_units: int,
    account: str | None,
    as_json: bool,
) -> None:
    """Set the most units of CLASS (such as gpu.h100) the tenant may hold (platform admin)."""
    result = env.client(account).registry.set_quota(tenant_id, resource_class, max_units)
    report_tx(
        as_json,
        result,
        f"tenant {tenant_id} quota for {resource_class_name(resource_class)}: {max_units}",
    )


@tenant.command("policy")
@click.argument("policy", type=click.Choice(["open", "approval"]))
@account_option
@tx_json_option
@pass_env
def tenant_policy(env: Env, policy: str, account: str | None, as_json: bool) -> None:
    """Set how new tenants enter: open (Active at once) or approval (platform admin)."""
    from offchain.mirror.entities import RegistrationPolicy

    result = env.client(account).registry.set_registration_policy(
        RegistrationPolicy.OPEN if policy == "open" else RegistrationPolicy.APPROVAL
    )
    report_tx(as_json, result, f"registration policy: {policy}")

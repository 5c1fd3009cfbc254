"""``leasehold lease``: open, list, extend and close leases (LeaseMarket)."""

from __future__ import annotations

from typing import Any

import click

from offchain.chain.values import hex32
from offchain.cli._env import Env, account_option, pass_env
from offchain.cli._output import (
    emit_json,
    json_option,
    listing,
    out,
    report_tx,
    show_record,
    tx_json_option,
)
from offchain.cli._params import DURATION, LEASE_ID, POOL_ID, TENANT_ID, UINT32
from offchain.cli.units import show_duration, show_time
from offchain.exceptions import RangeTooLargeError
from offchain.models import LeaseOut, dump


@click.group()
def lease() -> None:
    """Open and manage leases (LeaseMarket, tenants and providers)."""


@lease.command("open")
@click.argument("tenant_id", type=TENANT_ID)
@click.argument("pool_id", type=POOL_ID)
@click.option(
    "--units",
    type=click.IntRange(1, 2**32 - 1),
    default=1,
    show_default=True,
    help="Units to hold.",
)
@click.option("--duration", type=DURATION, required=True, help="How long (e.g. 2h, 7d).")
@account_option
@tx_json_option
@pass_env
def lease_open(
    env: Env,
    tenant_id: int,
    pool_id: int,
    units: int,
    duration: int,
    account: str | None,
    as_json: bool,
) -> None:
    """Open a lease paid from the tenant's escrow (its owner or an operator)."""
    result = env.client(account).market.open_lease(tenant_id, pool_id, units, duration)
    report_tx(as_json, result, f"lease {result.created} opened")


@lease.command("show")
@click.argument("lease_id", type=LEASE_ID)
@json_option
@pass_env
def lease_show(env: Env, lease_id: int, as_json: bool) -> None:
    """Show one lease."""
    client = env.client()
    view = LeaseOut.of(client.market.lease(lease_id))
    if as_json:
        emit_json(dump(view))
        return
    remaining = client.market.remaining(lease_id)
    show_record(
        f"lease {lease_id}",
        [
            (
                "status",
                view.status + (f" ({view.close_reason})" if view.status == "Closed" else ""),
            ),
            ("tenant", str(view.tenant_id)),
            ("pool", str(view.pool_id)),
            ("units", str(view.units)),
            ("period", f"{show_time(view.start)} .. {show_time(view.end)}"),
            ("left", show_duration(remaining.seconds_left)),
            ("price/unit/s", view.price_per_unit_second),
            ("paid until", show_time(view.paid_until)),
        ],
    )


@lease.command("list")
@click.option("--tenant", "tenant_id", type=TENANT_ID, help="Only this tenant's leases.")
@click.option("--pool", "pool_id", type=POOL_ID, help="Only leases in this pool.")
@click.option(
    "--status",
    type=click.Choice(["Active", "Closed"], case_sensitive=False),
    help="Only leases with this status.",
)
@json_option
@pass_env
def lease_list(
    env: Env, tenant_id: int | None, pool_id: int | None, status: str | None, as_json: bool
) -> None:
    """List leases (from the chain's LeaseOpened logs, then each lease's current state)."""
    client = env.client()
    ids = _lease_ids(env, client, tenant_id, pool_id)
    views = [LeaseOut.of(client.market.lease(i)) for i in ids]
    if status:
        views = [v for v in views if v.status.lower() == status.lower()]
    if as_json:
        emit_json([dump(v) for v in views])
        return
    table = listing("id", "status", "reason", "tenant", "pool", "units", "start", "end")
    for v in views:
        table.add_row(
            str(v.lease_id),
            v.status,
            v.close_reason if v.status == "Closed" else "",
            str(v.tenant_id),
            str(v.pool_id),
            str(v.units),
            show_time(v.start),
            show_time(v.end),
        )
    out.print(table)


def _lease_ids(env: Env, client: Any, tenant_id: int | None, pool_id: int | None) -> list[int]:
    from offchain.chain.abi import load_abi
    from offchain.chain.decode import event_topic

    entry = next(e for e in load_abi("LeaseMarket") if e.get("name") == "LeaseOpened")
    topics: list[Any] = [hex32(event_topic(entry)), None, None, None]
    if tenant_id is not None:
        topics[2] = "0x" + tenant_id.to_bytes(32, "big").hex()
    if pool_id is not None:
        topics[3] = "0x" + pool_id.to_bytes(32, "big").hex()
    while topics[-1] is None:
        topics.pop()
    start = env.manifest().contracts["LeaseMarket"].deploy_block
    end = int(env.w3().eth.block_number)
    logs = _logs_in_ranges(
        env.rpc, {"address": client.addresses.market, "topics": topics}, start, end
    )
    return sorted({int(log["topics"][1], 16) for log in logs})


LOG_RANGE_BLOCKS = 10_000  # blocks per eth_getLogs; halved where a node refuses a range


def _logs_in_ranges(rpc: str, query: dict[str, Any], start: int, end: int) -> list[Any]:
    """``eth_getLogs`` of ``start..end`` in bounded ranges, halving any range the node refuses."""
    from offchain.chain.rpc import RpcClient

    node = RpcClient(rpc, attempts=3)
    found: list[Any] = []
    pending = [
        (a, min(a + LOG_RANGE_BLOCKS - 1, end)) for a in range(start, end + 1, LOG_RANGE_BLOCKS)
    ]
    pending.reverse()
    try:
        while pending:
            low, high = pending.pop()
            try:
                found += node.call(
                    "eth_getLogs", [{**query, "fromBlock": hex(low), "toBlock": hex(high)}]
                )
            except RangeTooLargeError:
                if low == high:
                    raise
                middle = (low + high) // 2
                pending += [(middle + 1, high), (low, middle)]
    finally:
        node.close()
    return found


def _lease_action(name: str, method: str, doc: str, past: str) -> None:
    @click.argument("lease_id", type=LEASE_ID)
    @account_option
    @tx_json_option
    @pass_env
    def command(
        env: Env, lease_id: int, account: str | None, as_json: bool, reason: int = 0
    ) -> None:
        market = env.client(account).market
        result = (
            market.terminate_lease(lease_id, reason)
            if name == "terminate"
            else getattr(market, method)(lease_id)
        )
        report_tx(as_json, result, f"lease {lease_id} {past}")

    command.__doc__ = doc
    if name == "terminate":
        command = click.option(
            "--reason",
            type=UINT32,
            default=0,
            show_default=True,
            help="Provider- or admin-defined reason code.",
        )(command)
    lease.command(name)(command)


_lease_action(
    "release", "release_lease", "End a running lease early (tenant owner or operator).", "released"
)
_lease_action(
    "terminate",
    "terminate_lease",
    "End a lease as its pool's provider or a platform admin.",
    "terminated",
)


@lease.command("extend")
@click.argument("lease_id", type=LEASE_ID)
@click.option("--by", "additional", type=DURATION, required=True, help="Extra time (e.g. 1h).")
@account_option
@tx_json_option
@pass_env
def lease_extend(
    env: Env, lease_id: int, additional: int, account: str | None, as_json: bool
) -> None:
    """Extend a running lease at its locked price (tenant owner or operator)."""
    result = env.client(account).market.extend_lease(lease_id, additional)
    report_tx(as_json, result, f"lease {lease_id} extended by {show_duration(additional)}")


@lease.command("reclaim")
@click.argument("lease_ids", type=LEASE_ID, nargs=-1, required=True)
@account_option
@tx_json_option
@pass_env
def lease_reclaim(env: Env, lease_ids: tuple[int, ...], account: str | None, as_json: bool) -> None:
    """Close expired leases (or leases of closed tenants) and free their units (anyone)."""
    result = env.client(account).market.reclaim(list(lease_ids))
    closed = [e.args["leaseId"] for e in result.events if e.name == "LeaseClosed"]
    report_tx(as_json, result, f"reclaimed {len(closed)} lease(s): {', '.join(map(str, closed))}")

"""The read commands' JSON (offchain/cli/_reads.py, no pydantic) equals the HTTP API's models.

``leasehold ... --json`` builds its dicts without pydantic (start-up time, issue 14); the API
serves :mod:`offchain.models`. These tests keep the two equal: every read command on the demo
chain against the models built from the web3.py client's views, and each shape function against
its model on edge values (every enum member, unlimited limits, non-text classes, amounts past
2**53, missing openers).
"""

from __future__ import annotations

import random
from typing import Any

import click
import pytest

from offchain.chain.devnet import dev_account
from offchain.chain.values import UNLIMITED_ALLOWANCE, UNLIMITED_DURATION, ZERO_ADDRESS
from offchain.cli import _reads
from offchain.cli.root import COMMANDS
from offchain.mirror.entities import (
    Account,
    Anchor,
    CloseReason,
    Lease,
    LeaseStatus,
    OperatorLimits,
    Pool,
    PoolStatus,
    Tenant,
    TenantStatus,
)
from offchain.models import (
    AnchorOut,
    EscrowOut,
    LeaseOut,
    OperatorOut,
    PoolOut,
    ProviderOut,
    TenantOut,
    dump,
)

READ_JSON_HELP = "Print JSON (the HTTP API's shape) instead."
#: Leases of the demo scenario, by name (their ids depend on what the scenario did before them).
LEASES = ("acme-gpu", "acme-cpu", "globex-cpu", "globex-storage", "initech-storage", "initech-gpu")

#: Every read command that prints an API shape, and the arguments the demo chain answers.
READS: dict[str, list[tuple[str, ...]]] = {
    "tenant show": [("1",), ("2",), ("3",)],
    "tenant list": [()],
    "pool show": [("1",), ("2",), ("3",)],
    "pool list": [()],
    "lease show": [(f"lease:{name}",) for name in LEASES],
    "lease list": [(), ("--tenant", "1"), ("--status", "closed")],
    "escrow show": [("1",), ("2",)],
    "provider show": [(dev_account(1).address,), (dev_account(2).address,), (ZERO_ADDRESS,)],
    "anchors show": [],  # the batch root: from the scenario (below)
}
#: Commands with --json whose output is no model of offchain.models (their own shapes).
NOT_A_MODEL = {
    "chain up", "chain down", "chain status", "deploy", "earnings show", "verify",
    "mirror sync", "mirror audit", "mirror status", "usage show", "usage verify",
}  # fmt: skip


def _json_commands() -> set[str]:
    """``group command`` of every command with a read's --json option."""
    found: set[str] = set()
    for name, entry in COMMANDS.items():
        command = entry.load()
        subs = command.commands if isinstance(command, click.Group) else {"": command}
        for sub_name, sub in subs.items():
            if any(p.name == "as_json" and p.help == READ_JSON_HELP for p in sub.params):
                found.add(f"{name} {sub_name}".strip())
    return found


def test_every_read_command_printing_a_model_is_checked_here():
    """A new read command must be added to READS (or, printing no model, to NOT_A_MODEL)."""
    assert _json_commands() - NOT_A_MODEL == set(READS)


def _expected(
    command: str, args: tuple[str, ...], client: Any, tenant_json: Any, lease_ids: list[int]
) -> Any:
    """What the API's models say for the same chain state (read with the web3.py client)."""
    market = client.market
    if command == "tenant show":
        return tenant_json(int(args[0]))
    if command == "tenant list":
        return [tenant_json(t.tenant_id) for t in client.registry.tenants()]
    if command == "pool show":
        return dump(PoolOut.of(market.pool(int(args[0]))))
    if command == "pool list":
        return [dump(PoolOut.of(p)) for p in market.pools()]
    if command == "lease show":
        return dump(LeaseOut.of(market.lease(int(args[0])), market.lease_opener(int(args[0]))))
    if command == "lease list":
        leases = [dump(LeaseOut.of(market.lease(i), market.lease_opener(i))) for i in lease_ids]
        if "--tenant" in args:
            leases = [x for x in leases if x["tenantId"] == int(args[1])]
        if "--status" in args:
            leases = [x for x in leases if x["status"] == "Closed"]
        return leases
    if command == "escrow show":
        return dump(EscrowOut.of(int(args[0]), market.escrow(int(args[0]))))
    if command == "provider show":
        provider = args[0]
        return dump(
            ProviderOut(
                provider=provider,
                pools=[p.pool_id for p in market.pools() if p.provider == provider],
                claimable=str(market.claimable(provider)),
                payout_address=market.payout_address(provider),
                pending_handover=market.pending_provider_handover(provider),
            )
        )
    if command == "anchors show":
        return dump(AnchorOut.of(client.anchor.record(bytes.fromhex(args[0][2:]))))
    raise AssertionError(command)


@pytest.mark.parametrize(("command", "args"), [(c, a) for c, cases in READS.items() for a in cases])
def test_a_read_commands_json_is_the_api_models_dump(
    leasehold, chain_client, tenant_json, stack, command, args
):
    leases = stack.scenario.leases
    args = tuple(str(leases[a[6:]]) if a.startswith("lease:") else a for a in args)
    result = leasehold(*command.split(), *args, "--json")
    assert result.code == 0, result.err
    expected = _expected(command, args, chain_client, tenant_json, sorted(leases.values()))
    assert result.json() == expected


def test_anchors_show_json_is_the_api_models_dump(leasehold, chain_client, tenant_json, stack):
    args = (stack.scenario.batch_root,)
    result = leasehold("anchors", "show", *args, "--json")
    assert result.json() == _expected("anchors show", args, chain_client, tenant_json, [])


def test_the_scenario_has_the_leases_named_here(stack):
    assert set(LEASES) <= set(stack.scenario.leases)  # lease list checks every lease of it


# ------------------------------------------------------------------------- edge values


def _address(rng: random.Random) -> str:
    return dev_account(rng.randrange(10)).address


def test_each_shape_equals_its_model_on_every_enum_and_edge_value():
    rng = random.Random(14)
    big = [0, 1, 2**53 + 1, 2**96 - 1, 2**128 - 2, UNLIMITED_ALLOWANCE]
    for status in TenantStatus:
        t = Tenant(rng.randrange(1, 2**64), _address(rng), status, rng.randrange(2**40),
                   rng.choice(["", "ipfs://x", "https://é.example"]), rng.randbytes(32),
                   rng.choice([ZERO_ADDRESS, _address(rng)]))  # fmt: skip
        limits = [OperatorLimits(a, d) for a in big for d in (0, 86400, UNLIMITED_DURATION)]
        grants = [(_address(rng), rng.randrange(2**40), lim) for lim in limits]
        model_grants = [OperatorOut.of(*g) for g in grants]
        shape_grants = [_reads.operator_json(*g) for g in grants]
        assert [dump(m) for m in model_grants] == shape_grants
        assert _reads.tenant_json(t, shape_grants) == dump(TenantOut.of(t, model_grants))
        assert _reads.tenant_json(t) == dump(TenantOut.of(t))
    classes = [b"gpu.h100".ljust(32, b"\0"), b"\xff" * 32, bytes(32), b"a\0b".ljust(32, b"\0")]
    for status in PoolStatus:
        for rclass in classes:
            p = Pool(rng.randrange(1, 2**64), _address(rng), rclass, 2**32 - 1,
                     rng.randrange(2**32), rng.choice(big), 60, 2**32 - 1, status)  # fmt: skip
            assert _reads.pool_json(p) == dump(PoolOut.of(p))
    for status in LeaseStatus:
        for reason in CloseReason:
            x = Lease(rng.randrange(1, 2**64), 1, 2, 3, 4, 2**40 - 1, status, reason,
                      rng.choice(big), 5)  # fmt: skip
            for opener in (None, _address(rng)):
                assert _reads.lease_json(x, opener) == dump(LeaseOut.of(x, opener))
    for free in big:
        account = Account(free=free, reserved=rng.choice(big))
        assert _reads.escrow_json(7, account) == dump(EscrowOut.of(7, account))
    for count, revoked in ((0, 0), (3, 0), (2**32 - 1, 2**40 - 1)):
        a = Anchor(rng.randbytes(32), 1, rng.randrange(2**40), 12, revoked, count, 2**32 - 1)
        assert _reads.anchor_json(a) == dump(AnchorOut.of(a))
    provider = _address(rng)
    assert _reads.provider_json(provider, [3, 1], 2**128, provider, ZERO_ADDRESS) == dump(
        ProviderOut(
            provider=provider,
            pools=[3, 1],
            claimable=str(2**128),
            payout_address=provider,
            pending_handover=ZERO_ADDRESS,
        )
    )


def test_each_shape_has_its_models_keys_in_its_models_order():
    t = Tenant(1, ZERO_ADDRESS, TenantStatus.ACTIVE, 0, "", bytes(32))
    pairs = [
        (_reads.tenant_json(t, []), TenantOut),
        (_reads.operator_json(ZERO_ADDRESS, 1, OperatorLimits(1, 1)), OperatorOut),
        (_reads.pool_json(Pool(1, ZERO_ADDRESS, bytes(32), 1, 0, 1, 1, 1, PoolStatus.OPEN)),
         PoolOut),
        (_reads.lease_json(Lease(1, 1, 1, 1, 1, 1, LeaseStatus.ACTIVE, CloseReason.NONE, 1, 1)),
         LeaseOut),
        (_reads.escrow_json(1, Account()), EscrowOut),
        (_reads.provider_json(ZERO_ADDRESS, [], 0, ZERO_ADDRESS, ZERO_ADDRESS), ProviderOut),
        (_reads.anchor_json(Anchor(bytes(32), 1, 1, 1)), AnchorOut),
    ]  # fmt: skip
    for shape, model in pairs:
        aliases = [f.alias or name for name, f in model.model_fields.items()]
        assert list(shape) == aliases

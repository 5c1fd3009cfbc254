"""The demo scenario: a small platform's first day, driven through the web3.py client.

Three tenants (Acme with an operator; Globex; Initech, later suspended), two providers with three
pools, leases opened, extended, released, terminated, expired and reclaimed, escrow paid in and
out both ways (deposits by owners and by a third party; provider claims with and without settling
running leases; a tenant withdrawal), a directory of sample files anchored as one Merkle batch
with a proof bundle per file, a single file anchored alone, and one anchor revoked; then, when the
deployment has a UsageLedger, GPU usage metered, posted, verified, disputed and settled
(:mod:`offchain.demo.usage`).

Money moves in the deployment's asset: native ETH (deposits send value), or an ERC-20 (deposits
approve the market first; the demo's ``--asset erc20`` deploys a test token every development
account holds). The scenario is the same for both.

Time moves with Anvil's ``evm_setNextBlockTimestamp``, so the scenario needs a devnet (Anvil), not
a live network. Every account is a development account of the devnet's mnemonic.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from offchain.anchoring.files import anchor_directory, anchor_file
from offchain.chain.client import LeaseholdClient
from offchain.chain.devnet import dev_account
from offchain.chain.values import PROVIDER_ROLE, resource_class
from offchain.demo.usage import UsageResult, run_usage
from offchain.mirror.entities import RegistrationPolicy

GWEI = 10**9
ETHER = 10**18
MINUTE = 60
HOUR = 3600
DAY = 86400

GPU = resource_class("gpu.h100")
CPU = resource_class("cpu.vcpu")
STORAGE = resource_class("storage.tb")

#: Who is who: development account index of each role.
ROLES = {
    "admin": 0,
    "provider_a": 1,
    "provider_b": 2,
    "acme": 3,
    "acme_operator": 4,
    "globex": 5,
    "initech": 6,
    "keeper": 7,
    "treasury": 8,  # provider B's payout address
}

SAMPLE_FILES = {
    "reports/2026-q1-usage.csv": "class,unit_hours\ngpu.h100,1280\ncpu.vcpu,9400\n",
    "reports/2026-q2-usage.csv": "class,unit_hours\ngpu.h100,1710\ncpu.vcpu,8800\n",
    "models/llm-7b/manifest.json": '{"name": "llm-7b", "shards": 4, "dtype": "bf16"}\n',
    "models/llm-7b/tokenizer.txt": "vocab_size=32000\nbos=1\neos=2\n",
    "logs/train-0001.log": "step=100 loss=2.91\nstep=200 loss=2.44\nstep=300 loss=2.18\n",
    "logs/train-0002.log": "step=400 loss=2.02\nstep=500 loss=1.95\n",
    "contracts/dpa-signed.txt": "Data processing agreement, Acme Corp, signed 2026-01-15.\n",
    "README.md": "# Acme training run 7\nInputs, model manifest and logs of run 7.\n",
}
SINGLE_FILE = ("msa-globex-2026.txt", "Master services agreement, Globex, effective 2026-02-01.\n")
REVOKED_FILE = ("draft-globex-pricing.txt", "DRAFT pricing sheet, superseded.\n")


@dataclass(slots=True)
class ScenarioResult:
    """What the scenario created, for the summary and for tests."""

    tenants: dict[str, int] = field(default_factory=dict)
    pools: dict[str, int] = field(default_factory=dict)
    leases: dict[str, int] = field(default_factory=dict)
    batch_root: str = ""
    bundles_dir: Path = Path()
    sample_dir: Path = Path()
    single_file: Path = Path()
    revoked_file: Path = Path()
    transactions: int = 0
    usage: UsageResult | None = None


def _travel(w3: Any, seconds: int) -> None:
    """Mine a block ``seconds`` after the latest one (exact, whatever the wall clock says)."""
    latest = int(w3.eth.get_block("latest")["timestamp"])
    w3.provider.make_request("evm_setNextBlockTimestamp", [latest + seconds])
    w3.provider.make_request("evm_mine", [])


def write_samples(directory: Path) -> tuple[Path, Path, Path]:
    """Write the sample files; return (batch directory, single file, file to revoke)."""
    batch = directory / "acme-run-7"
    for name, text in SAMPLE_FILES.items():
        target = batch / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    single = directory / SINGLE_FILE[0]
    single.write_text(SINGLE_FILE[1])
    revoked = directory / REVOKED_FILE[0]
    revoked.write_text(REVOKED_FILE[1])
    return batch, single, revoked


def run(
    client: LeaseholdClient,
    chain_id: int,
    workdir: Path,
    say: Callable[[str], None] = lambda _: None,
) -> ScenarioResult:
    """Play the scenario against a fresh deployment whose admin is development account 0."""
    w3 = client.w3
    who = {role: client.using(dev_account(index)) for role, index in ROLES.items()}
    acct = {role: dev_account(index).address for role, index in ROLES.items()}
    admin, provider_a, provider_b = who["admin"], who["provider_a"], who["provider_b"]
    acme, operator, globex, initech = (
        who["acme"],
        who["acme_operator"],
        who["globex"],
        who["initech"],
    )
    result = ScenarioResult()
    sent = 0

    def tx(outcome: Any) -> Any:
        nonlocal sent
        sent += 1
        return outcome

    say("platform: two providers get the provider role; new tenants need approval")
    tx(admin.registry.grant_role(PROVIDER_ROLE, acct["provider_a"]))
    tx(admin.registry.grant_role(PROVIDER_ROLE, acct["provider_b"]))
    tx(admin.registry.set_registration_policy(RegistrationPolicy.APPROVAL))

    say("tenants: Acme, Globex and Initech register and are approved, with quotas")
    for name, owner in (("acme", acme), ("globex", globex), ("initech", initech)):
        created = tx(owner.registry.register(f"https://{name}.example/tenant.json", bytes(32)))
        result.tenants[name] = created.created
        tx(admin.registry.approve(created.created))
    quotas = {
        "acme": ((GPU, 8), (CPU, 64)),
        "globex": ((CPU, 128), (STORAGE, 50)),
        "initech": ((GPU, 4), (STORAGE, 20)),
    }
    for name, pairs in quotas.items():
        for rclass, units in pairs:
            tx(admin.registry.set_quota(result.tenants[name], rclass, units))
    now = int(w3.eth.get_block("latest")["timestamp"])
    say("acme: its operator may reserve up to 0.01 ETH of escrow, in leases of a day at most")
    tx(
        acme.market.set_operator_limits(
            result.tenants["acme"], acct["acme_operator"], ETHER // 100, DAY
        )
    )
    tx(acme.registry.grant_operator(result.tenants["acme"], acct["acme_operator"], now + 30 * DAY))

    say("providers: three pools (H100 GPUs, vCPUs, storage)")
    pools = (
        ("gpu", provider_a, GPU, 16, 50 * GWEI, HOUR, 7 * DAY),
        ("cpu", provider_a, CPU, 256, 1 * GWEI, 10 * MINUTE, 30 * DAY),
        ("storage", provider_b, STORAGE, 100, 5 * GWEI, HOUR, 90 * DAY),
    )
    for name, provider, rclass, capacity, price, low, high in pools:
        result.pools[name] = tx(
            provider.market.create_pool(rclass, capacity, price, low, high)
        ).created

    say("escrow: owners deposit, and a keeper tops up Acme's escrow for it")
    tx(acme.market.deposit(result.tenants["acme"], 1 * ETHER))
    tx(globex.market.deposit(result.tenants["globex"], 1 * ETHER))
    tx(initech.market.deposit(result.tenants["initech"], ETHER // 2))
    tx(who["keeper"].market.deposit(result.tenants["acme"], ETHER // 4))

    say("leases: six opened, Acme's GPU lease by its operator")
    opens = (
        ("acme-gpu", operator, "acme", "gpu", 4, 2 * HOUR),
        ("acme-cpu", acme, "acme", "cpu", 16, DAY),
        ("globex-cpu", globex, "globex", "cpu", 32, 12 * HOUR),
        ("globex-storage", globex, "globex", "storage", 20, 30 * DAY),
        ("initech-gpu", initech, "initech", "gpu", 2, 3 * HOUR),
        ("initech-storage", initech, "initech", "storage", 10, HOUR),
    )
    for name, signer, tenant, pool_name, units, duration in opens:
        result.leases[name] = tx(
            signer.market.open_lease(
                result.tenants[tenant], result.pools[pool_name], units, duration
            )
        ).created

    _travel(w3, 30 * MINUTE)
    say("30 minutes later: extend, release early, a provider terminates")
    tx(operator.market.extend_lease(result.leases["acme-gpu"], HOUR))
    tx(globex.market.release_lease(result.leases["globex-cpu"]))
    tx(provider_b.market.terminate_lease(result.leases["initech-storage"], 7))
    say("provider A settles its running leases and is paid")
    tx(provider_a.market.claim([result.leases["acme-gpu"], result.leases["acme-cpu"]]))

    say("anchors: Acme anchors a directory as one batch; Globex anchors a file, and revokes one")
    batch_dir, single, revoked = write_samples(workdir)
    bundles = workdir / "acme-run-7.bundles"
    report = anchor_directory(
        acme,
        chain_id,
        batch_dir,
        result.tenants["acme"],
        bundles,
        "https://acme.example/runs/7/",
        "sha256",
        show_progress=False,
    )
    sent += 1
    # Plain digests (public files): verified without a bundle, revoked by their digest.
    tx(anchor_file(globex, single, result.tenants["globex"], "sha256", hiding=False))
    tx(anchor_file(globex, revoked, result.tenants["globex"], "sha256", hiding=False))
    from offchain.anchoring.merkle import digest_file

    tx(globex.anchor.revoke(digest_file(revoked), 1))
    result.batch_root = str(report["root"])
    result.bundles_dir, result.sample_dir = bundles, batch_dir
    result.single_file, result.revoked_file = single, revoked

    say("platform: Initech is suspended")
    tx(admin.registry.suspend(result.tenants["initech"], 42))

    _travel(w3, 4 * HOUR)
    say("4 hours later: a keeper reclaims the expired leases; provider B (to its treasury) and")
    say("Globex are paid out")
    tx(who["keeper"].market.reclaim([result.leases["acme-gpu"], result.leases["initech-gpu"]]))
    tx(provider_b.market.set_payout_address(acct["treasury"]))
    tx(provider_b.market.claim([]))
    free = client.market.escrow(result.tenants["globex"]).free
    tx(globex.market.withdraw(result.tenants["globex"], free // 2, acct["globex"]))
    if client.usage is not None:  # a deployment with the UsageLedger: metered GPU usage
        result.usage = run_usage(client, chain_id, who, acct["admin"], result.tenants["acme"],
                                 result.pools["gpu"], workdir, _travel, say)  # fmt: skip
        sent += result.usage.transactions
        result.leases["acme-gpu-metered"] = result.usage.lease_id
    result.transactions = sent
    return result

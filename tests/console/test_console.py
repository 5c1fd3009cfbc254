"""The console's pages in headless chromium, against the demo chain read independently.

Each test opens a page of ``leasehold mirror serve``'s console, checks what it shows against the
chain's views (the web3.py client, not the mirror), and saves a screenshot in
``.artifacts/console/``. Waits are on conditions (WebDriverWait), never on time.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from _browser import screenshot, wait
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from offchain.chain.devnet import dev_account
from offchain.models import LeaseOut, PoolOut, TenantOut, dump

pytestmark = pytest.mark.browser


# Reads a table in one script call: a live page may redraw between two WebDriver calls.
_ROWS = """
const cell = (e) => ({
  text: e.innerText.trim(),
  data: {...e.dataset},
  titles: Array.from(e.querySelectorAll("code")).map((c) => c.title),
});
return Array.from(document.querySelectorAll(arguments[0])).map((row) => ({
  data: {...row.dataset},
  cells: Array.from(row.children).map(cell),
  fields: Object.fromEntries(
    Array.from(row.querySelectorAll("[data-field]")).map((e) => [e.dataset.field, cell(e)])),
  grants: Array.from(row.querySelectorAll("[data-operator]")).map((e) => ({...e.dataset})),
}));
"""


def rows(browser: Any, selector: str) -> list[dict[str, Any]]:
    """Each row matching ``selector``: its data attributes, cells and ``[data-field]`` cells."""
    return list(browser.execute_script(_ROWS, selector))


def test_overview_shows_the_chain_the_phase_and_equal_journal_heads(console, chain_client, node):
    page = console("overview")
    wait(
        page,
        lambda d: d.find_element(By.ID, "journal").get_attribute("data-journal") != "unchecked",
        "a journal check",
    )
    chain_id = int(node("eth_chainId"), 16)
    cards = page.execute_script(
        "return [...document.querySelectorAll('.card')].map(c => [c.id, c.querySelector('.value')"
        ".innerText])"
    )
    assert dict(cards)["ov-chain"] == str(chain_id)
    assert dict(cards)["ov-phase"] == "live"
    assert page.find_element(By.ID, "journal").get_attribute("data-journal") == "equal"
    journals = chain_client.journals()
    shown = rows(page, "#journal tr[data-contract]")
    assert {r["data"]["contract"] for r in shown} == set(journals)
    for row in shown:
        name = row["data"]["contract"]
        assert row["data"]["equal"] == "true"
        assert int(row["cells"][1]["text"]) == journals[name].seq
        assert row["cells"][2]["titles"] == ["0x" + journals[name].head.hex()], name
        assert row["cells"][4]["titles"] == ["0x" + journals[name].head.hex()], name
    bars = page.find_elements(By.CSS_SELECTOR, "svg.utilization g[data-pool]")
    assert len(bars) == chain_client.market.pool_count()
    screenshot(page, "overview")


def test_tenants_page_matches_the_registry_and_the_market(console, chain_client):
    page = console("tenants")
    count = chain_client.registry.tenant_count()
    shown = rows(page, "#tenants-table tr[data-tenant]")
    assert [int(r["data"]["tenant"]) for r in shown] == list(range(1, count + 1))
    for row in shown:
        tenant_id = int(row["data"]["tenant"])
        chain = dump(TenantOut.of(chain_client.registry.tenant(tenant_id)))
        escrow = chain_client.market.escrow(tenant_id)
        fields = row["fields"]
        assert fields["status"]["text"] == chain["status"]
        assert fields["owner"]["titles"] == [chain["owner"]]
        assert int(fields["free"]["data"]["wei"]) == escrow.free
        assert int(fields["reserved"]["data"]["wei"]) == escrow.reserved
        for grant in row["grants"]:
            expiry = chain_client.registry.operator_expiry(tenant_id, grant["operator"])
            assert int(grant["expires"]) == expiry
    assert any(r["grants"] for r in shown), "the scenario grants an operator"
    screenshot(page, "tenants")


def test_pools_page_matches_the_market(console, chain_client):
    page = console("pools")
    shown = rows(page, "#pools-table tr[data-pool]")
    assert len(shown) == chain_client.market.pool_count()
    for row in shown:
        pool = dump(PoolOut.of(chain_client.market.pool(int(row["data"]["pool"]))))
        bar = row["fields"]["utilization"]["data"]
        assert (int(bar["allocated"]), int(bar["capacity"])) == (
            pool["allocated"],
            pool["capacity"],
        )
        assert row["fields"]["price"]["data"]["wei"] == pool["pricePerUnitSecond"]
    screenshot(page, "pools")


def _shown_leases(page: Any) -> list[int]:
    return [int(r["data"]["lease"]) for r in rows(page, "#leases-table tr[data-lease]")]


def test_leases_page_shows_every_lease_and_filters(stack, console, chain_client, node):
    page = console("leases")
    shown = {int(r["data"]["lease"]): r for r in rows(page, "#leases-table tr[data-lease]")}
    assert set(shown) == set(stack.scenario.leases.values())
    now, block = page.execute_script(
        "const s = window.leaseholdConsole.store; return [s.now, s.clock.block]"
    )
    assert now == int(node("eth_getBlockByNumber", [hex(block), False])["timestamp"], 16)
    for lease_id, row in shown.items():
        chain = dump(LeaseOut.of(chain_client.market.lease(lease_id)))
        assert row["fields"]["status"]["text"] == chain["status"]
        reason = row["fields"]["reason"]["text"]
        assert reason == ("" if chain["closeReason"] == "None" else chain["closeReason"])
        # LeaseMarket.accrued at the mirror's block: units x price x (min(now, end) - paidUntil).
        until = min(now, chain["end"])
        expected = 0
        if chain["status"] == "Active" and until > chain["paidUntil"]:
            price = int(chain["pricePerUnitSecond"])
            expected = chain["units"] * price * (until - chain["paidUntil"])
        assert int(row["fields"]["accrued"]["data"]["wei"]) == expected, lease_id

    Select(page.find_element(By.ID, "filter-status")).select_by_value("Closed")
    wait(page, lambda d: "status=Closed" in d.current_url, "the filter in the URL")
    closed = [i for i in shown if chain_client.market.lease(i).status == 2]
    assert sorted(_shown_leases(page)) == sorted(closed)
    Select(page.find_element(By.ID, "filter-reason")).select_by_value("Expired")
    expired = [i for i in closed if chain_client.market.lease(i).close_reason == 1]
    assert sorted(_shown_leases(page)) == sorted(expired)
    matching = page.find_element(By.ID, "leases-note").get_attribute("data-matching")
    assert matching == str(len(expired))
    screenshot(page, "leases-filtered")


def test_anchors_page_shows_batches_and_revocations(console, chain_client):
    page = console("anchors")
    shown = rows(page, "#anchors-table tr[data-digest]")
    assert shown
    for row in shown:
        record = chain_client.anchor.record(bytes.fromhex(row["data"]["digest"][2:]))
        assert row["data"]["revoked"] == str(record.revoked_at > 0).lower()
    assert any(r["data"]["revoked"] == "true" for r in shown)
    screenshot(page, "anchors")


def test_a_transaction_shows_up_without_a_reload_and_a_reorg_takes_it_back(stack, console, node):
    page = console("tenants")
    page.execute_script("window.__notReloaded = true")
    before = len(rows(page, "#tenants-table tr[data-tenant]"))
    snapshot = node("evm_snapshot")
    try:
        created = (
            stack.client(dev_account(9)).registry.register("ipfs://console", bytes(32)).created
        )
        status = f'tr[data-tenant="{created}"] [data-field="status"]'
        wait(
            page,
            lambda d: (
                d.execute_script(f"return document.querySelector('{status}')?.innerText")
                == "Pending"
            ),
            "the new tenant",
        )
        assert page.execute_script("return window.__notReloaded") is True
        screenshot(page, "tenants-live")
    finally:
        node("evm_revert", [snapshot])
        node("evm_mine")
        node("evm_mine")
    wait(
        page,
        lambda d: len(d.find_elements(By.CSS_SELECTOR, "#tenants-table tr[data-tenant]")) == before,
        "the retract",
    )
    assert page.execute_script("return window.__notReloaded") is True


def test_a_deposit_moves_the_escrow_totals_and_the_chart_live(stack, console, chain_client, node):
    page = console("overview")
    page.execute_script("window.__notReloaded = true")
    points = page.execute_script("return window.leaseholdConsole.store.escrow.length")
    snapshot = node("evm_snapshot")
    try:
        stack.client(dev_account(9)).market.deposit(2, 10**15)
        total = sum(
            chain_client.market.escrow(t).free
            for t in range(1, chain_client.registry.tenant_count() + 1)
        )
        free = '#ov-escrow li[data-key="free"]'
        wait(
            page,
            lambda d: d.find_element(By.CSS_SELECTOR, free).get_attribute("data-wei") == str(total),
            "the new escrow total",
        )
        grown = page.execute_script("return window.leaseholdConsole.store.escrow.length")
        assert grown == points + 1
        assert page.execute_script("return window.__notReloaded") is True
        screenshot(page, "overview-live")
    finally:
        node("evm_revert", [snapshot])
        node("evm_mine")
        node("evm_mine")


def _bundle_of(stack: Any, name: str) -> tuple[Path, Path]:
    for path in sorted(Path(stack.scenario.bundles_dir).rglob("*.bundle.json")):
        if json.loads(path.read_text())["name"] == name:
            return Path(stack.scenario.sample_dir) / name, path
    raise AssertionError(f"no bundle for {name}")


def test_dropping_a_file_and_its_bundle_verifies_it(stack, console):
    page = console("verify")
    file, bundle = _bundle_of(stack, "README.md")
    page.find_element(By.ID, "verify-input").send_keys(f"{file}\n{bundle}")
    result = page.find_element(By.ID, "verify-result")
    wait(page, lambda d: result.get_attribute("data-state") in ("verified", "failed"), "a verdict")
    assert result.get_attribute("data-state") == "verified", result.text
    assert "the mirror and the chain agree" in result.text
    steps = result.find_elements(By.CSS_SELECTOR, "li")
    # The demo anchors directories with hiding leaves: the file's digest, the salted leaf it
    # opens (computed in the browser), the proof to the root, then the mirror and the chain.
    assert json.loads(bundle.read_text())["kind"] == "hiding"
    assert [s.get_attribute("class") for s in steps] == ["ok", "ok", "ok", "ok"]
    assert "the bundle's salt opens the leaf" in result.text
    screenshot(page, "verify")


def test_a_changed_file_dropped_with_the_bundle_is_not_verified(stack, console):
    page = console("verify")
    _, bundle = _bundle_of(stack, "README.md")
    page.execute_script(
        """
        const [text, bundleText, bundleName] = arguments;
        const dt = new DataTransfer();
        dt.items.add(new File([text], "README.md"));
        dt.items.add(new File([bundleText], bundleName, {type: "application/json"}));
        document.getElementById("drop-zone").dispatchEvent(
          new DragEvent("drop", {dataTransfer: dt, bubbles: true, cancelable: true}));
        """,
        "not the anchored content\n",
        bundle.read_text(),
        bundle.name,
    )
    result = page.find_element(By.ID, "verify-result")
    wait(page, lambda d: result.get_attribute("data-state") in ("verified", "failed"), "a verdict")
    assert result.get_attribute("data-state") == "failed"
    assert "it is not the file this bundle proves" in result.text
    screenshot(page, "verify-failed")


def test_docs_render_from_local_assets_only(stack, browser):
    browser.get(f"{stack.api_url}/docs")
    wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, ".opblock"), "Swagger UI's operations")
    resources = browser.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)"
    )
    assert resources
    assert all(url.startswith(stack.api_url) for url in resources), resources
    screenshot(browser, "docs")

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


def rows(browser: Any, selector: str) -> list[Any]:
    return browser.find_elements(By.CSS_SELECTOR, selector)


def test_overview_shows_the_chain_the_phase_and_equal_journal_heads(console, chain_client, node):
    page = console("overview")
    wait(
        page,
        lambda d: d.find_element(By.ID, "journal").get_attribute("data-journal") != "unchecked",
        "a journal check",
    )
    chain_id = int(node("eth_chainId"), 16)
    assert page.find_element(By.CSS_SELECTOR, "#ov-chain .value").text == str(chain_id)
    assert page.find_element(By.CSS_SELECTOR, "#ov-phase .value").text == "live"
    assert page.find_element(By.ID, "journal").get_attribute("data-journal") == "equal"
    journals = chain_client.journals()
    shown = rows(page, "#journal tr[data-contract]")
    assert {r.get_attribute("data-contract") for r in shown} == set(journals)
    for row in shown:
        name = row.get_attribute("data-contract")
        cells = row.find_elements(By.TAG_NAME, "td")
        assert row.get_attribute("data-equal") == "true"
        assert int(cells[1].text) == journals[name].seq
        head = cells[2].find_element(By.TAG_NAME, "code").get_attribute("title")
        assert head == "0x" + journals[name].head.hex(), name
    bars = rows(page, "svg.utilization g[data-pool]")
    assert len(bars) == chain_client.market.pool_count()
    screenshot(page, "overview")


def test_tenants_page_matches_the_registry_and_the_market(console, chain_client):
    page = console("tenants")
    count = chain_client.registry.tenant_count()
    shown = rows(page, "#tenants-table tr[data-tenant]")
    assert [int(r.get_attribute("data-tenant")) for r in shown] == list(range(1, count + 1))
    for row in shown:
        tenant_id = int(row.get_attribute("data-tenant"))
        chain = dump(TenantOut.of(chain_client.registry.tenant(tenant_id)))
        escrow = chain_client.market.escrow(tenant_id)
        field = lambda name, r=row: r.find_element(By.CSS_SELECTOR, f'[data-field="{name}"]')  # noqa: E731
        assert field("status").text == chain["status"]
        assert (
            field("owner").find_element(By.TAG_NAME, "code").get_attribute("title")
            == chain["owner"]
        )
        assert int(field("free").get_attribute("data-wei")) == escrow.free
        assert int(field("reserved").get_attribute("data-wei")) == escrow.reserved
        for grant in field("operators").find_elements(By.CSS_SELECTOR, "[data-operator]"):
            operator = grant.get_attribute("data-operator")
            expiry = chain_client.registry.operator_expiry(tenant_id, operator)
            assert int(grant.get_attribute("data-expires")) == expiry
    operators = rows(page, "[data-operator]")
    assert operators, "the scenario grants an operator"
    screenshot(page, "tenants")


def test_pools_page_matches_the_market(console, chain_client):
    page = console("pools")
    shown = rows(page, "#pools-table tr[data-pool]")
    assert len(shown) == chain_client.market.pool_count()
    for row in shown:
        pool = dump(PoolOut.of(chain_client.market.pool(int(row.get_attribute("data-pool")))))
        bar = row.find_element(By.CSS_SELECTOR, '[data-field="utilization"]')
        assert int(bar.get_attribute("data-allocated")) == pool["allocated"]
        assert int(bar.get_attribute("data-capacity")) == pool["capacity"]
        price = row.find_element(By.CSS_SELECTOR, '[data-field="price"]').get_attribute("data-wei")
        assert price == pool["pricePerUnitSecond"]
    screenshot(page, "pools")


def test_leases_page_shows_every_lease_and_filters(stack, console, chain_client, node):
    page = console("leases")
    shown = {
        int(r.get_attribute("data-lease")): r for r in rows(page, "#leases-table tr[data-lease]")
    }
    assert set(shown) == set(stack.scenario.leases.values())
    now = int(page.execute_script("return window.leaseholdConsole.store.now"))
    block = int(page.execute_script("return window.leaseholdConsole.store.clock.block"))
    assert now == int(node("eth_getBlockByNumber", [hex(block), False])["timestamp"], 16)
    for lease_id, row in shown.items():
        chain = dump(LeaseOut.of(chain_client.market.lease(lease_id)))
        assert row.find_element(By.CSS_SELECTOR, '[data-field="status"]').text == chain["status"]
        reason = row.find_element(By.CSS_SELECTOR, '[data-field="reason"]').text
        assert reason == ("" if chain["closeReason"] == "None" else chain["closeReason"])
        # LeaseMarket.accrued at the mirror's block: units x price x (min(now, end) - paidUntil).
        until = min(now, chain["end"])
        expected = 0
        if chain["status"] == "Active" and until > chain["paidUntil"]:
            expected = (
                chain["units"] * int(chain["pricePerUnitSecond"]) * (until - chain["paidUntil"])
            )
        accrued = row.find_element(By.CSS_SELECTOR, '[data-field="accrued"]').get_attribute(
            "data-wei"
        )
        assert int(accrued) == expected, lease_id

    Select(page.find_element(By.ID, "filter-status")).select_by_value("Closed")
    wait(page, lambda d: "status=Closed" in d.current_url, "the filter in the URL")
    closed = [i for i in shown if chain_client.market.lease(i).status == 2]
    shown_closed = [
        int(r.get_attribute("data-lease")) for r in rows(page, "#leases-table tr[data-lease]")
    ]
    assert sorted(shown_closed) == sorted(closed)
    Select(page.find_element(By.ID, "filter-reason")).select_by_value("Expired")
    expired = [i for i in closed if chain_client.market.lease(i).close_reason == 1]
    shown_expired = [
        int(r.get_attribute("data-lease")) for r in rows(page, "#leases-table tr[data-lease]")
    ]
    assert sorted(shown_expired) == sorted(expired)
    assert page.find_element(By.ID, "leases-note").get_attribute("data-matching") == str(
        len(expired)
    )
    screenshot(page, "leases-filtered")


def test_anchors_page_shows_batches_and_revocations(console, chain_client):
    page = console("anchors")
    shown = rows(page, "#anchors-table tr[data-digest]")
    assert shown
    for row in shown:
        record = chain_client.anchor.record(bytes.fromhex(row.get_attribute("data-digest")[2:]))
        assert row.get_attribute("data-revoked") == str(record.revoked_at > 0).lower()
    assert any(r.get_attribute("data-revoked") == "true" for r in shown)
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
        wait(
            page,
            lambda d: d.find_elements(By.CSS_SELECTOR, f'tr[data-tenant="{created}"]'),
            "the new tenant",
        )
        row = page.find_element(By.CSS_SELECTOR, f'tr[data-tenant="{created}"]')
        assert row.find_element(By.CSS_SELECTOR, '[data-field="status"]').text == "Pending"
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
    assert [s.get_attribute("class") for s in steps] == ["ok", "ok", "ok"]
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
    assert "is not the bundle's leaf" in result.text
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

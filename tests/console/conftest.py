"""The web console in a real browser: Debian's chromium driven by its chromedriver (Selenium).

The chain is the one ``make demo`` plays (``offchain.demo.runner.Stack``: its own Anvil, the
scenario, ``leasehold mirror serve`` as a subprocess), as in tests/api; these tests never touch
ape's chain, so they run in the eth-tester part of the suite. A missing chromium or chromedriver
fails the tests (no skip) with the command that installs them. Screenshots go to
``.artifacts/console/`` (git-ignored).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import ape
import pytest
from _browser import wait

from offchain.chain.rpc import RpcClient
from offchain.demo.runner import Stack

INSTALL = "apt-get install chromium chromium-driver"


def _browser_paths() -> tuple[str, str]:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver") or (
        "/usr/bin/chromedriver" if Path("/usr/bin/chromedriver").exists() else None
    )
    if not chromium or not driver:
        pytest.fail(f"chromium and chromedriver are needed: {INSTALL}", pytrace=False)
    return chromium, driver


@ape.fixture(scope="session", chain_isolation=False)
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """Anvil, the contracts, the demo scenario and ``leasehold mirror serve``."""
    made = Stack(tmp_path_factory.mktemp("console-stack"))
    try:
        made.start_chain()
        made.deploy()
        made.play()
        made.serve()
        yield made
    finally:
        made.stop()


@ape.fixture(scope="session", chain_isolation=False)
def chain_client(stack: Stack) -> Any:
    """The chain's views through the web3.py client (read independently of the mirror)."""
    return stack.client()


@ape.fixture(scope="session", chain_isolation=False)
def node(stack: Stack) -> Callable[..., Any]:
    """``node(method, params)``: raw JSON-RPC to the devnet."""
    client = RpcClient(stack.rpc, attempts=1)
    return lambda method, params=(): client.call(method, list(params))


@ape.fixture(scope="session", chain_isolation=False)
def browser() -> Iterator[Any]:
    """Headless chromium (Selenium 4 with the system chromedriver)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    chromium, driver_path = _browser_paths()
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1400,1000"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def console(browser: Any, stack: Stack) -> Callable[[str], Any]:
    """``console("leases?tenant=1")``: open a page and wait until it drew the mirror's state."""

    def open_page(route: str = "overview") -> Any:
        browser.get(f"{stack.api_url}/#/{route}")
        wait(
            browser,
            lambda d: d.execute_script(
                "const b = document.body.dataset;"
                " return !!(b.page && b.leasesBlock !== undefined && Number(b.leasesBlock) >= 0)"
            ),
            "the console to load",
        )
        return browser

    return open_page

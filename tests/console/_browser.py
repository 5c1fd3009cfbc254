"""Helpers of the console's browser tests: waiting on a condition, screenshots."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / ".artifacts" / "console"


def wait(browser: Any, condition: Callable[[Any], Any], what: str, timeout: float = 20) -> Any:
    """Wait until ``condition(browser)`` is truthy (WebDriverWait), failing with ``what``."""
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.support.ui import WebDriverWait

    # A live page redraws: an element found in one poll may be gone in the next.
    return WebDriverWait(
        browser, timeout, poll_frequency=0.05, ignored_exceptions=(StaleElementReferenceException,)
    ).until(condition, message=f"timed out waiting for {what}")


def screenshot(browser: Any, name: str) -> Path:
    """Save the page as ``.artifacts/console/NAME.png``."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    browser.save_screenshot(str(path))
    return path


def until(condition: Callable[[], Any], what: str, timeout: float = 20) -> Any:
    """Poll ``condition()`` until it is truthy (for HTTP checks), failing with ``what``."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")

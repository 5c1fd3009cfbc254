"""Helpers of the console's browser tests: waiting on a condition, screenshots."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / ".artifacts" / "console"


def wait(browser: Any, condition: Callable[[Any], Any], what: str, timeout: float = 20) -> Any:
    """Wait until ``condition(browser)`` is truthy (WebDriverWait), failing with ``what``."""
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(browser, timeout, poll_frequency=0.05).until(
        condition, message=f"timed out waiting for {what}"
    )


def screenshot(browser: Any, name: str) -> Path:
    """Save the page as ``.artifacts/console/NAME.png``."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    browser.save_screenshot(str(path))
    return path

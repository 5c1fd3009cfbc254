"""Suite-wide set-up: refuse to start, with one line naming the fix, when tools are missing."""

from __future__ import annotations

from pathlib import Path

import pytest

from offchain._toolchain.doctor import problems

ROOT = Path(__file__).resolve().parents[1]


def pytest_sessionstart(session: pytest.Session) -> None:
    missing = problems(ROOT)
    if missing:
        pytest.exit("; ".join(missing), returncode=2)

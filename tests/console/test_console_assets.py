"""The console's files: all local, all packaged, the vendored Swagger UI unchanged.

Pure Python (no chain, no browser).
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from fnmatch import fnmatch
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STATIC = ROOT / "offchain" / "api" / "console" / "static"
VENDOR = STATIC / "vendor" / "swagger-ui"


def test_every_static_file_is_package_data():
    globs = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
        "package-data"
    ]["offchain"]
    for path in STATIC.rglob("*"):
        if path.is_file():
            name = str(path.relative_to(ROOT / "offchain"))
            assert any(fnmatch(name, g) and name.count("/") == g.count("/") for g in globs), name


def test_the_console_loads_nothing_from_another_host():
    for path in [*STATIC.glob("*.html"), *STATIC.glob("*.css"), *STATIC.glob("js/*.js")]:
        text = path.read_text()
        assert not re.search(r"""(src|href)=["']https?:""", text), path
        assert not re.search(r"""(import|from)\s*\(?\s*["']https?:""", text), path
        assert "cdn" not in text.lower(), path


def test_the_vendored_swagger_ui_matches_its_recorded_checksums():
    recorded = dict(
        reversed(line.split())
        for line in (VENDOR / "SOURCE.txt").read_text().splitlines()
        if re.fullmatch(r"[0-9a-f]{64}  \S+", line)
    )
    assert set(recorded) == {"swagger-ui-bundle.js", "swagger-ui.css"}
    for name, digest in recorded.items():
        assert hashlib.sha256((VENDOR / name).read_bytes()).hexdigest() == digest, name
    assert "Apache License" in (VENDOR / "LICENSE").read_text()

"""Schemathesis over the live server's OpenAPI document, every check on: no failure of any kind.

``st run --checks all`` generates requests from ``/openapi.json`` (its examples, the coverage of
each parameter's edges, random valid and invalid requests, and stateful sequences following the
inferred links) and checks every answer: no 5xx, a request valid by the schema is served and an
invalid one refused, statuses, headers, content types and bodies as the document declares, 405
for undeclared methods. The event stream is left out (it never ends). Generation is
derandomized and the example count modest, so the run is the same each time and takes some 30 to
40 s.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

MAX_EXAMPLES = 25


def test_schemathesis_with_every_check_finds_nothing(stack, tmp_path):
    st = Path(sys.executable).with_name("st")
    command = [
        *(str(st), "--no-color", "run", f"{stack.api_url}/openapi.json", "--checks", "all"),
        *("--exclude-path", "/events", "--max-examples", str(MAX_EXAMPLES)),
        "--generation-deterministic",  # derandomized: the same requests every run
    ]
    done = subprocess.run(
        command, cwd=tmp_path, capture_output=True, text=True, timeout=600, check=False
    )
    report = done.stdout + done.stderr
    assert done.returncode == 0, report[-6000:]
    assert "No issues found" in report, report[-3000:]

"""``leasehold mirror status`` asks the running API and shows what ``GET /status`` says."""

from __future__ import annotations

import json
import re

import pytest

from offchain.cli import main


def _leasehold(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    capsys.readouterr()
    try:
        main(list(args))
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    return code, capsys.readouterr().out


def test_mirror_status_json_is_the_apis_status(api, stack, caught_up, capsys):
    block = caught_up()
    code, out = _leasehold(capsys, "mirror", "status", "--api", stack.api_url, "--json")

    assert code == 0
    shown = json.loads(out)
    expected = api.get("/status").json()
    for key in ("phase", "chainId", "block", "head"):
        assert shown[key] == expected[key]
    assert shown["block"] == block
    # The journal check runs on its own schedule: compare its verdict, not when it ran.
    assert (shown["journal"] or {}).get("ok") == (expected["journal"] or {}).get("ok")


def test_mirror_status_table_names_the_block_and_the_journal_result(stack, caught_up, capsys):
    block = caught_up()
    code, out = _leasehold(capsys, "mirror", "status", "--api", stack.api_url)

    assert code == 0
    assert f"{block} (head {block}, lag 0)" in out
    assert re.search(r"at head\s+\d+\.\d s ago", out), out
    assert "live" in out

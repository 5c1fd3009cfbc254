"""Keeps the benchmark tables of ``docs/benchmarks.md`` equal to the benches' output.

``docs/benchmarks.md`` (linked from README.md) holds each table between ``<!-- NAME:begin -->`` and
``<!-- NAME:end -->``; a bench that writes its page in ``bench/`` calls :func:`sync` with the same
text, so the two never drift. (The module kept its name from when the tables lived in README.md.)
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "benchmarks.md"


def sync(name: str, body: str, page: Path = PAGE) -> bool:
    """Replace ``page``'s ``name`` section with ``body`` and say so; False, untouched, when the
    page or its markers are missing."""
    begin, end = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
    shown = page.relative_to(ROOT) if page.is_relative_to(ROOT) else page
    text = page.read_text() if page.exists() else ""
    if begin not in text or end not in text:
        print(f"note: {shown} has no {begin} ... {end} markers; its {name} table is not updated")
        return False
    head, rest = text.split(begin, 1)
    _, tail = rest.split(end, 1)
    page.write_text(f"{head}{begin}\n{body.strip()}\n{end}{tail}")
    print(f"updated the {name} table in {shown}")
    return True

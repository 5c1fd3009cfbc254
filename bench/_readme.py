"""Keeps README.md's benchmark tables equal to the benches' output.

README.md holds each table between ``<!-- NAME:begin -->`` and ``<!-- NAME:end -->``; a bench that
writes its page in ``bench/`` calls :func:`sync` with the same text, so the two never drift.
"""

from __future__ import annotations

from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def sync(name: str, body: str, readme: Path = README) -> bool:
    """Replace README's ``name`` section with ``body``; False, untouched, without its markers."""
    begin, end = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
    text = readme.read_text()
    if begin not in text or end not in text:
        return False
    head, rest = text.split(begin, 1)
    _, tail = rest.split(end, 1)
    readme.write_text(f"{head}{begin}\n{body.strip()}\n{end}{tail}")
    return True

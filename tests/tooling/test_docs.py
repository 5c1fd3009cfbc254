"""The documentation stays true to the tree: README.md and docs/*.md.

Pure Python (no chain). Every relative link points to a file that exists, and its ``#anchor`` to a
heading of that file (GitHub's slugs); every ``from offchain... import ...`` line of a Python
example imports, run alone in a fresh interpreter (the rest of the example is not executed: it
needs a chain); the benchmark tables keep the markers ``bench/_readme.py`` writes between.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
IDS = [str(p.relative_to(ROOT)) for p in DOCS]

FENCE = re.compile(r"^\s*(```+|~~~+)\s*([\w+-]*)")
HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
INLINE_CODE = re.compile(r"`[^`\n]*`")
LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
IMPORT = re.compile(r"^\s*(from\s+offchain(\.\w+)*\s+import\s|import\s+offchain\b)")


def blocks(text: str) -> tuple[str, list[tuple[str, list[str]]]]:
    """``text`` with fenced code blanked out (line numbers kept), and each fenced block's language
    and lines."""
    prose: list[str] = []
    found: list[tuple[str, list[str]]] = []
    fence: str | None = None
    for line in text.splitlines():
        opened = FENCE.match(line)
        if fence is None and opened:
            fence = opened.group(1)
            found.append((opened.group(2).lower(), []))
            prose.append("")
        elif fence is not None:
            if line.strip().startswith(fence[0] * len(fence)) and not line.strip().strip(fence[0]):
                fence = None
            else:
                found[-1][1].append(line)
            prose.append("")
        else:
            prose.append(line)
    return "\n".join(prose), found


def slug(heading: str) -> str:
    """GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link keeps its text
    text = re.sub(r"<[^>]+>", "", text).strip().lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    prose, _ = blocks(path.read_text())
    seen: dict[str, int] = {}
    out: set[str] = set()
    for line in prose.splitlines():
        match = HEADING.match(line)
        if match:
            base = slug(match.group(2))
            n = seen.get(base, 0)
            seen[base] = n + 1
            out.add(base if n == 0 else f"{base}-{n}")
    return out


def links(path: Path) -> list[str]:
    prose, _ = blocks(path.read_text())
    return LINK.findall(INLINE_CODE.sub("", prose))


def import_lines(path: Path) -> list[str]:
    """The ``from offchain... import`` statements of the file's Python blocks, each one whole
    (a parenthesized import spans lines), without comments."""
    _, found = blocks(path.read_text())
    statements: list[str] = []
    for language, lines in found:
        if language not in ("python", "py", "pycon"):
            continue
        i = 0
        while i < len(lines):
            line = lines[i].removeprefix(">>> ").split("#", 1)[0].rstrip()
            if IMPORT.match(line):
                statement = line.strip()
                while statement.count("(") > statement.count(")") and i + 1 < len(lines):
                    i += 1
                    statement += " " + lines[i].split("#", 1)[0].strip()
                statements.append(statement)
            i += 1
    return statements


def test_there_are_docs_to_check():
    assert (ROOT / "docs" / "README.md").is_file()
    assert len(DOCS) > 5, IDS
    assert sum(len(import_lines(p)) for p in DOCS) >= 5


def test_readme_keeps_the_two_commands():
    text = (ROOT / "README.md").read_text()
    assert "make demo" in text
    assert "make test" in text  # .ci/run runs the README's test command


@pytest.mark.parametrize("doc", DOCS, ids=IDS)
def test_relative_links_resolve(doc):
    broken = []
    for target in links(doc):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.IGNORECASE):  # http:, https:, mailto:
            continue
        file_part, _, anchor = target.partition("#")
        resolved = (doc.parent / file_part).resolve() if file_part else doc
        if not resolved.exists():
            broken.append(f"{target}: no file {resolved}")
        elif anchor and resolved.suffix == ".md" and anchor not in anchors(resolved):
            broken.append(f"{target}: no heading #{anchor} in {resolved.relative_to(ROOT)}")
    assert not broken, f"{doc.relative_to(ROOT)}:\n" + "\n".join(broken)


WITH_IMPORTS = [doc for doc in DOCS if import_lines(doc)]


@pytest.mark.parametrize("doc", WITH_IMPORTS, ids=[str(d.relative_to(ROOT)) for d in WITH_IMPORTS])
def test_python_examples_import(doc):
    statements = import_lines(doc)
    runner = (
        "import json, sys\n"
        "failed = []\n"
        "for statement in json.loads(sys.argv[1]):\n"
        "    try:\n"
        "        exec(statement, {})\n"
        "    except Exception as exc:\n"
        "        failed.append(f'{statement}  ->  {type(exc).__name__}: {exc}')\n"
        "print(json.dumps(failed))\n"
    )
    venv = ROOT / ".venv" / "bin" / "python"
    python = str(venv) if venv.exists() else sys.executable
    done = subprocess.run(
        [python, "-c", runner, json.dumps(statements)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    failed = json.loads(done.stdout.splitlines()[-1])
    assert not failed, f"{doc.relative_to(ROOT)}:\n" + "\n".join(failed)


@pytest.mark.parametrize("name", ["gas", "mirror", "api"])
def test_benchmark_tables_keep_their_markers(name):
    text = (ROOT / "docs" / "benchmarks.md").read_text()
    begin, end = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
    assert text.count(begin) == 1, begin
    assert text.count(end) == 1, end
    assert text.index(begin) < text.index(end)


def test_the_slugs_are_githubs():
    assert slug("Python: the client and the mirror") == "python-the-client-and-the-mirror"
    assert slug("Mirror: `python bench/mirror_bench.py`") == "mirror-python-benchmirror_benchpy"
    assert slug("lease, escrow, earnings: LeaseMarket") == "lease-escrow-earnings-leasemarket"

"""A fresh clone: what ``make demo`` leaves behind does not break ``make test``'s lint.

``make demo`` starts with ``ape compile``, which unpacks OpenZeppelin's sources into
``contracts/.cache/``; ``make test`` starts with ``make lint``, whose ``forge fmt --check`` walked
``contracts/`` and failed on them (foundry.toml now ignores the folder). The test copies this
working tree's files (``git ls-files``, untracked ones included, ignored ones not: what a commit of
it would hold, without .venv, node_modules or build output) to a temporary git work tree and runs
there what ``make lint`` runs, then what ``make compile`` (``make demo``'s first step) runs, then
lint again.

What it proves is the order: every lint command that passes on the fresh copy passes after the
compile too. A file that fails lint on its own fails ``make lint`` already; here it would only make
this test fail for another reason than the one it is about, so it is not counted (forge fmt must
pass before the compile, or the test would prove nothing).

It runs the commands directly rather than through ``make``, whose bootstrap would install into the
checkout's venv: the copy uses this checkout's tools read-only (``.venv/bin`` and
``node_modules/.bin`` on ``PATH``, ``SOLCX_BINARY_PATH`` at ``.venv/solcx``, ``node_modules`` as a
symlink that ape reads OpenZeppelin from) and its own ape data folder (``APE_DATA_FOLDER``, so the
user's ``~/.ape`` is neither read nor written, as on a new machine). Nothing is written outside
the temporary folder.

ape also caches each dependency's package manifest in its data folder; one whose name is not a
valid ethPM package name cannot be read back, and every later compile without ``.build/`` (a second
clone, ``make clean``) logged ``__local__.json manifest corrupted!``. The test reads the cache back.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from ethpm_types import PackageManifest

ROOT = Path(__file__).resolve().parents[2]
BIN = ROOT / ".venv" / "bin"
TOOLS = ROOT / "node_modules" / ".bin"
LINT = {
    "ruff check": [str(BIN / "ruff"), "check"],
    "ruff format --check": [str(BIN / "ruff"), "format", "--check"],
    "forge fmt --check": [str(TOOLS / "forge"), "fmt", "--check"],
}


def _working_tree_files() -> list[str]:
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    # A tracked file deleted in the working tree is still listed: a commit would not hold it.
    return [name for name in listed.split("\0") if name and (ROOT / name).is_file()]


@pytest.fixture(scope="module")
def clone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("needs git and a git checkout")
    path = tmp_path_factory.mktemp("clone") / "leasehold"
    for name in _working_tree_files():
        (path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, path / name)
    (path / "node_modules").symlink_to(ROOT / "node_modules", target_is_directory=True)
    # A clone is a git work tree: tools that honour .gitignore (ruff) do so only inside one.
    subprocess.run(["git", "init", "--quiet", str(path)], capture_output=True, check=True)
    return path


@pytest.fixture(scope="module")
def env(clone: Path) -> dict[str, str]:
    return {
        **os.environ,
        "PATH": os.pathsep.join([str(BIN), str(TOOLS), os.environ["PATH"]]),
        "SOLCX_BINARY_PATH": str(ROOT / ".venv" / "solcx"),
        "APE_DATA_FOLDER": str(clone.parent / "ape-data"),
        "PYTHONDONTWRITEBYTECODE": "1",
    }


def _run(command: list[str], clone: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command, cwd=clone, env=env, capture_output=True, text=True, timeout=900, check=False
    )


def _output(result: subprocess.CompletedProcess[str]) -> str:
    text = (result.stdout + result.stderr)[-4000:]
    return f"{' '.join(result.args)} exited {result.returncode}:\n{text}"


def _lint(clone: Path, env: dict[str, str]) -> dict[str, subprocess.CompletedProcess[str]]:
    """What ``make lint`` runs, by name."""
    return {name: _run(command, clone, env) for name, command in LINT.items()}


@pytest.fixture(scope="module")
def lint_before(clone: Path, env: dict[str, str]) -> dict[str, subprocess.CompletedProcess[str]]:
    return _lint(clone, env)


@pytest.fixture(scope="module")
def compiled(clone: Path, env: dict[str, str], lint_before: object) -> str:
    """``make compile`` (the first step of ``make demo``) in the fresh clone, after lint ran."""
    result = _run([str(BIN / "ape"), "compile"], clone, env)
    assert result.returncode == 0, _output(result)
    return result.stdout + result.stderr


def test_demo_compile_then_lint_passes_on_a_fresh_clone(clone, env, lint_before, compiled):
    fmt = lint_before["forge fmt --check"]
    assert fmt.returncode == 0, _output(fmt)
    # The condition that broke lint is present: ape unpacked OpenZeppelin into contracts/.
    assert list((clone / "contracts" / ".cache").rglob("*.sol")), compiled[-2000:]

    after = _lint(clone, env)
    broken = [
        _output(after[name])
        for name, before in lint_before.items()
        if before.returncode == 0 and after[name].returncode != 0
    ]
    assert broken == []


def test_a_fresh_compile_logs_no_error_and_ape_can_reload_its_dependency_cache(env, compiled):
    errors = [line for line in compiled.splitlines() if line.startswith("ERROR")]
    assert errors == [], compiled[-4000:]
    manifests = sorted((Path(env["APE_DATA_FOLDER"]) / "packages" / "manifests").rglob("*.json"))
    assert manifests, "ape cached no dependency manifest"
    for manifest in manifests:
        # What ape does on the next compile without .build/ (else "manifest corrupted").
        PackageManifest.model_validate_json(manifest.read_text())

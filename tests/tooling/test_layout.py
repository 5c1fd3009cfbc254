"""The package's shape: one subpackage per subsystem, small modules, faces that resolve lazily.

Pure Python (no chain). Each subpackage's ``__init__`` names its public API twice, once for the
type checker (``if TYPE_CHECKING`` imports) and once for the lazy loader (``_EXPORTS``); these
tests keep the two lists equal and every name importable, and keep modules to one concept each.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from importlib import import_module
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "offchain"
SUBPACKAGES = ("chain", "mirror", "anchoring", "cli", "api", "demo")
FACES = ("chain", "mirror", "anchoring", "cli", "api")
MAX_LINES = 520  # "about 500": a module past it holds two concepts


def _type_checking_names(init: Path) -> dict[str, str]:
    """Public name -> defining module, from the ``if TYPE_CHECKING:`` block of ``init``."""
    names: dict[str, str] = {}
    for node in ast.parse(init.read_text()).body:
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING":
            for stmt in node.body:
                assert isinstance(stmt, ast.ImportFrom)
                assert stmt.module is not None
                for alias in stmt.names:
                    assert alias.asname == alias.name, f"{init}: re-export as {alias.name}"
                    names[alias.name] = stmt.module
    return names


def test_every_subsystem_is_a_subpackage():
    for name in SUBPACKAGES:
        assert (PACKAGE / name / "__init__.py").is_file(), name


@pytest.mark.parametrize("module", sorted(str(p.relative_to(ROOT)) for p in PACKAGE.rglob("*.py")))
def test_no_module_holds_two_concepts(module):
    lines = len((ROOT / module).read_text().splitlines())
    assert lines <= MAX_LINES, f"{module} has {lines} lines: split it by concept"


@pytest.mark.parametrize("face", FACES)
def test_face_names_match_their_type_checking_imports(face):
    package = import_module(f"offchain.{face}")
    exports = {name: f"offchain.{face}.{module}" for name, module in package._EXPORTS.items()}
    assert exports == _type_checking_names(PACKAGE / face / "__init__.py")
    assert sorted(package.__all__) == sorted(exports)


@pytest.mark.parametrize("face", FACES)
def test_every_face_name_resolves_to_its_module_attribute(face):
    package = import_module(f"offchain.{face}")
    for name, module in package._EXPORTS.items():
        assert getattr(package, name) is getattr(import_module(f"offchain.{face}.{module}"), name)


def test_an_unknown_name_is_an_attribute_error_naming_the_package():
    import offchain.mirror

    with pytest.raises(AttributeError, match=r"'offchain\.mirror' has no attribute 'Nope'"):
        offchain.mirror.Nope  # noqa: B018


def test_importing_a_subpackage_module_does_not_load_web3():
    """The faces are lazy: the mirror's state and the CLI's units never pull in web3.py."""
    code = (
        "import sys, offchain.mirror.state, offchain.cli.units, offchain.anchoring.merkle; "
        "print(sorted(m for m in sys.modules if m in ('web3', 'offchain.chain.client')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("module", ["offchain.demo", "offchain.mirror", "offchain.cli"])
def test_python_dash_m_entry_points_answer_help(module):
    done = subprocess.run(
        [sys.executable, "-m", module, "--help"], capture_output=True, text=True, cwd=ROOT
    )
    assert done.returncode == 0, done.stderr
    assert "usage" in done.stdout.lower()

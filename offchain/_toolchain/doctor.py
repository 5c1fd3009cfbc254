"""Check that a checkout has what the suite and the demo need; print one line per missing piece.

Runs with the system Python and only the standard library, so it can speak before the venv exists:
``python3 offchain/_toolchain/doctor.py [ROOT]``. Exit status 0 when all is present, 1 otherwise.
"""

from __future__ import annotations

import sys
from pathlib import Path

SOLC_VERSION = "0.8.28"


def problems(root: Path) -> list[str]:
    """Return one actionable line for each missing piece of the toolchain under ``root``."""
    found: list[str] = []
    venv_python = root / ".venv" / "bin" / "python"
    if not venv_python.exists():
        found.append("the virtual environment .venv is missing: run 'make setup'")
    elif not (root / ".venv" / "bin" / "ape").exists():
        found.append("ape is not installed in .venv: run 'make setup'")
    modules = root / "node_modules"
    for package, what in (
        ("solc", "solc-js (the compiler)"),
        ("@openzeppelin/contracts", "OpenZeppelin Contracts"),
        ("@foundry-rs/anvil-linux-amd64", "Anvil"),
        ("@foundry-rs/forge-linux-amd64", "Forge"),
    ):
        if not (modules / package / "package.json").is_file():
            found.append(f"npm package {package} ({what}) is missing: run 'npm ci' or 'make setup'")
    solc = root / ".venv" / "solcx" / f"solc-v{SOLC_VERSION}"
    if venv_python.exists() and not solc.exists():
        found.append(f"solc {SOLC_VERSION} is not installed for py-solc-x: run 'make setup'")
    return found


def main(argv: list[str]) -> int:
    """Print the problems under the given root (default: this checkout) and return the status."""
    root = Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parents[2]
    lines = problems(root)
    for line in lines:
        print(f"error: {line}")
    if not lines:
        print("toolchain complete")
    return 1 if lines else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

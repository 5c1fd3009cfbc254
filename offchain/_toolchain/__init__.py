"""Offline toolchain set-up: a ``solc`` executable for py-solc-x, ape-solidity, forge and slither.

py-solc-x cannot download native solc binaries on a machine without internet access. solc-js (from
npm) carries the same compiler as WebAssembly; ``solc_native.js`` exposes it through the native
command-line surface (``--version``, ``--standard-json``). :func:`install_solc` places that
executable where py-solc-x looks (``$SOLCX_BINARY_PATH/solc-v<version>``), or links a native solc of
the pinned version when one is already on ``PATH``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from offchain.exceptions import ToolchainError

SOLC_VERSION = "0.8.28"
_SHIM = Path(__file__).with_name("solc_native.js")
_VERSION_RE = re.compile(r"Version:\s*(\d+\.\d+\.\d+)")


def project_root() -> Path:
    """The folder holding ``package.json`` and ``node_modules`` (the repository root)."""
    return Path(__file__).resolve().parents[2]


def solcx_binary_path() -> Path:
    """Where py-solc-x looks for compilers: ``$SOLCX_BINARY_PATH`` or ``~/.solcx``."""
    return Path(os.environ.get("SOLCX_BINARY_PATH", Path.home() / ".solcx"))


def solc_executable(version: str = SOLC_VERSION) -> Path:
    """Path of the ``solc-v<version>`` executable py-solc-x will use."""
    return solcx_binary_path() / f"solc-v{version}"


def _native_solc_version(binary: str) -> str | None:
    try:
        out = subprocess.run(
            [binary, "--version"], capture_output=True, text=True, timeout=30, check=False
        ).stdout
    except (OSError, subprocess.TimeoutExpired):
        return None
    match = _VERSION_RE.search(out)
    return match.group(1) if match else None


def _native_solc() -> str | None:
    """A ``solc`` on PATH that is a real compiler, not solc-select's downloader (which slither
    installs into the venv and which hangs without internet)."""
    found = shutil.which("solc")
    if found is None:
        return None
    if Path(found).resolve().is_relative_to(Path(sys.prefix).resolve()):
        return None
    return found


def install_solc(version: str = SOLC_VERSION) -> Path:
    """Install ``solc-v<version>`` for py-solc-x and return its path.

    A native ``solc`` of the same version on ``PATH`` wins; otherwise the solc-js shim is written
    with the project's ``node_modules/solc`` baked in.

    Raises:
        ToolchainError: when solc-js is not installed or has another version.
    """
    target = solc_executable(version)
    target.parent.mkdir(parents=True, exist_ok=True)
    native = _native_solc()
    if native and _native_solc_version(native) == version:
        tmp = target.with_suffix(".tmp")
        tmp.unlink(missing_ok=True)
        tmp.symlink_to(native)
        tmp.replace(target)
        return target

    solcjs = project_root() / "node_modules" / "solc"
    if not (solcjs / "package.json").is_file():
        raise ToolchainError(f"solc-js is missing at {solcjs}: run 'npm ci' (or 'make setup')")
    if shutil.which("node") is None:
        raise ToolchainError("node is not on PATH: install Node.js 18+ (apt-get install nodejs)")
    script = _SHIM.read_text().replace("__SOLCJS_MODULE__", str(solcjs))
    tmp = target.with_suffix(".tmp")
    tmp.write_text(script)
    tmp.chmod(0o755)
    tmp.replace(target)
    found = _native_solc_version(str(target))
    if found != version:
        raise ToolchainError(
            f"node_modules/solc is version {found}, the project pins {version}: run 'npm ci'"
        )
    return target


def main() -> int:
    """``python -m offchain._toolchain``: install the compiler, print where it went."""
    try:
        path = install_solc()
    except ToolchainError as exc:
        print(f"error: {exc}")
        return 1
    print(f"solc {SOLC_VERSION} ready at {path}")
    return 0

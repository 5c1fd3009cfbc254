"""Offline toolchain set-up: a ``solc`` executable for py-solc-x, ape-solidity, forge and slither.

py-solc-x cannot download native solc binaries on a machine without internet access. solc-js (from
npm) carries the same compiler as WebAssembly; ``solc_native.js`` exposes it through the native
command-line surface (``--version``, ``--standard-json``). :func:`install_solc` places that
executable where py-solc-x looks (``$SOLCX_BINARY_PATH/solc-v<version>``), or links a native solc of
the pinned version when one is already on ``PATH``.

py-solc-x reads ``$SOLCX_BINARY_PATH`` and falls back to ``~/.solcx``, where it tries to download
solc. So that ``.venv/bin/ape compile`` finds the offline compiler in any shell, not only under
``make`` (which exports the variable), :func:`install_env_hook` also drops a ``.pth`` file into the
virtual environment's site-packages that sets ``SOLCX_BINARY_PATH`` when it is unset; every Python
process of the venv (ape, pytest, the demo) runs it at start-up. An exported value still wins.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

from offchain.exceptions import ToolchainError

SOLC_VERSION = "0.8.28"
_SHIM = Path(__file__).with_name("solc_native.js")
_VERSION_RE = re.compile(r"Version:\s*(\d+\.\d+\.\d+)")
ENV_HOOK = "leasehold_solcx.pth"


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


def env_hook_line(binary_path: Path) -> str:
    """The ``.pth`` line that points py-solc-x at ``binary_path`` unless the variable is set."""
    return f"import os; os.environ.setdefault('SOLCX_BINARY_PATH', {str(binary_path)!r})\n"


def install_env_hook(binary_path: Path, site_packages: Path | None = None) -> Path | None:
    """Write :data:`ENV_HOOK` into the virtual environment's site-packages; return its path.

    Returns ``None`` (and writes nothing) outside a virtual environment, so a system or user
    Python is never changed.
    """
    if site_packages is None:
        if sys.prefix == sys.base_prefix:
            return None
        site_packages = Path(sysconfig.get_paths()["purelib"])
    hook = site_packages / ENV_HOOK
    text = env_hook_line(binary_path.absolute())
    if not hook.is_file() or hook.read_text() != text:
        tmp = hook.with_suffix(".tmp")
        tmp.write_text(text)
        tmp.replace(hook)
    return hook


def main() -> int:
    """``python -m offchain._toolchain``: install the compiler and the venv's pointer to it."""
    try:
        path = install_solc()
    except ToolchainError as exc:
        print(f"error: {exc}")
        return 1
    print(f"solc {SOLC_VERSION} ready at {path}")
    hook = install_env_hook(path.parent)
    if hook is not None:
        print(f"SOLCX_BINARY_PATH defaults to {path.parent.absolute()} in this venv ({hook.name})")
    return 0

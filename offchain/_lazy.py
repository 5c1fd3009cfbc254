"""Package faces that import on first use.

Each subpackage's ``__init__`` names its public API and where each name lives; the module holding
it is imported only when the name is first read. Importing one module of a subpackage (the CLI's
``offchain.cli.units``, the mirror's ``offchain.mirror.state``) then never pulls in the rest of it
or web3.py, which keeps a command's start fast and lets the subpackages refer to each other
without import cycles.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from importlib import import_module
from typing import Any


def lazy_exports(package: str, exports: Mapping[str, str]) -> Callable[[str], Any]:
    """The module ``__getattr__`` (PEP 562) of ``package``: ``exports`` maps a public name to the
    submodule (relative to ``package``) that defines it."""
    namespace = import_module(package).__dict__

    def __getattr__(name: str) -> Any:  # noqa: N807 (the name PEP 562 looks up)
        try:
            module = exports[name]
        except KeyError:
            raise AttributeError(f"module {package!r} has no attribute {name!r}") from None
        value = getattr(import_module(f"{package}.{module}"), name)
        namespace[name] = value
        return value

    return __getattr__

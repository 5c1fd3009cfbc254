"""The ``leasehold`` command line: the root group and one module per command group.

:func:`main` is the console script's entry point; ``python -m offchain.cli`` runs it too.
"""

from typing import TYPE_CHECKING

from offchain._lazy import lazy_exports

if TYPE_CHECKING:
    from offchain.cli.root import main as main

_EXPORTS = {"main": "root"}
__all__ = sorted(_EXPORTS)
__getattr__ = lazy_exports(__name__, _EXPORTS)

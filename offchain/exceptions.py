"""Every error Leasehold raises on purpose derives from :class:`LeaseholdError`.

Each subclass also inherits the matching built-in exception, and builds its message from the values
that went wrong, so the caller sees what to do without reading a traceback.
"""

from __future__ import annotations


class LeaseholdError(Exception):
    """Base class of the project's exceptions."""


class ToolchainError(LeaseholdError, RuntimeError):
    """The compiler, node packages or the virtual environment are missing or wrong."""

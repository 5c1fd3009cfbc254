"""The exit statuses of ``leasehold`` (listed by ``leasehold --help``).

A module of their own, so the root group lists them without importing rich's console
(:mod:`offchain.cli._output`, which re-exports them, prints).
"""

EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_CHAIN = 3
EXIT_NOT_FOUND = 4
EXIT_REVERTED = 5
EXIT_UNVERIFIED = 6
EXIT_PENDING = 7

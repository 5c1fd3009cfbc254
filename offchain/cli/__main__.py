"""``python -m offchain.cli``: the ``leasehold`` command."""

from offchain.cli.root import main

main()

"""``python -m offchain.mirror``: run a mirror process (``--help`` lists the options)."""

import sys

from offchain.mirror.mirror import main

sys.exit(main())

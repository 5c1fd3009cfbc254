"""``python -m offchain.mirror``: run a mirror process (``--help`` lists the options)."""

import sys

from offchain.mirror.process import main

sys.exit(main())

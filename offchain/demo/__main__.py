"""``python -m offchain.demo``: the main job (``--help`` lists the options)."""

import os
import sys

from offchain.demo.runner import main

os.environ.setdefault("PYTHONUNBUFFERED", "1")
sys.exit(main())

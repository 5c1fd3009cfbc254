import sys

from offchain._toolchain import main

sys.exit(main())

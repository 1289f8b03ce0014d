"""``python -m substitute``: the same command as ``substitute``."""

import sys

from substitute.cli import main

if __name__ == "__main__":
    sys.exit(main())

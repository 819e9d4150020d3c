"""``python -m m2kt`` entry point."""

import sys

from m2kt.cli import main

if __name__ == "__main__":
    sys.exit(main())

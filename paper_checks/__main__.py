"""``python -m infonce_gauss``: the command line, as the ``infonce-gauss`` script runs it."""

import sys

from infonce_gauss.cli import main

if __name__ == "__main__":
    sys.exit(main())

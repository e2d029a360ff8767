"""The bundle's entry script: the same as the `xero-connect` console script (app.cli:main)."""

import sys

from app.cli import main

if __name__ == "__main__":
    sys.exit(main())

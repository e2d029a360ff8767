"""`python -m app` is the same as the `xero-connect` command."""

import sys

from app.cli import main

sys.exit(main())

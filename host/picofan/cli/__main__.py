"""`python -m picofan.cli`: the `picofan` command."""

import sys

from picofan.cli.command import main

sys.exit(main())

"""`python -m rtlab ...` is the `rtlab` command."""

from __future__ import annotations

import sys

from rtlab.cli import main

sys.exit(main())

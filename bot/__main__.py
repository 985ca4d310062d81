"""Run the command line: ``python -m bot``."""

from __future__ import annotations

import sys

from bot.cli import main

# Spawned parse workers must never run the command line again.
if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Command line of stretchguide: `python build.py --help`."""

import sys

from stretchguide.cli import main

if __name__ == "__main__":
    sys.exit(main())

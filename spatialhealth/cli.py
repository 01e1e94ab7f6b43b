"""Kept for old imports and scripts: the command line lives in :mod:`spatialhealth.app.cli`."""

from .app.cli import app, main

__all__ = ["app", "main"]

if __name__ == "__main__":
    import sys

    sys.exit(main())

"""``python -m spatialhealth`` runs the command line."""

import sys

from spatialhealth.app.cli import main

sys.exit(main())

"""Whether this run is CI's (``CI=true``): there, what a test needs must be present, so a missing
service or browser fails the run instead of skipping."""

import os

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}

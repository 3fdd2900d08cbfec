"""The settings the fault drills serve the portal with: the bench's (the
production settings on throwaway services), and one change the worker
drill may ask for.

NFC_DRILL_VISIBILITY_SECONDS shortens how long Redis keeps a job a worker
took and never acknowledged before handing it out again (production: two
hours, nfc/settings.py), so a drill can see a job lost with its whole worker
come back within minutes.
"""

import os

from bench.settings import *  # noqa: F403
from bench.settings import CELERY_BROKER_TRANSPORT_OPTIONS

if os.environ.get("NFC_DRILL_VISIBILITY_SECONDS"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        **CELERY_BROKER_TRANSPORT_OPTIONS,
        "visibility_timeout": int(os.environ["NFC_DRILL_VISIBILITY_SECONDS"]),
    }

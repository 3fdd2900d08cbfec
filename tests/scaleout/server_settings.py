"""The production settings (nfc.settings with DJANGO_ENV=production), as the
two-server test's processes run them, with one change: static files are
served by name rather than collected, hashed and compressed first (about a
minute and a half on a 2-core machine, for pages whose stylesheet the test
never fetches; tests/nfc/test_deployment.py proves the collected ones)."""

from nfc.settings import *  # noqa: F403
from nfc.settings import STORAGES

STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

"""The production settings (nfc.settings with DJANGO_ENV=production), as the
two-server test's processes run them, with one change: static files are
served by name rather than collected, hashed and compressed first (about a
minute and a half on a 2-core machine, for pages whose stylesheet the test
never fetches; tests/nfc/test_deployment.py proves the collected ones)."""

from celery.signals import task_prerun
from django.core.signals import request_started

from nfc.settings import *  # noqa: F403
from nfc.settings import STORAGES

STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}


# The test database is flushed between tests, and Django's content types
# come back under new ids, which a live database never does; these
# long-lived servers and workers would otherwise keep the old ids in ContentType's
# cache and write audit entries that point at none.
def _fresh_content_types(**kwargs):
    from django.contrib.contenttypes.models import ContentType  # the app registry is ready by now

    ContentType.objects.clear_cache()


request_started.connect(_fresh_content_types)
task_prerun.connect(_fresh_content_types)

"""The portal's URLs plus `ok/`, a bare view: the framework's floor.

Kept out of nfc.urls so that production serves no such page.
"""

from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
from django.urls import path
from django.views.decorators.http import require_safe

from nfc.urls import handler404, handler500
from nfc.urls import urlpatterns as portal_urlpatterns


# Public, as the anonymous floor it measures (the portal denies by default).
@login_not_required
@require_safe
def ok(request):
    # Every middleware runs, but no template, session read or query.
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("ok/", ok, name="bench_ok"), *portal_urlpatterns]

# The portal's error pages, as a URL conf of its own would lose them.
__all__ = ["handler404", "handler500", "urlpatterns"]

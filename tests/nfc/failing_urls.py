"""A page that fails with a bug, as no page of the portal should."""

from django.contrib.auth.decorators import login_not_required
from django.urls import path

from nfc.urls import handler500, urlpatterns


@login_not_required
def fails(request):
    raise ValueError("a bug")


urlpatterns = [path("fails/", fails), *urlpatterns]

__all__ = ["handler500", "urlpatterns"]

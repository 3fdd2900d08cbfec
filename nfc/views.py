import sys

from django.contrib.auth.decorators import login_not_required
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template import loader
from django.templatetags.static import static
from django.views import defaults
from django.views.decorators.http import require_safe

# How long the 503 page asks browsers and crawlers to wait before trying again.
UNAVAILABLE_RETRY_SECONDS = 60


@login_not_required
@require_safe
def home(request):
    return render(request, "home.html")


@login_not_required
@require_safe
def favicon(request):
    return redirect(static("img/favicon.svg"), permanent=True)


@login_not_required
def not_found(request):
    raise Http404


def page_not_found(request, exception):
    """The answer for an address nothing serves (handler404): under /api/,
    JSON as every answer of the API is (nfc/api/schema.py documents it),
    so a client reads a wrong address as it reads any other 404; the page
    elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found."}, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request):
    """The page for a failure nobody handled (handler500): the plain 503
    page when the database could not be reached (PostgreSQL stopped or
    restarting, its connections used up), for that passes and is nobody's
    mistake; Django's 500 page for anything else.

    Called while the exception is being handled, so sys.exc_info() holds
    it. Reads nothing from the database, which may be the thing that failed.
    """
    if isinstance(sys.exc_info()[1], OperationalError | InterfaceError):
        response = HttpResponse(loader.render_to_string("503.html"), status=503)
        response["Retry-After"] = str(UNAVAILABLE_RETRY_SECONDS)
        return response
    return defaults.server_error(request)

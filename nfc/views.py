from django.contrib.auth.decorators import login_not_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.views.decorators.http import require_safe


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

from django.shortcuts import render
from django.views.decorators.http import require_safe

from advisers.permissions import permission_required


@require_safe
@permission_required("portal.use")
def home(request):
    return render(request, "advisers/home.html")

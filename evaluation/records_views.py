"""The lists of the records behind a report's figures (evaluation.records)."""

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_safe

from advisers.permissions import permission_required
from areas.models import Area
from evaluation.records import FINDERS, KINDS
from events.models import Event


@require_safe
@permission_required("reports.view")
def figure_records(request, kind: str):
    """The records a figure counts, in the areas the person may see."""
    if kind not in KINDS:
        raise Http404
    # Always bound: every filter may be blank, so no query at all is valid.
    form = KINDS[kind].form(request.GET)
    found = page = None
    if form.is_valid():
        found = FINDERS[kind](form, Area.objects.visible_to(request.user))
        page = Paginator(found.rows, 50).get_page(request.GET.get("page"))
        if kind == "attendances":
            labels = dict(Event.Kind.choices)
            page.object_list = [
                {**row, "kind_label": labels.get(row["event__kind"], "")}
                for row in page.object_list
            ]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "evaluation/figure_records.html",
        {
            "kind": KINDS[kind],
            "form": form,
            "found": found,
            "page": page,
            "query": query.urlencode(),
        },
    )

"""The casework lists' filters and search, as the web's lists and search
page read them: the same forms (casework.forms) check the query string, and
the same querysets narrow the rows."""

from django.db.models import QuerySet
from django_filters import rest_framework as filters
from rest_framework import exceptions

from areas.models import Cohort, Region
from casework import audit
from casework.forms import ReferralFilterForm, RequestListFilterForm
from casework.models import (
    REQUEST_AGES,
    Action,
    AuditEntry,
    Interaction,
    Referral,
    SupportRequest,
    Topic,
)
from casework.selectors import search_within
from nfc.api.filters import Search

STATUS_HELP = (
    "Empty or left out: the open ones (as the web's list); `all`: every one; otherwise one status."
)


class _Records(filters.FilterSet):
    """Where and when (casework.forms.RecordsFilterForm): the form's own
    fields, named here so the schema lists them."""

    since = filters.DateFilter(method="_by_form", help_text="From this day (included).")
    until = filters.DateFilter(method="_by_form", help_text="To this day (included).")
    region = filters.ChoiceFilter(choices=Region.choices, method="_by_form")
    cohort = filters.ChoiceFilter(choices=Cohort.choices, method="_by_form")
    area = filters.CharFilter(method="_by_form", help_text="An area's ward code.")
    programme = filters.BooleanFilter(method="_by_form", help_text="Only areas in the programme.")
    joined_by = filters.DateFilter(
        method="_by_form", help_text="Only areas that had joined by this day."
    )

    def _by_form(self, queryset, name, value):
        # Applied together in filter_queryset, as the web's form narrows.
        return queryset


class RequestFilter(_Records):
    """The web's request list (casework.views.request_list)."""

    status = filters.ChoiceFilter(
        choices=[("all", "All requests"), *SupportRequest.Status.choices],
        method="_by_form",
        help_text=STATUS_HELP,
    )
    topic = filters.ChoiceFilter(choices=Topic.choices, method="_by_form")
    dated = filters.ChoiceFilter(
        choices=[
            ("received", "Received"),
            ("contacted", "First contacted"),
            ("resolved", "Resolved"),
        ],
        method="_by_form",
        help_text="Which date since and until read: when it was received (the default), "
        "first contacted or resolved.",
    )
    age = filters.ChoiceFilter(
        choices=[(key, label) for key, label, *_ in REQUEST_AGES], method="_by_form"
    )
    overdue = filters.BooleanFilter(
        method="_by_form", help_text="Only requests past the response target."
    )
    triage = filters.BooleanFilter(
        method="_by_form", help_text="Only open requests with nobody to answer them yet."
    )
    assigned_to = filters.NumberFilter(
        method="_by_form", help_text="Only the requests with this person (their id)."
    )

    class Meta:
        model = SupportRequest
        form = RequestListFilterForm
        fields: list[str] = []

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        chosen = self.form.cleaned_data
        requests = queryset.with_status(chosen["status"] or "")
        if chosen["triage"]:
            requests = requests.in_triage()
        if chosen["overdue"]:
            requests = requests.overdue()
        if chosen["age"]:
            requests = requests.aged(chosen["age"])
        if chosen["topic"]:
            requests = requests.filter(topic=chosen["topic"])
        if chosen["assigned_to"] is not None:
            requests = requests.filter(assigned_to_id=chosen["assigned_to"])
        dated_by = self.form.DATED_BY[chosen["dated"] or "received"]
        return self.form.narrow(requests, dated_by=dated_by, moment=True)


class ReferralFilter(_Records):
    """The web's referral list (casework.referral_views.referral_list): its
    dates are when the referral was asked for."""

    status = filters.ChoiceFilter(
        choices=[("all", "All referrals"), *Referral.Status.choices],
        method="_by_form",
        help_text=STATUS_HELP,
    )
    partner = filters.NumberFilter(method="_by_form", help_text="A partner's id.")

    class Meta:
        model = Referral
        form = ReferralFilterForm
        fields: list[str] = []

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        chosen = self.form.cleaned_data
        found = queryset.with_status(chosen["status"] or "")
        if chosen["partner"] is not None:
            found = found.filter(partner_id=chosen["partner"])
        return self.form.narrow(found, dated_by="requested_on", moment=False)


class InteractionFilter(filters.FilterSet):
    """An area's interactions, one request's, one kind, between two days."""

    area = filters.CharFilter(field_name="area__ward_code", help_text="An area's ward code.")
    request = filters.CharFilter(
        field_name="support_request__reference", help_text="A request's reference."
    )
    kind = filters.ChoiceFilter(choices=Interaction.Kind.choices)
    since = filters.DateFilter(field_name="date", lookup_expr="gte", help_text="On or after.")
    until = filters.DateFilter(field_name="date", lookup_expr="lte", help_text="On or before.")
    logged_by = filters.NumberFilter(field_name="logged_by_id", help_text="Their id.")

    class Meta:
        model = Interaction
        fields: list[str] = []


class ActionFilter(filters.FilterSet):
    """The web's My actions (owner, region, overdue), and open or done."""

    owner = filters.NumberFilter(field_name="owner_id", help_text="Their id.")
    area = filters.CharFilter(field_name="area__ward_code", help_text="An area's ward code.")
    region = filters.ChoiceFilter(field_name="area__region", choices=Region.choices)
    request = filters.CharFilter(
        field_name="support_request__reference", help_text="A request's reference."
    )
    done = filters.BooleanFilter(
        field_name="done_at", lookup_expr="isnull", exclude=True, help_text="Done, or still open."
    )
    overdue = filters.BooleanFilter(method="_overdue", help_text="Only open actions past due.")

    class Meta:
        model = Action
        fields: list[str] = []

    def _overdue(self, queryset, name, value):
        return queryset.overdue() if value else queryset


class CaseworkSearch(Search):
    """``?search=``: the words found as the search page finds them (full-text,
    stemmed English, web-search syntax) in the same fields of the view's
    ``search_kind``; and, as that page does, who searched for what is kept
    in the audit history. Words that cannot be searched for are a 400."""

    def filter_queryset(self, request, queryset, view):
        text = " ".join(request.query_params.get(self.search_param, "")[:200].split())
        if not text:
            return queryset
        found, problem = search_within(queryset, kind=view.search_kind, text=text)
        if problem:
            raise exceptions.ValidationError({self.search_param: [problem]})
        audit.looked_at(
            obj=request.user,
            by=request.user,
            action=AuditEntry.Action.SEARCHED,
            details={"search": text, "kind": view.search_kind},
        )
        return found

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": self.search_param,
                "required": False,
                "in": "query",
                "description": (
                    "Words to find, as the web's search reads them: every word, "
                    '"a phrase", -leave-out, or. Kept in the audit history.'
                ),
                "schema": {"type": "string"},
            }
        ]

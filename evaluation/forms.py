import datetime

from django import forms
from django.db.models import Min

from advisers.delivery import Delivery
from advisers.roles import Role
from areas.forms import AreaFacetsForm
from areas.models import Area, Cohort, Region
from casework.forms import RecordsFilterForm, ReferralFilterForm, RequestFilterForm
from evaluation.dashboard import DEFAULT_PERIOD, PERIODS, SORTS, DeliveryFilters
from evaluation.models import Report, quarter_label
from events.models import Event
from nfc.periods import Period, add_months, quarter_start


class DeliveryFilterForm(AreaFacetsForm):
    """The dashboard's delivery table: which period, which areas, what order."""

    field_order = ["period", "status", "region", "area_type", "cohort", "stage", "adviser", "sort"]

    # The default first, so a form sent without it shows what the table used.
    period = forms.ChoiceField(
        label="Judge delivery over",
        choices=sorted(PERIODS.items(), key=lambda choice: choice[0] != DEFAULT_PERIOD),
        required=False,
    )
    status = forms.ChoiceField(
        choices=[("", "Any status"), *Delivery.LABELS.items()], required=False
    )
    sort = forms.ChoiceField(
        label="Order by",
        choices=[(key, label) for key, (label, _) in SORTS.items()],
        required=False,
    )

    def __init__(self, *args, for_manager: bool, in_region: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not for_manager:
            del self.fields["adviser"]
        if in_region:
            del self.fields["region"]

    def filters(self) -> DeliveryFilters:
        """The chosen filters; the defaults where the form is not valid."""
        if not self.is_valid():
            return DeliveryFilters()
        chosen = {key: value for key, value in self.cleaned_data.items() if value}
        return DeliveryFilters(**chosen)


class ReportStartForm(forms.Form):
    """Which report to build: its kind, its scope and its period, limited to
    what the person may ask for (a regional lead: their region, and the
    areas in it)."""

    kind = forms.ChoiceField(
        label="What the report covers",
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what the report covers."},
    )
    region = forms.ChoiceField(
        label="Region", required=False, help_text="For a report on one region."
    )
    cohort = forms.TypedChoiceField(
        label="Cohort", coerce=int, required=False, help_text="For a report on one cohort."
    )
    area = forms.ModelChoiceField(
        label="Area",
        queryset=Area.objects.none(),
        required=False,
        empty_label="Choose an area",
        help_text="For a report on one area.",
    )
    span = forms.ChoiceField(
        label="Period",
        choices=Report.Span.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the period the report covers."},
    )
    quarter = forms.ChoiceField(
        label="Quarter", required=False, help_text="If you chose a quarter."
    )
    year = forms.ChoiceField(label="Year", required=False, help_text="If you chose a year.")
    start = forms.DateField(
        label="From",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="If you chose dates: the first day.",
    )
    last = forms.DateField(
        label="To",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="If you chose dates: the last day, included.",
    )

    def __init__(self, *args, user, today: datetime.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.user, self.today = user, today
        self.regional_lead = bool(user.region)
        kinds = Report.Kind.choices
        if self.regional_lead:
            # A cohort and the programme reach beyond their region.
            kinds = [(k, label) for k, label in kinds if k in (Report.Kind.REGION, "area")]
            self.fields["region"].choices = [(user.region, Region(user.region).label)]
            del self.fields["cohort"]
        else:
            self.fields["region"].choices = [("", "Choose a region"), *Region.choices]
            self.fields["cohort"].choices = [("", "Choose a cohort"), *Cohort.choices]
        self.fields["kind"].choices = kinds
        # The areas that joined the programme (those since left too, for the
        # time they were in it): a ward outside it has nothing to report.
        areas = Area.objects.visible_to(user).filter(cohort__isnull=False).order_by("name")
        if self.regional_lead:
            areas = areas.filter(region=user.region)
        self.fields["area"].queryset = areas
        quarters, start = [], quarter_start(today)
        for _ in range(8):
            start = add_months(start, -3)
            quarters.append((start.isoformat(), quarter_label(start)))
        self.fields["quarter"].choices = [("", "Choose a quarter"), *quarters]
        years = [(str(today.year), f"{today.year} so far")]
        years += [(str(y), str(y)) for y in range(today.year - 1, today.year - 5, -1)]
        self.fields["year"].choices = [("", "Choose a year"), *years]

    def clean(self):
        data = super().clean()
        kind, span = data.get("kind"), data.get("span")
        needs = {
            Report.Kind.REGION: ("region", "Choose the region the report is about."),
            Report.Kind.COHORT: ("cohort", "Choose the cohort the report is about."),
            Report.Kind.AREA: ("area", "Choose the area the report is about."),
        }
        if kind in needs:
            name, message = needs[kind]
            if not data.get(name) and name in self.fields:
                self.add_error(name, message)
        if span == Report.Span.QUARTER:
            if not data.get("quarter"):
                self.add_error("quarter", "Choose the quarter.")
            else:
                first = datetime.date.fromisoformat(data["quarter"])
                data["period"] = Period(first, add_months(first, 3))
        elif span == Report.Span.YEAR:
            if not data.get("year"):
                self.add_error("year", "Choose the year.")
            else:
                period = Period.year(datetime.date(int(data["year"]), 1, 1))
                tomorrow = self.today + datetime.timedelta(days=1)
                data["period"] = Period(period.start, min(period.end, tomorrow))
                if period.end > tomorrow:
                    # This year so far: its dates, not "2026", on the report.
                    data["span"] = Report.Span.CUSTOM
        elif span == Report.Span.SINCE_JOINING:
            joined = self._joined(data)
            if kind and joined is None and not self.errors:
                self.add_error(
                    "span",
                    "No area in this report has a joining date: choose a year or dates instead.",
                )
            elif joined:
                data["period"] = Period(joined, self.today + datetime.timedelta(days=1))
        elif span == Report.Span.CUSTOM:
            self._clean_dates(data)
        return data

    def _clean_dates(self, data):
        start, last = data.get("start"), data.get("last")
        if not start and "start" not in self.errors:
            self.add_error("start", "Enter the first day of the period.")
        if not last and "last" not in self.errors:
            self.add_error("last", "Enter the last day of the period.")
        if not (start and last):
            return
        if last > self.today:
            self.add_error("last", "The last day must be today or earlier.")
        elif last < start:
            self.add_error("last", "The last day must be the same as or after the first day.")
        else:
            data["period"] = Period(start, last + datetime.timedelta(days=1))

    def _joined(self, data) -> datetime.date | None:
        areas = Area.objects.visible_to(self.user)
        kind = data.get("kind")
        if kind == Report.Kind.REGION and data.get("region"):
            areas = areas.filter(region=data["region"])
        elif kind == Report.Kind.COHORT and data.get("cohort"):
            areas = areas.filter(cohort=data["cohort"])
        elif kind == Report.Kind.AREA and data.get("area"):
            areas = areas.filter(pk=data["area"].pk)
        elif kind != Report.Kind.PROGRAMME:
            return None
        return areas.aggregate(first=Min("joined_on"))["first"]

    def choice(self) -> dict:
        """The report chosen, as report_request's arguments (less ``by``)."""
        data = self.cleaned_data
        period = data["period"]
        return {
            "kind": data["kind"],
            "region": data.get("region") or "",
            "cohort": data.get("cohort") or None,
            "area": data.get("area"),
            "span": data["span"],
            "start": period.start,
            "end": period.end,
        }


# The roles whose time counts towards the 2 + 2 days.
SIDES = [(Role.ADVISER, "Advisers"), (Role.COMMUNITY_WORKER, "Community workers")]


class FigureRecordsForm(RecordsFilterForm):
    role = forms.ChoiceField(label="Given by", required=False, choices=[("", "Anyone"), *SIDES])
    event_kind = forms.ChoiceField(
        label="Kind of event", required=False, choices=[("", "Any kind"), *Event.Kind.choices]
    )


class RequestRecordsForm(RequestFilterForm, FigureRecordsForm):
    """The request list's filters that a report's figures use, by the same
    names and with the same meanings (casework.forms.RequestFilterForm)."""


class ReferralRecordsForm(ReferralFilterForm, FigureRecordsForm):
    """The referral list's filters (casework.forms.ReferralFilterForm): its
    dates are when the referral was asked for."""

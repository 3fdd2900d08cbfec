import django_filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from advisers.models import User
from advisers.roles import Role
from areas import selectors
from areas.models import AreaType, Cohort, FundingBid, Region, Stage


@extend_schema_field(OpenApiTypes.INT)
class _Person(django_filters.ModelChoiceFilter):
    """A member of staff, by id."""


class AreaFilter(django_filters.FilterSet):
    """The staff area list's filters (areas.forms.AreaFilterForm), applied
    by the same selector; the search box is ``?search=``."""

    region = django_filters.ChoiceFilter(choices=Region.choices)
    cohort = django_filters.TypedChoiceFilter(choices=Cohort.choices, coerce=int)
    stage = django_filters.ChoiceFilter(choices=Stage.choices)
    area_type = django_filters.ModelChoiceFilter(
        field_name="types", to_field_name="slug", queryset=AreaType.objects.all()
    )
    adviser = _Person(queryset=User.objects.filter(role=Role.ADVISER), method="by_selector")
    community_worker = _Person(
        queryset=User.objects.filter(role=Role.COMMUNITY_WORKER), method="by_selector"
    )
    funding_stream = django_filters.ChoiceFilter(
        choices=FundingBid.Stream.choices, method="by_selector"
    )
    without_adviser = django_filters.BooleanFilter(method="by_selector")
    without_community_worker = django_filters.BooleanFilter(method="by_selector")
    in_programme = django_filters.BooleanFilter(method="in_programme_or_not")

    def by_selector(self, queryset, name, value):
        return selectors.filter_areas(queryset, **{name: value})

    def in_programme_or_not(self, queryset, name, value):
        in_programme = queryset.in_programme()
        return in_programme if value else queryset.exclude(pk__in=in_programme.values("pk"))

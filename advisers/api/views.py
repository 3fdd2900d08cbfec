import django_filters
from django.db.models import Prefetch, Q
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from advisers import selectors, services
from advisers.api.serializers import StaffSerializer, TimeRecordAddSerializer, TimeRecordSerializer
from advisers.models import AdviserAssignment, CommunityWorkerAllocation, TimeRecord, User
from advisers.navigation import destinations_for
from advisers.permissions import has_perm, may_remove_time_record, permissions_of
from areas.models import Area
from nfc.api.pagination import Cursor


class DestinationSerializer(serializers.Serializer):
    label = serializers.CharField()
    url = serializers.CharField()


class MeSerializer(serializers.Serializer):
    # The id other endpoints take for a person (an action's owner, whom a
    # request is assigned to).
    id = serializers.IntegerField()
    email = serializers.EmailField()
    full_name = serializers.CharField()
    role = serializers.CharField()
    permissions = serializers.ListField(child=serializers.CharField())
    destinations = DestinationSerializer(many=True)


class MeView(APIView):
    """Who the signed-in person is, their role, and what they may do."""

    required_perm = "portal.use"

    @extend_schema(responses=MeSerializer)
    def get(self, request):
        user = request.user
        return Response(
            {
                "id": user.pk,
                "email": user.email,
                "full_name": user.full_name,
                "role": user.role,
                "permissions": permissions_of(user),
                "destinations": [{"label": d.label, "url": d.url} for d in destinations_for(user)],
            }
        )


class _Staff(generics.GenericAPIView):
    """The caseloads page's people (``caseloads.manage``): for a regional
    lead, those who hold areas in their region, with those areas only."""

    required_perm = "caseloads.manage"
    serializer_class = StaffSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return User.objects.none()
        user = self.request.user
        areas = Area.objects.visible_to(user)
        return selectors.staff_with_caseloads(region=user.region).prefetch_related(
            Prefetch(
                "adviser_assignments",
                queryset=AdviserAssignment.objects.current()
                .filter(area__in=areas)
                .select_related("area"),
                to_attr="held_advising",
            ),
            Prefetch(
                "allocations",
                queryset=CommunityWorkerAllocation.objects.current()
                .filter(area__in=areas)
                .select_related("area"),
                to_attr="held_working",
            ),
        )


class StaffFilter(django_filters.FilterSet):
    role = django_filters.ChoiceFilter(
        choices=[("adviser", "Adviser"), ("community_worker", "Community worker")]
    )

    class Meta:
        model = User
        fields = ["role"]


class StaffList(_Staff, generics.ListAPIView):
    """Advisers and community workers with their caseloads: who has room."""

    filterset_class = StaffFilter
    ordering_fields = ["full_name", "areas_held", "room"]
    ordering = ["full_name", "pk"]


class StaffDetail(_Staff, generics.RetrieveAPIView):
    """One adviser or community worker and their caseload."""


class TimeFilter(django_filters.FilterSet):
    area = django_filters.CharFilter(field_name="area__ward_code", label="Ward code")
    person = django_filters.NumberFilter(field_name="person_id")
    since = django_filters.DateFilter(field_name="date", lookup_expr="gte")
    until = django_filters.DateFilter(field_name="date", lookup_expr="lte")

    class Meta:
        model = TimeRecord
        fields = ["area", "person", "since", "until"]


class _Time(generics.GenericAPIView):
    """Time given to the areas you see, and your own wherever it was."""

    required_perm = "areas.view"
    serializer_class = TimeRecordSerializer

    def get_queryset(self):
        user = self.request.user
        return TimeRecord.objects.filter(
            Q(area__in=Area.objects.visible_to(user)) | Q(person_id=user.pk)
        ).select_related("person", "area")

    def get_serializer_context(self):
        context = super().get_serializer_context()
        # Every record listed is in the caller's areas or their own.
        context["show_notes"] = has_perm(self.request.user, "areas.view_notes")
        return context


class TimeRecords(_Time, generics.ListAPIView):
    """GET: time records, newest day first (a cursor). POST: record time, your
    own (``time.record``) or anybody's (``time.correct``), in hours."""

    pagination_class = Cursor
    filterset_class = TimeFilter
    ordering_fields = ["date"]
    ordering = ["-date", "-pk"]

    @extend_schema(request=TimeRecordAddSerializer, responses={201: TimeRecordSerializer})
    def post(self, request):
        user = request.user
        if not (has_perm(user, "time.record") or has_perm(user, "time.correct")):
            raise PermissionDenied
        given = TimeRecordAddSerializer(data=request.data, context={"request": request})
        given.is_valid(raise_exception=True)
        fields = given.validated_data
        record = services.time_record_add(
            person=fields.get("person", user),
            area=fields["area"],
            date=fields["date"],
            hours=fields["hours"],
            kind=fields["kind"],
            note=fields["note"],
            by=user,
        )
        return Response(self.get_serializer(record).data, status=status.HTTP_201_CREATED)


class TimeRecordDetail(_Time, generics.RetrieveDestroyAPIView):
    """One time record; DELETE takes it back (your own, or anyone's in your
    areas for those who correct time)."""

    def check_object_permissions(self, request, obj):
        # Seen but not removable (a colleague's, for an adviser) answers as
        # if not there, as the web does.
        if request.method == "DELETE" and not may_remove_time_record(request.user, obj):
            raise Http404

    def perform_destroy(self, instance):
        services.time_record_remove(record=instance, by=self.request.user)

"""The areas' endpoints: the list and each area's page, its stage history,
partnership, local contacts and funding, and naming its people. Each reads
through ``Area.objects.visible_to`` and writes through the services the
staff pages use, so the rules, the messages and the audit history are the
web's."""

from django.core.exceptions import ValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from advisers import services as staff_services
from advisers.permissions import has_perm
from areas import selectors, services
from areas.api import serializers
from areas.api.filters import AreaFilter
from areas.models import Area, FundingBid, LocalContact, StageChange
from nfc.api.views import Scoped


class AreaList(Scoped, generics.ListAPIView):
    """The areas in your scope, as the staff list filters and searches them
    (name, council, or the exact ward code)."""

    required_perm = "areas.view"
    queryset = Area.objects.all()
    serializer_class = serializers.AreaSerializer
    filterset_class = AreaFilter
    search_fields = ["name", "local_authority", "=ward_code"]
    ordering_fields = ["name", "ward_code", "imd_rank", "cni_rank", "cohort", "joined_on", "stage"]
    ordering = ["name"]

    def get_queryset(self):
        return selectors.areas_with_people(super().get_queryset()).prefetch_related("types")


class AreaDetail(Scoped, generics.RetrieveAPIView):
    """An area's facts, where it is in the programme and who is named for it;
    its notes for those who may read what staff write."""

    required_perm = "areas.view"
    queryset = Area.objects.all()
    serializer_class = serializers.AreaDetailSerializer
    lookup_field = "ward_code"

    def get_queryset(self):
        return selectors.areas_with_people(super().get_queryset()).prefetch_related("types")

    def retrieve(self, request, *args, **kwargs):
        area = self.get_object()
        context = self.get_serializer_context()
        context["show_notes"] = has_perm(request.user, "areas.view_notes", area)
        return Response(self.get_serializer_class()(area, context=context).data)


class _OfArea(generics.GenericAPIView):
    """An endpoint under /areas/<ward_code>/: the area read once per call,
    with whether the caller may read what staff write about it."""

    def area(self) -> Area:
        if not hasattr(self, "_area"):
            perm = self.required_perm
            if self.request.method not in ("GET", "HEAD", "OPTIONS"):
                perm = getattr(self, "required_perm_to_change", None) or perm
            self._area = selectors.area_in_scope(self.request.user, self.kwargs["ward_code"], perm)
        return self._area

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        # The area's scope and permission are settled before the body is read.
        self.area()

    # What the endpoint lists (for the schema, which has no area to ask).
    model: type

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.model.objects.none()
        return self.of(self.area())

    def of(self, area: Area):
        raise NotImplementedError

    def check_object_permissions(self, request, obj):
        # A contact or a bid is judged by its area (checked in area()).
        super().check_object_permissions(request, self.area())

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if "ward_code" in getattr(self, "kwargs", {}):
            area = self.area()
            context["area"] = area
            context["user"] = self.request.user
            context["show_notes"] = has_perm(self.request.user, "areas.view_notes", area)
        return context


class AreaStages(_OfArea, generics.ListAPIView):
    """GET: the area's stage history, newest first (withdrawn changes too,
    marked). POST: move it to another stage, from a day (today unless
    given); taking it out of the programme is for those who manage
    caseloads."""

    required_perm = "areas.view"
    required_perm_to_change = "areas.edit"
    serializer_class = serializers.StageChangeSerializer
    model = StageChange

    def of(self, area):
        return area.stage_changes.select_related("recorded_by", "withdrawn_by")

    @extend_schema(
        request=serializers.StageMoveSerializer, responses={201: serializers.StageChangeSerializer}
    )
    def post(self, request, ward_code):
        area = self.area()
        move = serializers.StageMoveSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        move.is_valid(raise_exception=True)
        change = services.area_change_stage(area=area, by=request.user, **move.validated_data)
        return Response(self.get_serializer(change).data, status=status.HTTP_201_CREATED)


class AreaPartnership(_OfArea, generics.GenericAPIView):
    """The residents' partnership or group: GET for those who see an area's
    people, PUT (the whole of it, made if there is none) for its editors."""

    required_perm = "areas.view_contacts"
    required_perm_to_change = "areas.edit"
    serializer_class = serializers.PartnershipSerializer

    def get(self, request, ward_code):
        partnership = getattr(self.area(), "partnership", None)
        if partnership is None:
            raise NotFound("No partnership is recorded for this area.")
        return Response(self.get_serializer(partnership).data)

    def put(self, request, ward_code):
        area = self.area()
        given = self.get_serializer(data=request.data)
        given.is_valid(raise_exception=True)
        partnership = services.partnership_save(area=area, by=request.user, **given.validated_data)
        return Response(self.get_serializer(partnership).data)


class AreaContacts(_OfArea, generics.ListCreateAPIView):
    """The area's local contacts (council officers, councillors, groups):
    for those who see an area's people; added by its editors."""

    required_perm = "areas.view_contacts"
    required_perm_to_change = "areas.edit"
    serializer_class = serializers.LocalContactSerializer
    model = LocalContact

    def of(self, area):
        return area.contacts.all()

    def perform_create(self, serializer):
        serializer.instance = services.local_contact_add(
            area=self.area(), by=self.request.user, **serializer.validated_data
        )


class AreaContact(_OfArea, generics.RetrieveDestroyAPIView):
    """One local contact; DELETE takes them off the area's list."""

    required_perm = "areas.view_contacts"
    required_perm_to_change = "areas.edit"
    serializer_class = serializers.LocalContactSerializer
    model = LocalContact

    def of(self, area):
        return area.contacts.all()

    def perform_destroy(self, instance):
        services.local_contact_remove(contact=instance, by=self.request.user)


class AreaFunding(_OfArea, generics.ListCreateAPIView):
    """The funding the area has pursued; what each bid is for only for those
    who may read what staff write. POST adds a bid (its editors)."""

    required_perm = "areas.view"
    required_perm_to_change = "areas.edit"
    serializer_class = serializers.FundingBidSerializer
    model = FundingBid

    def of(self, area):
        return area.funding_bids.all()

    def perform_create(self, serializer):
        serializer.instance = services.funding_bid_save(
            area=self.area(), by=self.request.user, **serializer.validated_data
        )


class AreaFundingBid(_OfArea, generics.RetrieveUpdateAPIView):
    """One funding bid; PUT or PATCH changes it (its area's editors), by the
    web form's rules."""

    required_perm = "areas.view"
    required_perm_to_change = "areas.edit"
    serializer_class = serializers.FundingBidSerializer
    model = FundingBid

    def of(self, area):
        return area.funding_bids.all()

    def perform_update(self, serializer):
        serializer.instance = services.funding_bid_save(
            area=self.area(),
            bid=serializer.instance,
            by=self.request.user,
            **serializer.validated_data,
        )


class _Assign(_OfArea, generics.GenericAPIView):
    """Name one of the area's people through the caseload services; their
    refusals (a full caseload, someone already named) are about the person
    chosen, so they come back under that field."""

    required_perm = "caseloads.manage"
    person_field = ""
    response_serializer: type

    def assign(self, **fields):
        raise NotImplementedError

    def post(self, request, ward_code):
        area = self.area()
        given = self.get_serializer(data=request.data)
        given.is_valid(raise_exception=True)
        try:
            made = self.assign(area=area, by=request.user, **given.validated_data)
        except ValidationError as error:
            # An area outside the programme is no fault of the person chosen.
            if hasattr(error, "error_dict") or not area.in_programme:
                raise
            raise ValidationError({self.person_field: error.messages}) from error
        return Response(self.response_serializer(made).data, status=status.HTTP_201_CREATED)


class AreaAdviser(_Assign):
    """POST: make someone the area's named adviser (at most 10 areas each),
    from a day (today unless given); the previous one's assignment ends."""

    serializer_class = serializers.AssignAdviserSerializer
    response_serializer = serializers.AdviserAssignmentSerializer
    person_field = "adviser"

    @extend_schema(responses={201: serializers.AdviserAssignmentSerializer})
    def post(self, request, ward_code):
        return super().post(request, ward_code)

    def assign(self, **fields):
        return staff_services.area_assign_adviser(**fields)


class AreaCommunityWorker(_Assign):
    """POST: allocate a community worker to the area (at most 5 areas each),
    2 days a month unless given."""

    serializer_class = serializers.AllocateCommunityWorkerSerializer
    response_serializer = serializers.CommunityWorkerAllocationSerializer
    person_field = "worker"

    @extend_schema(responses={201: serializers.CommunityWorkerAllocationSerializer})
    def post(self, request, ward_code):
        return super().post(request, ward_code)

    def assign(self, **fields):
        return staff_services.area_allocate_community_worker(**fields)

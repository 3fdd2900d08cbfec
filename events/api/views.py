"""The events API: events as the staff pages show them, organising them
through the same forms and services, who registered (for those who may see
it), ticking people in, and the connections between areas."""

import django_filters
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response

from advisers.permissions import has_perm, may_check_in, may_organise_event, may_see_registrations
from areas.models import Area
from events import checkin, network_services, selectors, services
from events.api.serializers import (
    WRITABLE_EVENT_FIELDS,
    CheckInSerializer,
    ConnectionSerializer,
    ConnectionWriteSerializer,
    EventCancelSerializer,
    EventDetailSerializer,
    EventSerializer,
    EventWriteSerializer,
    RegistrationSerializer,
    SessionSerializer,
)
from events.forms import EventCancelForm, EventForm
from events.models import Connection, Event, Registration
from events.network_forms import ConnectionForm
from nfc.api.errors import NON_FIELD
from nfc.api.forms import form_data, refuse_unknown, valid
from nfc.api.views import Scoped

# --- Events ---------------------------------------------------------------------


class EventFilter(django_filters.FilterSet):
    """As the staff list: upcoming events (the default), soonest first, or
    past ones, latest first."""

    when = django_filters.ChoiceFilter(
        choices=[("upcoming", "Not yet over (the default)"), ("past", "Over")],
        help_text="upcoming (the default) or past",
    )

    class Meta:
        model = Event
        fields = ["when"]

    def filter_queryset(self, queryset):
        now = timezone.now()
        if self.form.cleaned_data.get("when") == "past":
            return queryset.filter(ends_at__lte=now).order_by("-starts_at", "-pk")
        return queryset.filter(ends_at__gt=now)


def _events(queryset):
    """Each event with its places taken and waitlist counted, and what the
    answer names fetched with it: the same few queries for any number."""
    return (
        selectors.events_listed(queryset)
        .select_related("organiser")
        .prefetch_related("areas", "sessions")
    )


def _pk_of(areas, ward_code):
    """The area's id for the web's form, which names areas by id; a ward
    code not among ``areas`` is passed on for the form to refuse in its
    own words."""
    if ward_code in (None, ""):
        return ""
    found = areas.filter(ward_code=ward_code).values_list("pk", flat=True).first()
    return found if found is not None else ward_code


def _session_lines(value) -> str:
    """Sessions as the web's form takes them: a line each, in UK time."""
    if not isinstance(value, list):
        raise serializers.ValidationError({"sessions": ["Give a list of sessions."]})
    lines = []
    for number, session in enumerate(value, start=1):
        given = SessionSerializer(data=session)
        if not given.is_valid():
            raise serializers.ValidationError(
                {
                    "sessions": [
                        f"Session {number} needs its title, and when it starts and ends "
                        "(like 2027-01-12T18:00:00Z)."
                    ]
                }
            )
        try:
            starts = timezone.localtime(given.validated_data["starts_at"])
            ends = timezone.localtime(given.validated_data["ends_at"])
        except OverflowError:
            raise serializers.ValidationError(
                {"sessions": [f"Session {number}: give a date between the years 1 and 9999."]}
            ) from None
        if ends.date() != starts.date():
            raise serializers.ValidationError(
                {"sessions": [f"Session {number} must start and end on the same day."]}
            )
        lines.append(f"{starts:%d/%m/%Y %H:%M}-{ends:%H:%M} {given.validated_data['title']}")
    return "\n".join(lines)


def _event_as_form_data(event: Event) -> dict:
    """What the web's form holds for ``event`` before a change: a change
    through the API sends only what it changes."""
    data = {name: getattr(event, name) for name in services.EVENT_FIELDS}
    data["host_area"] = event.host_area_id or ""
    data["areas"] = [area.pk for area in event.areas.all()]
    data["topics"] = [topic.topic for topic in event.topics.all()]
    data["sessions"] = "\n".join(
        f"{timezone.localtime(s.starts_at):%d/%m/%Y %H:%M}-"
        f"{timezone.localtime(s.ends_at):%H:%M} {s.title}"
        for s in event.sessions.all()
    )
    return data


def _event_details(request, event: Event | None = None) -> dict:
    """The event as sent, checked by the web's form: its details for the
    service, or a 400 with the form's messages."""
    sent = form_data(
        request.data,
        allowed=WRITABLE_EVENT_FIELDS,
        lists=["areas", "topics"],
        raw=["sessions"],
    )
    areas = Area.objects.visible_to(request.user)
    data = _event_as_form_data(event) if event is not None else {}
    for name, value in sent.items():
        if name == "host_area":
            data[name] = _pk_of(areas, value)
        elif name == "areas":
            data[name] = [_pk_of(areas, code) for code in value]
        elif name == "sessions":
            data[name] = _session_lines(value)
        else:
            data[name] = value
    form = EventForm(data=data, instance=event, user=request.user)
    valid(form)
    return form.event_details()


def _answer(request, event: Event, status_code=status.HTTP_200_OK) -> Response:
    event = get_object_or_404(_events(Event.objects.visible_to(request.user)), pk=event.pk)
    context = {
        "request": request,
        "counts": selectors.event_counts(event),
        "may_organise": may_organise_event(request.user, event),
        "may_see_registrations": may_see_registrations(request.user, event),
    }
    return Response(EventDetailSerializer(event, context=context).data, status=status_code)


class EventListView(Scoped, generics.ListAPIView):
    """The events you may see (a regional lead: national events and their
    region's), with their places taken and waitlist. POST organises a new
    one (unpublished), as the web's form does: advisers for their own areas."""

    required_perm = "events.view"
    required_perm_to_change = "events.organise"
    queryset = Event.objects.all()
    serializer_class = EventSerializer
    filterset_class = EventFilter

    def get_queryset(self):
        return _events(super().get_queryset())

    @extend_schema(request=EventWriteSerializer, responses={201: EventDetailSerializer})
    def post(self, request):
        details = _event_details(request)
        try:
            event = services.event_create(by=request.user, **details)
        except PermissionDenied:
            raise serializers.ValidationError(
                {NON_FIELD: [services.not_organiser_message(request.user)]}
            ) from None
        return _answer(request, event, status.HTTP_201_CREATED)


def _visible_event(request, slug: str) -> Event:
    return get_object_or_404(Event.objects.visible_to(request.user), slug=slug)


def _organised(request, slug: str) -> Event:
    event = _visible_event(request, slug)
    if not may_organise_event(request.user, event):
        raise PermissionDenied
    return event


class EventDetailView(generics.GenericAPIView):
    """One event: its facts, its registrations counted by status, and what
    you may do with it. PATCH changes it (those who may organise it; not
    once cancelled): send only what changes."""

    required_perm = "events.view"
    required_perm_to_change = "events.organise"
    serializer_class = EventDetailSerializer

    @extend_schema(responses=EventDetailSerializer)
    def get(self, request, slug):
        return _answer(request, _visible_event(request, slug))

    @extend_schema(request=EventWriteSerializer(partial=True), responses=EventDetailSerializer)
    def patch(self, request, slug):
        event = _organised(request, slug)
        if event.is_cancelled:
            raise serializers.ValidationError({NON_FIELD: ["A cancelled event cannot be changed."]})
        details = _event_details(request, event)
        try:
            services.event_update(event=event, by=request.user, **details)
        except PermissionDenied:
            raise serializers.ValidationError(
                {NON_FIELD: [services.not_organiser_message(request.user)]}
            ) from None
        return _answer(request, event)


class EventPublishView(generics.GenericAPIView):
    """Publish the event: on the public list, open for registration."""

    required_perm = "events.organise"
    serializer_class = EventDetailSerializer

    @extend_schema(request=None, responses=EventDetailSerializer)
    def post(self, request, slug):
        event = services.event_publish(event=_organised(request, slug), by=request.user)
        return _answer(request, event)


class EventCancelView(generics.GenericAPIView):
    """Cancel the event: everyone registered (and waiting) is told by e-mail,
    with the reason."""

    required_perm = "events.organise"
    serializer_class = EventCancelSerializer

    @extend_schema(request=EventCancelSerializer, responses=EventDetailSerializer)
    def post(self, request, slug):
        event = _organised(request, slug)
        details = valid(EventCancelForm(data=form_data(request.data, allowed=["reason"])))
        event = services.event_cancel(event=event, by=request.user, **details)
        return _answer(request, event)


# --- Who registered, and who came ---------------------------------------------


class RegistrationFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Registration.Status.choices)

    class Meta:
        model = Registration
        fields = ["status"]


class RegistrationListView(Scoped, generics.ListAPIView):
    """Who registered for the event, with their contact details and needs:
    only for those who may organise it, and its organiser, as on its page.
    The waitlist in its order."""

    required_perm = "events.view_registrations"
    queryset = Registration.objects.all()
    serializer_class = RegistrationSerializer
    filterset_class = RegistrationFilter

    def get_queryset(self):
        event = _visible_event(self.request, self.kwargs["slug"])
        if not may_see_registrations(self.request.user, event):
            raise PermissionDenied
        return (
            super()
            .get_queryset()
            .filter(event=event)
            .select_related("area", "event")
            .order_by("waitlisted_at", "created_at", "pk")
        )


class CheckInView(generics.GenericAPIView):
    """Tick someone with a place as there (``attended``: true), or take the
    tick back: from the day of the event to a week after it. Sent twice, it
    changes them once."""

    required_perm = "events.check_in"
    serializer_class = CheckInSerializer

    @extend_schema(request=CheckInSerializer, responses=RegistrationSerializer)
    def post(self, request, slug, pk):
        event = _visible_event(request, slug)
        if not may_check_in(request.user, event):
            raise PermissionDenied
        registration = get_object_or_404(
            Registration.objects.filter(event=event).select_related("event", "area"), pk=pk
        )
        refuse_unknown(request.data, ["attended"])
        tick = CheckInSerializer(data=request.data)
        tick.is_valid(raise_exception=True)
        registration = checkin.registration_check_in(
            registration=registration, by=request.user, attended=tick.validated_data["attended"]
        )
        return Response(RegistrationSerializer(registration).data)


# --- Connections between areas --------------------------------------------------


class ConnectionFilter(django_filters.FilterSet):
    """An area's connections, as its page lists them (by ward code)."""

    area = django_filters.CharFilter(method="of_area", help_text="A ward code.")

    class Meta:
        model = Connection
        fields = ["area"]

    def of_area(self, queryset, name, value):
        return queryset.filter(Q(area_a__ward_code=value) | Q(area_b__ward_code=value))


def _may_record_for(user):
    """The areas the web's form offers ``user`` to record for: an adviser's
    own, a manager's in their scope."""
    areas = Area.objects.visible_to(user).in_programme()
    return areas.advised_by(user) if not has_perm(user, "areas.view_all") else areas


class ConnectionListView(Scoped, generics.ListAPIView):
    """The connections recorded between areas that you may see, newest
    first. POST records one (advisers: one of the two areas their own), as
    the network page's form does."""

    required_perm = "connections.view"
    required_perm_to_change = "connections.record"
    queryset = Connection.objects.select_related("area_a", "area_b", "event", "recorded_by")
    serializer_class = ConnectionSerializer
    filterset_class = ConnectionFilter

    @extend_schema(request=ConnectionWriteSerializer, responses={201: ConnectionSerializer})
    def post(self, request):
        user = request.user
        data = form_data(request.data, allowed=ConnectionWriteSerializer().fields)
        # As the web's form starts: today, unless said.
        data.setdefault("made_on", timezone.localdate().isoformat())
        everywhere = Area.objects.all()
        for name in ("area", "other"):
            if name in data:
                data[name] = _pk_of(everywhere, data[name])
        events = Event.objects.visible_to(user)
        if data.get("event"):
            found = events.filter(slug=data["event"]).values_list("pk", flat=True).first()
            data["event"] = found if found is not None else data["event"]
        form = ConnectionForm(data=data, own_areas=_may_record_for(user), events=events)
        details = valid(form)
        try:
            connection = network_services.connection_record(by=user, **details)
        except PermissionDenied:
            raise serializers.ValidationError(
                {NON_FIELD: ["You can record connections only for your own areas."]}
            ) from None
        connection = self.get_queryset().get(pk=connection.pk)
        return Response(
            ConnectionSerializer(connection, context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )

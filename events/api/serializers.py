"""What the events API shows and takes. Writes are checked by the web's own
forms (events.forms, events.network_forms) and made by the same services;
these serializers say the shapes, for the schema and the answers."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from advisers.permissions import has_perm
from events.models import TOPIC_CHOICES, TOPIC_LABELS, Connection, Event, Registration
from events.services import EVENT_FIELDS


class AreaRefSerializer(serializers.Serializer):
    ward_code = serializers.CharField()
    name = serializers.CharField()


class SessionSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=150)
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()


class EventSerializer(serializers.ModelSerializer):
    """An event as the staff list and page show it to anyone who sees events:
    its facts, its state and how many places are taken (never who)."""

    kind_label = serializers.CharField(source="get_kind_display")
    state = serializers.SerializerMethodField()
    host_area = AreaRefSerializer(allow_null=True)
    areas = AreaRefSerializer(many=True)
    topics = serializers.SerializerMethodField()
    sessions = SessionSerializer(many=True)
    organiser = serializers.CharField(source="organiser.full_name")
    places_taken = serializers.SerializerMethodField()
    waiting = serializers.SerializerMethodField()
    # An address, or empty for an event met in person (a "uri" would not be).
    joining_link = serializers.CharField()

    class Meta:
        model = Event
        fields = [
            "slug",
            "kind",
            "kind_label",
            "title",
            "summary",
            "state",
            "starts_at",
            "ends_at",
            "online",
            "venue_name",
            "venue_address",
            "accessibility_notes",
            "joining_link",
            "region",
            "invited",
            "host_area",
            "areas",
            "topics",
            "sessions",
            "capacity",
            "places_taken",
            "waiting",
            "registration_closes_at",
            "organiser",
            "published_at",
            "cancelled_at",
            "cancellation_reason",
            "created_at",
        ]
        read_only_fields = fields

    def get_state(self, event: Event) -> str:
        if event.is_cancelled:
            return "cancelled"
        return "published" if event.is_published else "draft"

    def get_topics(self, event: Event) -> list[str]:
        return [t.topic for t in event.topics.all() if t.topic in TOPIC_LABELS]

    def get_places_taken(self, event: Event) -> int:
        # Counted by the list's query (with_places_taken) where it has it.
        taken = getattr(event, "places_taken", None)
        return event.registrations.holding_places().count() if taken is None else taken

    def get_waiting(self, event: Event) -> int:
        waiting = getattr(event, "waiting", None)
        if waiting is None:
            waiting = event.registrations.waitlisted().count()
        return waiting


class RegistrationCountsSerializer(serializers.Serializer):
    confirmed = serializers.IntegerField()
    offered = serializers.IntegerField()
    waitlisted = serializers.IntegerField()
    cancelled = serializers.IntegerField()


class EventDetailSerializer(EventSerializer):
    """One event, with its registrations counted by status, and what the
    caller may do with it."""

    counts = serializers.SerializerMethodField()
    may_organise = serializers.SerializerMethodField()
    may_see_registrations = serializers.SerializerMethodField()

    class Meta(EventSerializer.Meta):
        fields = [*EventSerializer.Meta.fields, "counts", "may_organise", "may_see_registrations"]
        read_only_fields = fields

    @extend_schema_field(RegistrationCountsSerializer)
    def get_counts(self, event: Event) -> dict:
        return self.context["counts"]

    def get_may_organise(self, event: Event) -> bool:
        return self.context["may_organise"]

    def get_may_see_registrations(self, event: Event) -> bool:
        return self.context["may_see_registrations"]


class EventWriteSerializer(serializers.Serializer):
    """What an organiser sends to create or change an event: the web form's
    fields, areas by ward code, sessions as a list. Checked by events.forms.EventForm."""

    kind = serializers.ChoiceField(choices=Event.Kind.choices)
    title = serializers.CharField(max_length=150)
    summary = serializers.CharField(max_length=4000)
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    online = serializers.BooleanField(required=False)
    venue_name = serializers.CharField(required=False, allow_blank=True, max_length=150)
    venue_address = serializers.CharField(required=False, allow_blank=True, max_length=500)
    accessibility_notes = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    joining_link = serializers.URLField(required=False, allow_blank=True, max_length=500)
    region = serializers.CharField(required=False, allow_blank=True)
    invited = serializers.ChoiceField(choices=Event.Invited.choices, required=False)
    host_area = serializers.CharField(required=False, allow_null=True, help_text="A ward code.")
    areas = serializers.ListField(
        child=serializers.CharField(), required=False, help_text="Ward codes."
    )
    topics = serializers.ListField(child=serializers.ChoiceField(choices=TOPIC_CHOICES))
    sessions = SessionSerializer(many=True, required=False)
    capacity = serializers.IntegerField(min_value=1, max_value=100_000)
    registration_closes_at = serializers.DateTimeField()


# Every field the web's form sets, and nothing else (not its organiser, nor
# when it was published: those follow from who calls and what).
WRITABLE_EVENT_FIELDS = frozenset([*EVENT_FIELDS, "areas", "topics", "sessions"])


class EventCancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=1000)


class RegistrationSerializer(serializers.ModelSerializer):
    """One person registered, with exactly what the event's page shows those
    who may see who registered: name, area, contact, needs, when. Food only
    for an event in person, as on the page."""

    area = AreaRefSerializer(allow_null=True)
    status_label = serializers.CharField(source="get_status_display")
    dietary_needs = serializers.SerializerMethodField()

    class Meta:
        model = Registration
        fields = [
            "id",
            "status",
            "status_label",
            "name",
            "area",
            "email",
            "phone",
            "access_needs",
            "dietary_needs",
            "created_at",
            "offer_expires_at",
            "waitlisted_at",
            "walk_in",
            "checked_in_at",
        ]
        read_only_fields = fields

    def get_dietary_needs(self, registration: Registration) -> str | None:
        return None if registration.event.online else registration.dietary_needs


class CheckInSerializer(serializers.Serializer):
    attended = serializers.BooleanField(help_text="True: they came; false: take the tick back.")


class EventRefSerializer(serializers.Serializer):
    slug = serializers.CharField()
    title = serializers.CharField()


class ConnectionSerializer(serializers.ModelSerializer):
    """A connection between two areas, as the network page lists it: its
    note only to those who read what staff write (areas.view_notes)."""

    area_a = AreaRefSerializer()
    area_b = AreaRefSerializer()
    topic_label = serializers.CharField()
    origin_label = serializers.CharField(source="get_origin_display")
    event = serializers.SerializerMethodField()
    recorded_by = serializers.CharField(source="recorded_by.full_name")
    note = serializers.SerializerMethodField()

    class Meta:
        model = Connection
        fields = [
            "id",
            "area_a",
            "area_b",
            "topic",
            "topic_label",
            "origin",
            "origin_label",
            "event",
            "made_on",
            "followed_up",
            "note",
            "recorded_by",
            "created_at",
        ]
        read_only_fields = fields

    @extend_schema_field(EventRefSerializer(allow_null=True))
    def get_event(self, connection: Connection) -> dict | None:
        if connection.event is None:
            return None
        return {"slug": connection.event.slug, "title": connection.event.title}

    def get_note(self, connection: Connection) -> str | None:
        if not has_perm(self.context["request"].user, "areas.view_notes"):
            return None
        return connection.note


class ConnectionWriteSerializer(serializers.Serializer):
    """A connection to record, as the web's form takes it (areas by ward
    code, the event by its slug). Checked by events.network_forms.ConnectionForm."""

    area = serializers.CharField(help_text="The ward code of an area you may record for.")
    other = serializers.CharField(help_text="The ward code of the area it connected with.")
    topic = serializers.ChoiceField(choices=TOPIC_CHOICES)
    origin = serializers.ChoiceField(choices=Connection.Origin.choices)
    event = serializers.CharField(required=False, allow_null=True, help_text="An event's slug.")
    made_on = serializers.DateField(required=False, help_text="Today unless given.")
    followed_up = serializers.BooleanField(required=False)
    note = serializers.CharField(required=False, allow_blank=True, max_length=500)

import datetime

import factory
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.utils import timezone

from advisers.models import Role, User
from advisers.permissions import TWO_FACTOR_ROLES
from areas.models import Area, Region, Stage
from areas.services import area_change_stage, area_join_programme
from casework.models import SupportRequest, Topic
from casework.services import support_request_submit
from events.models import Event, Registration, new_slug

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    full_name = factory.Faker("name", locale="en_GB")
    role = Role.ADVISER
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def totp(user, create, extracted, **kwargs):
        """Roles that must use two-factor authentication get an authenticator
        app unless the test says ``totp=False``; pass ``totp=True`` to give one
        to anybody. The secret is kept on ``user.totp_secret`` for the test."""
        wanted = extracted if extracted is not None else user.role in TWO_FACTOR_ROLES
        if create and wanted:
            user.totp_secret = generate_totp_secret()
            TOTP.activate(user, user.totp_secret)


class AreaFactory(factory.django.DjangoModelFactory):
    """An area, in the programme at outreach unless the test says otherwise:
    ``programme=False`` for one outside it, ``programme=Stage.DELIVERING`` for
    one further on (moved there through the real services)."""

    class Meta:
        model = Area
        django_get_or_create = ("ward_code",)
        skip_postgeneration_save = True

    ward_code = factory.Sequence(lambda n: f"E05{900000 + n:06d}")
    name = factory.Sequence(lambda n: f"Neighbourhood {n}")
    local_authority = "Sunderland"
    region = Region.NORTH_EAST
    population = 6000
    population_most_deprived = 3000
    small_areas = 4
    small_areas_most_deprived = 2
    imd_rank = 1200
    imd_decile = 1

    @factory.post_generation
    def programme(area, create, extracted, **kwargs):
        if not create or extracted is False or area.cohort is not None:
            return
        area_join_programme(area=area, cohort=1, joined_on=datetime.date(2026, 4, 1))
        if extracted not in (None, True, Stage.OUTREACH):
            area_change_stage(area=area, stage=extracted, on=datetime.date(2026, 6, 1))


class SupportRequestFactory(factory.django.DjangoModelFactory):
    """A resident's request for help, sent through the real service
    (`support_request_submit`), so it lands as one from the help form does:
    with the area's adviser (or in triage, with no ``area``), audited, its
    e-mails enqueued for when the transaction commits."""

    class Meta:
        model = SupportRequest

    area = None
    postcode = ""
    topic = Topic.PEOPLE
    description = "Private worry: my neighbour's health"
    for_group = False
    group_name = ""
    name = "Pat Resident"
    email = "pat@example.org"
    phone = ""
    contact_by = "email"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return support_request_submit(*args, **kwargs)


class EventFactory(factory.django.DjangoModelFactory):
    """A regional event in a fortnight, in person, with 20 places; unpublished
    unless ``published=True``. Its organiser is a new manager unless given."""

    class Meta:
        model = Event
        skip_postgeneration_save = True

    kind = Event.Kind.REGIONAL
    title = factory.Sequence(lambda n: f"North East gathering {n}")
    slug = factory.LazyAttribute(lambda o: new_slug(o.title))
    summary = "Meet people from other neighbourhoods."
    starts_at = factory.LazyFunction(
        lambda: (timezone.now() + datetime.timedelta(days=14)).replace(
            hour=10, minute=0, second=0, microsecond=0
        )
    )
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + datetime.timedelta(hours=6))
    registration_closes_at = factory.LazyAttribute(
        lambda o: o.starts_at - datetime.timedelta(days=1)
    )
    venue_name = "Hendon Community Centre"
    venue_address = "1 High Street\nSunderland SR1 1AA"
    region = Region.NORTH_EAST
    capacity = 20
    organiser = factory.SubFactory(UserFactory, role=Role.MANAGER)

    class Params:
        published = factory.Trait(published_at=factory.LazyFunction(timezone.now))


class RegistrationFactory(factory.django.DjangoModelFactory):
    """A confirmed registration, saved as it stands (the service decides
    places: use events.services.registration_submit to test that)."""

    class Meta:
        model = Registration

    event = factory.SubFactory(EventFactory, published=True)
    name = factory.Faker("name", locale="en_GB")
    email = factory.Sequence(lambda n: f"resident{n}@example.org")
    status = Registration.Status.CONFIRMED
    consented_at = factory.LazyFunction(timezone.now)
    confirmed_at = factory.LazyFunction(timezone.now)
    privacy_notice_version = "2026-11-30"

import datetime

import factory
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

from advisers.models import Role, User
from advisers.permissions import TWO_FACTOR_ROLES
from areas.models import Area, Region, Stage
from areas.services import area_change_stage, area_join_programme
from casework.models import SupportRequest, Topic
from casework.services import support_request_submit

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

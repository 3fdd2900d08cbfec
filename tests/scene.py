"""What the permission matrices' pages and endpoints are about, made on
first use (tests/test_permission_matrix.py, tests/api/test_matrix.py)."""

import datetime
from decimal import Decimal
from functools import cached_property

from django.utils import timezone

from advisers import services
from advisers.models import TimeRecord
from areas.models import FundingBid, LocalContact, Partnership, Stage, StageChange
from casework import referrals
from casework.models import Action, Interaction, Partner, SupportRequest, Topic
from evaluation import reports
from evaluation.models import OutcomeRecord, Report
from events.models import Connection, Event
from nfc.periods import add_months, quarter_start
from tests.factories import AreaFactory, EventFactory, RegistrationFactory


class Scene:
    """What the pages are about, made on first use, so each case builds only
    what its address needs: Hendon, advised by Asha (the adviser persona) and
    worked in by Callum (the community worker), with a request, a referral to
    a partner, a contact, a funding bid, and the asker's own time record and
    action."""

    def __init__(self, request):
        self._request = request

    def persona(self, name):
        return self._request.getfixturevalue(name)

    @cached_property
    def area(self):
        area = AreaFactory(name="Hendon", ward_code="E05001158")
        services.area_assign_adviser(area=area, adviser=self.persona("adviser"), by=None)
        services.area_allocate_community_worker(
            area=area, worker=self.persona("community_worker"), by=None
        )
        Partnership.objects.create(area=area, name="Hendon Together")
        return area

    @cached_property
    def support_request(self):
        return SupportRequest.objects.create(
            area=self.area,
            assigned_to=self.persona("adviser"),
            topic=Topic.PEOPLE,
            description="We want more neighbours at our meetings",
            name="Pat Resident",
            email="pat@example.org",
            contact_by="email",
            consented_at=timezone.now(),
            privacy_notice_version="2026-11",
        )

    @cached_property
    def partner(self):
        return Partner.objects.create(
            name="Planning Aid North",
            expertise=["planning"],
            email="help@planningaid.example",
            capacity_days=Decimal("5"),
        )

    @cached_property
    def referral(self):
        return referrals.referral_request(
            area=self.area,
            partner=self.partner,
            help_asked="Advice on a neighbourhood plan",
            by=self.persona("adviser"),
            requested_on=timezone.localdate() - datetime.timedelta(days=3),
        )

    @cached_property
    def stage_change(self):
        return StageChange.objects.create(
            area=self.area, stage=Stage.OUTREACH, changed_on=timezone.localdate()
        )

    @cached_property
    def contact(self):
        return LocalContact.objects.create(
            area=self.area, name="Cllr Pat Jones", kind=LocalContact.Kind.COUNCILLOR
        )

    @cached_property
    def funding_bid(self):
        return FundingBid.objects.create(
            area=self.area, stream=FundingBid.Stream.LOTTERY, amount_sought=Decimal("5000")
        )

    @cached_property
    def event(self):
        # For Hendon's people: an event its adviser may organise too.
        event = EventFactory(invited=Event.Invited.AREAS, region=self.area.region)
        event.areas.set([self.area])
        return event

    @cached_property
    def registration(self):
        return RegistrationFactory(event=self.event, area=self.area)

    @cached_property
    def attendance(self):
        return RegistrationFactory(event=self.event, area=self.area, checked_in_at=timezone.now())

    @cached_property
    def connection(self):
        # Between Hendon and a peer: Hendon's adviser may mark it followed up.
        return Connection.objects.create(
            area_a=self.area,
            area_b=AreaFactory(name="Ryhope"),
            topic="funding",
            origin=Connection.Origin.VISIT,
            made_on=timezone.localdate(),
            recorded_by=self.persona("manager"),
        )

    @cached_property
    def report(self):
        # Hendon's own report, built: its people see it, and its files.
        report = reports.report_request(
            kind=Report.Kind.AREA,
            area=self.area,
            span=Report.Span.QUARTER,
            start=datetime.date(2026, 4, 1),
            end=datetime.date(2026, 7, 1),
            by=None,
            enqueue=False,
        )
        return reports.report_build(report_id=report.pk)

    @cached_property
    def outcome_record(self):
        # Hendon's record of the quarter after it joined.
        return OutcomeRecord.objects.create(
            area=self.area,
            quarter=add_months(quarter_start(self.area.joined_on), 3),
            residents_involved=12,
            volunteers=4,
            leaders=2,
            new_groups=1,
            spaces_in_use=1,
            spaces_owned=0,
            leaders_trained=1,
            recorded_by=self.persona("adviser"),
        )

    def time_record_of(self, user):
        # Anyone may take back their own record; the page's gate is the sign-in.
        return TimeRecord.objects.create(
            person=user,
            role=user.role,
            area=self.area,
            date=timezone.localdate(),
            hours=Decimal("3.75"),
        )

    def interaction_of(self, user):
        # Its author may correct it; the page's gate is "casework.log".
        return Interaction.objects.create(
            area=self.area, logged_by=user, date=timezone.localdate(), kind="call", minutes=20
        )

    def action_of(self, user):
        # Anyone who logs casework closes their own actions.
        return Action.objects.create(
            area=self.area,
            description="Ring the chair about the plan",
            owner=user,
            due_on=timezone.localdate() + datetime.timedelta(days=7),
        )

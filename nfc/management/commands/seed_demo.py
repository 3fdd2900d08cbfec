import random

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from advisers.demo import DEMO_PASSWORD, demo_caseloads_seed, demo_staff_seed, demo_time_seed
from advisers.permissions import two_factor_required
from areas.demo import demo_areas_import, demo_postcodes_import, demo_programme_seed
from casework.demo import demo_casework_seed, demo_referrals_seed
from evaluation.demo import demo_outcomes_seed
from evaluation.report_demo import demo_report_seed
from events.attendance_demo import demo_attendance_seed
from events.demo import demo_events_seed
from events.network_demo import demo_connections_seed


class Command(BaseCommand):
    help = "Load demo data for a local portal. Safe to run again: it adds nothing twice."

    def handle(self, *args, **options):
        if settings.PRODUCTION:
            raise CommandError(
                "seed_demo makes accounts with a published password; never in production."
            )
        # A fixed seed: the same demo every time, on every machine.
        rng = random.Random(2026)
        people = demo_staff_seed()
        demo_areas_import()
        demo_postcodes_import()
        programme = demo_programme_seed(rng=rng)
        demo_caseloads_seed(programme=programme)
        demo_time_seed(rng=rng)
        demo_casework_seed(rng=rng)
        demo_referrals_seed(rng=rng)
        demo_events_seed(rng=rng)
        # After the events' own demo data: who came to those already over.
        demo_attendance_seed(rng=rng)
        demo_connections_seed(rng=rng)
        demo_outcomes_seed(rng=rng)
        # Last: the report counts everything above.
        demo_report_seed()
        self.stdout.write(self.style.SUCCESS("Demo data is ready. Sign in at /accounts/login/ as:"))
        for user in people:
            note = (
                "  (asks you to set up two-factor authentication)"
                if two_factor_required(user)
                else ""
            )
            self.stdout.write(f"  {user.get_role_display():<24} {user.email}{note}")
        self.stdout.write(
            "  (and adviser2@ to adviser10@, community.worker2@ to community.worker20@example.org)"
        )
        self.stdout.write(f"Password for all of them: {DEMO_PASSWORD}")

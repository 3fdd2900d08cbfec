from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from advisers.demo import DEMO_PASSWORD, demo_staff_seed
from advisers.permissions import two_factor_required


class Command(BaseCommand):
    help = "Load demo data for a local portal. Safe to run again: it adds nothing twice."

    def handle(self, *args, **options):
        if settings.PRODUCTION:
            raise CommandError(
                "seed_demo makes accounts with a published password; never in production."
            )
        people = demo_staff_seed()
        self.stdout.write(self.style.SUCCESS("Demo data is ready. Sign in at /accounts/login/ as:"))
        for user in people:
            note = (
                "  (asks you to set up two-factor authentication)"
                if two_factor_required(user)
                else ""
            )
            self.stdout.write(f"  {user.get_role_display():<24} {user.email}{note}")
        self.stdout.write(f"Password for all of them: {DEMO_PASSWORD}")

"""Demo staff for `seed_demo`: one sign-in per role, with a shared password."""

from django.db import transaction

from advisers.models import Role, User

DEMO_PASSWORD = "nfc-demo-only-password"

DEMO_STAFF = [
    ("adviser@example.org", "Asha Adviser", Role.ADVISER),
    ("community.worker@example.org", "Callum Community-Worker", Role.COMMUNITY_WORKER),
    ("manager@example.org", "Mina Manager", Role.MANAGER),
    ("evaluator@example.org", "Evan Evaluator", Role.EVALUATOR),
    ("admin@example.org", "Ada Administrator", Role.ADMINISTRATOR),
]


@transaction.atomic
def demo_staff_seed() -> list[User]:
    """Create or refresh the demo sign-ins; running it again changes nothing new."""
    people = []
    for email, full_name, role in DEMO_STAFF:
        user, created = User.objects.get_or_create(
            email=email, defaults={"full_name": full_name, "role": role}
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        people.append(user)
    return people

import factory
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

from advisers.models import Role, User
from advisers.permissions import TWO_FACTOR_ROLES

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

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone


class Role(models.TextChoices):
    """What a person does at the NfC. Scope (which areas) comes from assignments."""

    ADVISER = "adviser", "Adviser"
    COMMUNITY_WORKER = "community_worker", "Community worker"
    MANAGER = "manager", "Manager"
    EVALUATOR = "evaluator", "Research and evaluation"
    ADMINISTRATOR = "administrator", "Administrator"


ROLE_SUMMARIES = {
    Role.ADVISER: "You are the named adviser for a caseload of up to 10 areas.",
    Role.COMMUNITY_WORKER: "You work on the ground in up to 5 areas, 2 days a month each.",
    Role.MANAGER: "You look after caseloads, workloads and delivery across the programme.",
    Role.EVALUATOR: "You study what works, from counts and anonymised records.",
    Role.ADMINISTRATOR: "You manage staff accounts and the portal's settings.",
}


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email, password=None, **extra_fields):
        if not email:
            raise ValueError("Every account needs an e-mail address.")
        user = self.model(email=normalise_email(email), **extra_fields)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields["role"] = Role.ADMINISTRATOR
        return self.create_user(email, password, **extra_fields)


def normalise_email(email: str) -> str:
    return email.strip().lower()


class User(AbstractBaseUser):
    """A member of NfC staff. Residents never have an account."""

    email = models.EmailField("e-mail address", max_length=254, unique=True)
    full_name = models.CharField(max_length=150)
    role = models.CharField(max_length=32, choices=Role.choices)
    is_active = models.BooleanField(
        "active",
        default=True,
        help_text="Untick to close the account: the person is signed out at once.",
    )
    date_joined = models.DateTimeField(default=timezone.now)
    invitation_sent_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        verbose_name = "staff member"
        verbose_name_plural = "staff"
        ordering = ["full_name"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_unique_ignoring_case"),
            models.CheckConstraint(
                condition=models.Q(role__in=Role.values), name="user_role_known"
            ),
        ]

    def __str__(self) -> str:
        return self.full_name or self.email

    def clean(self):
        super().clean()
        self.email = normalise_email(self.email)

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email

    @property
    def role_summary(self) -> str:
        return ROLE_SUMMARIES[self.role]

    # The Django admin asks these; the answers come from advisers.permissions,
    # the one place that decides who may do what.
    @property
    def is_staff(self) -> bool:
        from advisers.permissions import has_perm

        return has_perm(self, "accounts.manage")

    def has_perm(self, perm: str, obj=None) -> bool:
        from advisers.permissions import has_perm

        return has_perm(self, perm, obj)

    def has_module_perms(self, app_label: str) -> bool:
        from advisers.permissions import has_admin_module_perm

        return has_admin_module_perm(self, app_label)

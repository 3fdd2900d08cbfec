import secrets

from django.core.validators import MaxLengthValidator
from django.db import models

# Crockford's base 32: no I, L, O or U, so a reference read aloud or typed
# from a letter is not mistaken.
REFERENCE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
DESCRIPTION_MAX_LENGTH = 2000


def new_reference() -> str:
    """A short reference like NFC-7KQ4-2M9D (40 random bits)."""
    chars = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))
    return f"NFC-{chars[:4]}-{chars[4:]}"


class Topic(models.TextChoices):
    """The report's five challenges, in residents' words, and anything else."""

    PLAN = "plan", "Getting started and making a plan for our area"
    SKILLS = "skills", "Learning how to do things, like running meetings or managing money"
    PEOPLE = "people", "Getting more people involved"
    COUNCIL = "council", "Dealing with the council or people who give money"
    NETWORKS = "networks", "Meeting people from other areas who can help"
    OTHER = "other", "Something else"


class ContactBy(models.TextChoices):
    EMAIL = "email", "E-mail"
    PHONE = "phone", "Phone"


class SupportRequest(models.Model):
    """A resident's request for help, from the public form."""

    class Status(models.TextChoices):
        NEW = "new", "New"
        ACKNOWLEDGED = "acknowledged", "Acknowledged"
        IN_PROGRESS = "in_progress", "In progress"
        WAITING = "waiting", "Waiting on the group"
        REFERRED = "referred", "Referred"
        RESOLVED = "resolved", "Resolved"
        CLOSED = "closed", "Closed"

    reference = models.CharField(max_length=13, unique=True, default=new_reference, editable=False)
    area = models.ForeignKey(
        "areas.Area",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="support_requests",
    )
    postcode = models.CharField(max_length=8, blank=True)
    topic = models.CharField(max_length=20, choices=Topic.choices)
    description = models.TextField(validators=[MaxLengthValidator(DESCRIPTION_MAX_LENGTH)])
    for_group = models.BooleanField(default=False)
    group_name = models.CharField(max_length=150, blank=True)
    name = models.CharField(max_length=100)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=30, blank=True)
    contact_by = models.CharField(max_length=10, choices=ContactBy.choices)
    # Both consents are required to send the form; when they were given, and
    # which privacy notice the person saw, are kept as the record of consent.
    consented_at = models.DateTimeField()
    privacy_notice_version = models.CharField(max_length=20)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NEW)
    created_at = models.DateTimeField(auto_now_add=True)
    acknowledgement_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["acknowledgement_sent_at", "created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(email="", phone=""), name="support_request_has_a_way_to_reply"
            ),
            models.CheckConstraint(
                condition=models.Q(for_group=False) | ~models.Q(group_name=""),
                name="support_request_group_is_named",
            ),
        ]

    def __str__(self) -> str:
        return self.reference


class SpamCount(models.Model):
    """How many help-form posts were turned away, by day and reason.

    Rejected posts are counted, never stored: they may hold someone's data.
    """

    class Reason(models.TextChoices):
        HONEYPOT = "honeypot", "Hidden field filled in"
        TOO_FAST = "too_fast", "Sent too soon after the page loaded"
        BAD_TOKEN = "bad_token", "Form token missing or forged"
        RATE_LIMIT = "rate_limit", "Too many from one address"

    day = models.DateField()
    reason = models.CharField(max_length=20, choices=Reason.choices)
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", "reason"], name="spam_count_per_day")]

    def __str__(self) -> str:
        return f"{self.day}: {self.count} × {self.get_reason_display()}"


class Signposting(models.Model):
    """The kind words a resident outside our areas gets: who else can help.
    Managers keep them up to date; the latest version is used."""

    text = models.TextField(validators=[MaxLengthValidator(3000)])
    updated_at = models.DateTimeField(auto_now_add=True)
    updated_by = models.ForeignKey(
        "advisers.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-updated_at", "-pk"]
        verbose_name_plural = "signposting"

    def __str__(self) -> str:
        return f"Signposting of {self.updated_at:%d %b %Y}"

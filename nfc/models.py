"""Webhooks: systems outside the portal told when something happens here.

An administrator registers a receiver's address and the events it wants
(on the admin site); each event becomes one delivery per such receiver,
sent by a Celery job (nfc.tasks) and kept here with every answer, so the
administrator can see what was sent and send it again.

A delivery says what happened and where to read more through the API
(with the receiver's own token): never a resident's details.
"""

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone

from nfc.validators import webhook_url


def _new_secret() -> str:
    return secrets.token_hex(32)


class Webhook(models.Model):
    class Event(models.TextChoices):
        REQUEST_RECEIVED = "request.received", "A request for help received"
        REQUEST_CLOSED = "request.closed", "A request for help resolved or closed"
        REFERRAL_OUTCOME_RECORDED = "referral.outcome_recorded", "A referral's outcome recorded"
        REPORT_FINISHED = "report.finished", "An evaluation report finished"

    name = models.CharField(max_length=100, help_text="Whose system it is, or what it is for.")
    url = models.URLField(
        "address",
        max_length=500,
        validators=[webhook_url],
        help_text="Where each delivery is posted: an http:// or https:// address.",
    )
    # A list of Event values; JSON rather than an array, so the local SQLite
    # database holds it too.
    events = models.JSONField(default=list)
    # Signs each delivery (X-NfC-Signature); shown to administrators, who
    # give it to the receiver, and never sent.
    secret = models.CharField(max_length=64, default=_new_secret, editable=False)
    active = models.BooleanField(default=True, help_text="Untick to stop deliveries for now.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class WebhookDelivery(models.Model):
    """One event for one webhook, and every try to deliver it."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to be sent"
        RETRYING = "retrying", "Failed; will try again"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed; gave up"

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(max_length=40, choices=Webhook.Event.choices)
    payload = models.JSONField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    # Each try: when, how long it took, the answer's code (or what went
    # wrong) and the start of its body.
    attempts = models.JSONField(default=list)
    last_status_code = models.PositiveSmallIntegerField("last answer", null=True, blank=True)
    last_answer = models.CharField("last answer's start", max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_tried_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    next_try_at = models.DateTimeField(null=True, blank=True)
    # Claimed by the job posting it until then: a retry and the sweep's
    # resend cannot both post it at once.
    sending_until = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name_plural = "webhook deliveries"
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["webhook", "-created_at"], name="delivery_by_webhook")]

    def __str__(self) -> str:
        return f"{self.event} to {self.webhook} ({self.get_status_display().lower()})"

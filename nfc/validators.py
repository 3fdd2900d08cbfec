"""Validators every app's forms and models share."""

import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone


def not_in_the_future(value: datetime.date) -> None:
    """A date of something that has happened: today at the latest.

    A record dated ahead would hold every later record back (a stage "from
    next January" refused every move before it), so future dates are
    refused wherever people date what they did.
    """
    if value and value > timezone.localdate():
        raise ValidationError("The date cannot be in the future.", code="future")


def not_in_the_past(value: datetime.date) -> None:
    """A date something is due: today at the earliest."""
    if value and value < timezone.localdate():
        raise ValidationError("The date cannot be in the past.", code="past")

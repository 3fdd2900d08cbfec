"""Validators every app's forms and models share."""

import datetime
import re

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


# Digits, spaces, brackets and hyphens, as people write phone numbers, after
# an optional + for a number from abroad.
_PHONE_SHAPE = re.compile(r"\+?[0-9 ()-]+")
PHONE_MESSAGE = (
    "Enter a phone number, like 0191 498 0000, or one from another country "
    "starting with +, like +44 191 498 0000."
)


def phone_number(value: str) -> str:
    """A UK phone number (0, then 9 or 10 more digits) or one from another
    country (+, its country code and number: 8 to 15 digits), returned with
    runs of spaces made single. Anything else in it (letters, a line break
    to start a new line in an export, characters that turn text around) is
    refused."""
    text = re.sub(" +", " ", value.strip())
    if not _PHONE_SHAPE.fullmatch(text):
        raise ValidationError(PHONE_MESSAGE, code="phone")
    if text.startswith("+"):
        # "+44 (0)191 ...": the 0 in brackets is dialled only from home.
        digits = re.sub(r"\D", "", text.replace("(0)", "", 1))
        valid = 8 <= len(digits) <= 15 and not digits.startswith("0")
    else:
        digits = re.sub(r"\D", "", text)
        valid = digits.startswith("0") and 10 <= len(digits) <= 11
    if not valid:
        raise ValidationError(PHONE_MESSAGE, code="phone")
    return text

"""The web's own forms, reused by the API to check what a call sends, so a
mistake gets the same words through either (and one set of rules, not two
that drift apart)."""

from collections.abc import Iterable

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS
from rest_framework import serializers

from nfc.api.errors import NON_FIELD


def refuse_unknown(data, allowed: Iterable[str]) -> None:
    """400 for any field the caller may not set here (an organiser, a
    status, a field of another role): refused and named, never quietly
    ignored. A body that is not an object is refused too."""
    if not isinstance(data, dict):
        raise serializers.ValidationError({NON_FIELD: ["Send a JSON object."]})
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise serializers.ValidationError(
            {name: ["This field cannot be set here."] for name in unknown}
        )


def valid(form: forms.BaseForm) -> dict:
    """The form's cleaned data, or a 400 with its messages, field by field
    (its form-wide ones under ``non_field_errors``)."""
    if not form.is_valid():
        raise serializers.ValidationError(
            {
                (NON_FIELD if name == NON_FIELD_ERRORS else name): list(messages)
                for name, messages in form.errors.items()
            }
        )
    return form.cleaned_data

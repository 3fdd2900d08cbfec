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


_SCALARS = (str, int, float, bool)


def form_data(
    data, *, allowed: Iterable[str], lists: Iterable[str] = (), raw: Iterable[str] = ()
) -> dict:
    """What a JSON body sends, checked for fields the caller may not set
    (refuse_unknown) and made what a form reads from a page: text (numbers
    and true or false as their words, null as nothing), and a list of them
    for the fields named in ``lists``; ``raw`` fields are left as sent, for
    the view to read. An object, or a list where one value is wanted, is
    refused (a 400), never handed to a form that expects text."""
    refuse_unknown(data, allowed)
    lists, raw = frozenset(lists), frozenset(raw)
    wrong: dict[str, list[str]] = {}
    as_text: dict = {}
    for name, value in data.items():
        if name in raw:
            as_text[name] = value
            continue
        if name in lists:
            if not isinstance(value, list) or not all(isinstance(v, _SCALARS) for v in value):
                wrong[name] = ["Send a list of values."]
                continue
            texts = [str(v) for v in value]
        elif value is None:
            texts = [""]
        elif isinstance(value, _SCALARS):
            texts = [str(value)]
        else:
            wrong[name] = ["Send one value, not a list or an object."]
            continue
        # PostgreSQL can neither keep nor look up text with a NUL in it: the
        # view would fail before a form's own check said so.
        if any("\x00" in text for text in texts):
            wrong[name] = ["Null characters are not allowed."]
        else:
            as_text[name] = texts if name in lists else texts[0]
    if wrong:
        raise serializers.ValidationError(wrong)
    return as_text


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

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions
from rest_framework.views import exception_handler as drf_exception_handler

NON_FIELD = "non_field_errors"

# Refusals DRF gives before it throttles (it checks who is calling, and
# what they may do, first).
_REFUSED_BEFORE_THROTTLING = (
    exceptions.NotAuthenticated,
    exceptions.AuthenticationFailed,
    exceptions.PermissionDenied,
)


def exception_handler(error, context):
    """As DRF's, and a service's ValidationError (the same rule the forms
    show) becomes a 400 with a message per field, or under
    ``non_field_errors`` when it names no field; so does a DRF one raised
    without a field."""
    if isinstance(error, DjangoValidationError):
        if hasattr(error, "error_dict"):
            detail = {
                (NON_FIELD if field == "__all__" else field): messages
                for field, messages in error.message_dict.items()
            }
        else:
            detail = {NON_FIELD: error.messages}
        error = exceptions.ValidationError(detail)
    elif isinstance(error, exceptions.ValidationError) and not isinstance(error.detail, dict):
        # A message raised without a field (``ValidationError("…")``) keeps
        # the one shape every 400 has (nfc/api/schema.py): under non_field_errors.
        error = exceptions.ValidationError({NON_FIELD: error.detail})
    elif isinstance(error, _REFUSED_BEFORE_THROTTLING):
        error = _counted(error, context)
    return drf_exception_handler(error, context)


def _counted(error, context):
    """A refused call counts against the caller's limit too: guessing
    tokens, or knocking without one, is limited per address like any
    anonymous call, and a token's refusals count against the token. Over
    the limit, the answer is 429, not the refusal."""
    view, request = context.get("view"), context.get("request")
    if view is None or request is None or getattr(request, "nfc_throttled", False):
        return error
    waits = [
        throttle.wait()
        for throttle in view.get_throttles()
        if not throttle.allow_request(request, view)
    ]
    if not waits:
        return error
    known = [wait for wait in waits if wait is not None]
    return exceptions.Throttled(max(known) if known else None)

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions
from rest_framework.views import exception_handler as drf_exception_handler

NON_FIELD = "non_field_errors"


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
    return drf_exception_handler(error, context)

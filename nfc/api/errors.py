from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions
from rest_framework.views import exception_handler as drf_exception_handler

NON_FIELD = "non_field_errors"


def exception_handler(error, context):
    """As DRF's, and a service's ValidationError (the same rule the forms
    show) becomes a 400 with a message per field, or under
    ``non_field_errors`` when it names no field."""
    if isinstance(error, DjangoValidationError):
        if hasattr(error, "error_dict"):
            detail = {
                (NON_FIELD if field == "__all__" else field): messages
                for field, messages in error.message_dict.items()
            }
        else:
            detail = {NON_FIELD: error.messages}
        error = exceptions.ValidationError(detail)
    return drf_exception_handler(error, context)

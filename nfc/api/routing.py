from django.contrib.auth.decorators import login_not_required
from django.urls import URLPattern, URLResolver


def answering_for_themselves(patterns: list) -> list:
    """The API's addresses, each marked ``login_not_required``: the API
    answers 401 or 403 in JSON itself, where a page would send a person to
    the sign-in page."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            answering_for_themselves(pattern.url_patterns)
        elif isinstance(pattern, URLPattern):
            login_not_required(pattern.callback)
    return patterns

"""What reverse() reads besides its arguments, for the caches of addresses
worked out once a process (the menu's, the lists' links to areas)."""

from django.conf import settings
from django.urls import get_urlconf

# Each cache holds an entry per script prefix and URL configuration; the
# prefix comes from the proxy's headers, so the caches are bounded rather
# than trusting it to send only the one.
ADDRESSES_KEPT = 256


def urlconf_in_use() -> str:
    """The URL configuration reverse() reads: the request's, or the
    settings' (which a test may change)."""
    return get_urlconf() or settings.ROOT_URLCONF

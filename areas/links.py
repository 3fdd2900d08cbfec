"""Addresses of many areas' staff pages at once: a list of a few hundred
areas reversed one by one (some 100 µs each on a 2-core server) costs a
page more than its queries."""

from collections.abc import Callable

from django.urls import reverse

# Never a real ward (real codes are E05 and six digits), so it appears in
# the reversed address only where the ward code goes.
_STAND_IN = "E00000000"


def area_page_addresses() -> Callable[[str], str]:
    """A function from a ward code to its area's staff page, the same
    address as ``reverse("areas:detail", args=[ward_code])``, reversed once."""
    address = reverse("areas:detail", args=[_STAND_IN])
    return lambda ward_code: address.replace(_STAND_IN, ward_code)

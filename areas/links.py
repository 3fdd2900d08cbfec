"""Addresses of many objects' pages at once: a list of a few hundred rows
reversed one by one (some 100 µs each on a 2-core server) costs a page more
than its queries."""

import functools
from collections.abc import Callable

from django.urls import get_script_prefix, reverse

from nfc.reversing import ADDRESSES_KEPT, urlconf_in_use

# Never a real ward (real codes are E05 and six digits), so it appears in
# the reversed address only where the ward code goes.
_STAND_IN = "E00000000"
# Stand-ins for the arguments of addresses(): each matches the int, slug and
# str converters and can appear nowhere else in an address.
_STAND_INS = ("900000001", "900000002", "900000003")


def area_page_addresses() -> Callable[[str], str]:
    """A function from a ward code to its area's staff page, the same
    address as ``reverse("areas:detail", args=[ward_code])``, reversed once."""
    address = _reversed("areas:detail", (_STAND_IN,), get_script_prefix(), urlconf_in_use())
    return lambda ward_code: address.replace(_STAND_IN, ward_code)


def addresses(viewname: str, arguments: int) -> Callable[..., str]:
    """A function from a view's ``arguments`` (ward codes, slugs, ids: path
    segments that need no quoting) to its address, the same as ``reverse(
    viewname, args=[...])``, reversed once."""
    stand_ins = _STAND_INS[:arguments]
    pieces = [_reversed(viewname, stand_ins, get_script_prefix(), urlconf_in_use())]
    for stand_in in stand_ins:
        head, tail = pieces[-1].split(stand_in)
        pieces[-1:] = [head, tail]

    def address(*args) -> str:
        out = [pieces[0]]
        for arg, piece in zip(args, pieces[1:], strict=True):
            out += [str(arg), piece]
        return "".join(out)

    return address


@functools.lru_cache(maxsize=ADDRESSES_KEPT)
def _reversed(viewname: str, args: tuple[str, ...], script_prefix: str, urlconf: str) -> str:
    """``reverse(viewname, args=args)`` once a process for each script prefix
    and URL configuration (what reverse() reads besides its arguments): a
    busy page makes a handful of lists, each of which would reverse again."""
    return reverse(viewname, args=args)

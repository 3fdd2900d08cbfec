"""Validators every app's forms and models share."""

import datetime
import ipaddress
import re
import socket
from urllib.parse import urlsplit

from django.conf import settings
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


class AddressRefused(ValueError):
    """A webhook's host is not one the portal may post to."""


# IPv6 prefixes that carry an IPv4 address inside them (NAT64's well-known
# prefix): Python calls them global whatever the address inside.
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def _public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Whether ``address`` is on the public internet, looking inside IPv6
    addresses that carry an IPv4 one (mapped, 6to4, NAT64): 64:ff9b::a9fe:a9fe
    is 169.254.169.254."""
    if isinstance(address, ipaddress.IPv6Address):
        inner = address.ipv4_mapped or address.sixtofour
        if inner is None and address in _NAT64:
            inner = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if inner is not None and not inner.is_global:
            return False
    return address.is_global


def webhook_addresses(host: str, port: int) -> list[str]:
    """The addresses ``host`` resolves to, once each, all of them on the
    public internet unless NFC_WEBHOOK_PRIVATE_ADDRESSES allows others.

    An administrator's mistake, or a stolen administrator account, must not
    make the portal post to its own database, Redis or a cloud's metadata
    service (169.254.169.254): private, loopback, link-local and reserved
    addresses are refused. The delivery connects to an address checked here,
    so a name that resolves differently a moment later changes nothing.
    """
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise AddressRefused(f"{host} was not found.") from error
    addresses = list(dict.fromkeys(str(info[4][0]) for info in found))
    if not settings.NFC_WEBHOOK_PRIVATE_ADDRESSES:
        for address in addresses:
            if not _public(ipaddress.ip_address(address.split("%")[0])):
                raise AddressRefused(
                    f"{host} is a private or local address ({address}); "
                    "webhooks go to addresses on the internet."
                )
    return addresses


def webhook_url(value: str) -> None:
    """A webhook's address: http:// or https://, with a host the portal may
    post to (webhook_addresses)."""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError(
            "Give an address starting http:// or https://.", code="webhook_scheme"
        )
    if parts.username or parts.password:
        raise ValidationError(
            "Leave any name and password out of the address: check the signature instead.",
            code="webhook_credentials",
        )
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        # Where private addresses are allowed (development), the name need
        # not resolve yet: the receiver may not be running.
        if not settings.NFC_WEBHOOK_PRIVATE_ADDRESSES:
            webhook_addresses(parts.hostname, port)
    except AddressRefused as error:
        raise ValidationError(str(error), code="webhook_address") from error
    except ValueError as error:
        raise ValidationError("That address has no valid port.", code="webhook_port") from error

"""What each person can reach, shown in the header and on their home page.

Each app adds its pages here with the permission that opens them, so the
menu never offers a page that would answer 403.
"""

import functools
import html
from dataclasses import dataclass

from django.urls import get_script_prefix, reverse
from django.utils.safestring import SafeString, mark_safe

from advisers.permissions import has_perm
from nfc.reversing import ADDRESSES_KEPT, urlconf_in_use


@dataclass(frozen=True)
class Destination:
    label: str
    url_name: str
    perm: str
    description: str

    @property
    def url(self) -> str:
        return _address(self.url_name, get_script_prefix(), urlconf_in_use())


@functools.lru_cache(maxsize=ADDRESSES_KEPT)
def _address(url_name: str, script_prefix: str, urlconf: str) -> str:
    """A page's address, worked out once a process for each prefix the
    portal is served under (and URL configuration, which tests change):
    reverse() for every menu entry, twice each, was a tenth of a staff
    page's time. ``script_prefix`` is what reverse() reads itself."""
    return reverse(url_name, urlconf=urlconf)


DESTINATIONS = [
    Destination("Home", "advisers:home", "portal.use", "Your start page."),
    Destination(
        "Dashboard",
        "dashboard:index",
        "dashboard.view",
        "Caseloads, the 2 + 2 days each area gets, requests, actions and funding at a glance.",
    ),
    Destination(
        "Reports",
        "reports:list",
        "reports.view",
        "Evaluation reports: read them, download the PDF, workbook and open data, start one.",
    ),
    Destination(
        "Areas",
        "areas:list",
        "areas.view",
        "Neighbourhoods: their facts, people, time and funding.",
    ),
    Destination(
        "Requests",
        "casework:request_list",
        "casework.view",
        "Residents' requests for help: new ones, open ones, and those waiting in triage.",
    ),
    Destination(
        "Referrals",
        "referrals:list",
        "casework.view",
        "Referrals to specialist partners, and the days each partner has left this year.",
    ),
    Destination(
        "My actions",
        "casework:my_actions",
        "casework.log",
        "The follow-up actions you own, the overdue ones first.",
    ),
    Destination(
        "Events",
        "events:list",
        "events.view",
        "Networking events: organise them, and see who is coming and who is waiting.",
    ),
    Destination(
        "Network",
        "events:network",
        "connections.view",
        "The connections between areas, the areas with none, and peers to introduce.",
    ),
    Destination(
        "Search",
        "casework:search",
        "casework.view",
        "Find words in requests, residents' messages, interactions, actions and referrals.",
    ),
    Destination(
        "Audit history",
        "casework:audit",
        "audit.view",
        "Who changed what in the casework, the areas and the staff accounts, and when.",
    ),
    Destination(
        "Residents' data",
        "casework:resident_data",
        "residents.manage_data",
        "Residents' requests to see, correct or delete the details we hold about them.",
    ),
    Destination(
        "Caseloads",
        "advisers:caseloads",
        "caseloads.manage",
        "Who holds how many areas, and who has room for more.",
    ),
    Destination(
        "Signposting",
        "casework:signposting",
        "signposting.edit",
        "The words that tell people outside our areas who else can help.",
    ),
    Destination(
        "Staff accounts",
        "admin:index",
        "accounts.manage",
        "Invite staff, change their roles and close accounts.",
    ),
    Destination(
        "Account security",
        "mfa_index",
        "portal.use",
        "Two-factor authentication and recovery codes.",
    ),
    Destination(
        "API tokens",
        "advisers:api_tokens",
        "portal.use",
        "Personal tokens for scripts and other systems that use the portal's API.",
    ),
    Destination(
        "Change password", "account_change_password", "portal.use", "Choose a new password."
    ),
]


def destinations_for(user) -> list[Destination]:
    return [d for d in DESTINATIONS if has_perm(user, d.perm)]


def address(url_name: str) -> str:
    """A page's address with no arguments, as {% url %} gives it, worked
    out once a process (as the menu's)."""
    return _address(url_name, get_script_prefix(), urlconf_in_use())


def addresses_of(destinations: list[Destination]) -> list[str]:
    """Each of ``destinations``' ``url``, with what reverse() reads besides
    its arguments asked once, not once a destination (two lookups of the
    request's own values each, a third of a menu's time)."""
    script_prefix, urlconf = get_script_prefix(), urlconf_in_use()
    return [_address(destination.url_name, script_prefix, urlconf) for destination in destinations]


def menu_lines(destinations: list[Destination], path: str) -> SafeString:
    """The header menu's lines, as base.html's loop over ``destinations``
    drew them, the page at ``path`` marked current. Written here because
    the loop, on every staff page, was half of base.html's time."""
    lines = []
    for destination, url in zip(destinations, addresses_of(destinations), strict=True):
        current = ' aria-current="page"' if path == url else ""
        lines.append(
            f'\n              <li><a href="{html.escape(url)}"{current}>'
            f"{html.escape(destination.label)}</a></li>\n            "
        )
    # Both values escaped (html.escape is what Django's escape calls); the
    # rest is this function's own markup.
    return mark_safe("".join(lines))

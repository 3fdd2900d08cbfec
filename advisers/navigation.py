"""What each person can reach, shown in the header and on their home page.

Each app adds its pages here with the permission that opens them, so the
menu never offers a page that would answer 403.
"""

import functools
from dataclasses import dataclass

from django.urls import get_script_prefix, get_urlconf, reverse

from advisers.permissions import has_perm


@dataclass(frozen=True)
class Destination:
    label: str
    url_name: str
    perm: str
    description: str

    @property
    def url(self) -> str:
        return _address(get_script_prefix(), get_urlconf(), self.url_name)


@functools.cache
def _address(prefix: str, urlconf: str | None, url_name: str) -> str:
    """The address of ``url_name``, reversed once a process (for the prefix
    and URLconf reverse would use): the menu and the home page draw each of
    a dozen of them on every page."""
    return reverse(url_name)


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

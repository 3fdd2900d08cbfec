"""What the casework API's tests share: requests made as the help form
makes them, and the query count of one call."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from casework.models import SupportRequest, Topic


def a_request(area, *, assigned_to=None, **fields) -> SupportRequest:
    values = {
        "topic": Topic.PEOPLE,
        "description": "We want more neighbours at our meetings",
        "name": "Pat Resident",
        "email": "pat@example.org",
        "phone": "0191 496 0000",
        "postcode": "SR2 8AA",
        "contact_by": "email",
        "consented_at": timezone.now(),
        "privacy_notice_version": "2026-11",
        **fields,
    }
    return SupportRequest.objects.create(area=area, assigned_to=assigned_to, **values)


def queries_of(client, url: str) -> int:
    """How many queries one GET of ``url`` costs (after a first call, so a
    token's first use, which notes when it was used, is not counted)."""
    assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return len(captured)


def costs_the_same(django_assert_num_queries, client, url: str, queries: int) -> None:
    """One GET of ``url`` costs exactly ``queries`` queries."""
    with django_assert_num_queries(queries):
        response = client.get(url)
    assert response.status_code == 200, response.content

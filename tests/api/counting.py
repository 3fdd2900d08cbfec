"""Counting the queries an API call makes, to show a list costs the same
as its data grows tenfold."""

from django.db import connection
from django.test.utils import CaptureQueriesContext


def queries_for(client, url: str) -> int:
    """How many queries one GET of ``url`` makes (after a first call, which
    may note when the token was last used)."""
    assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return len(queries)

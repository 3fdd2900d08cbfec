"""GIN indexes for searching residents' messages, follow-up actions and
referrals, on PostgreSQL only, as 0012 does for requests and interactions.

The fields must be casework.selectors.SEARCH_KINDS' own, or PostgreSQL will
not use the index: a test checks that they are.
"""

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.db import migrations

INDEXES = [
    ("ResidentMessage", "resident_message_search_idx", ["text"]),
    ("Action", "action_search_idx", ["description"]),
    ("Referral", "referral_search_idx", ["help_asked", "outcome"]),
]


def _indexes(apps):
    for model_name, name, fields in INDEXES:
        index = GinIndex(SearchVector(*fields, config="english"), name=name)
        yield apps.get_model("casework", model_name), index


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for model, index in _indexes(apps):
        schema_editor.add_index(model, index)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for model, index in _indexes(apps):
        schema_editor.remove_index(model, index)


class Migration(migrations.Migration):
    dependencies = [("casework", "0016_audit_area_and_removals")]

    operations = [migrations.RunPython(create, drop)]

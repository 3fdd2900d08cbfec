"""GIN indexes for full-text search, on PostgreSQL only.

The local SQLite default searches with a plain match and has no such
index. The fields must be casework.selectors' own, or PostgreSQL will not
use the index: a test checks that they are.
"""

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.db import migrations

INDEXES = [
    ("SupportRequest", "support_request_search_idx", ["reference", "description", "group_name"]),
    ("Interaction", "interaction_search_idx", ["notes", "next_steps"]),
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
    dependencies = [("casework", "0011_dashboard_indexes")]

    operations = [migrations.RunPython(create, drop)]

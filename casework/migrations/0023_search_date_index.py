"""An index on interactions' dates, on PostgreSQL only, for search: a
common word matches tens of thousands of interactions, and the newest of
them are found by meeting its full-text index (0012) with this one over
the last days' rows (casework.selectors._search_page), rather than by
reading every match for its date. Requests' created_at has its own index
already; the other kinds have too few rows to need one.
"""

from django.db import migrations, models

INDEX = models.Index(fields=["date"], name="interaction_date_idx")


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.add_index(apps.get_model("casework", "Interaction"), INDEX)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.remove_index(apps.get_model("casework", "Interaction"), INDEX)


class Migration(migrations.Migration):
    dependencies = [("casework", "0022_data_request_subject_for_records_beyond_requests")]

    operations = [migrations.RunPython(create, drop)]

# The response times' indexes carry created_at, so the dashboard's medians
# are read from them alone (an index-only scan), not from the table.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("casework", "0025_interaction_area_indexes"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="supportrequest",
            name="casework_su_first_c_9d0dea_idx",
        ),
        migrations.RemoveIndex(
            model_name="supportrequest",
            name="casework_su_resolve_0a296a_idx",
        ),
        migrations.AddIndex(
            model_name="supportrequest",
            index=models.Index(
                fields=["first_contact_at"],
                include=("created_at",),
                name="support_request_contacted_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="supportrequest",
            index=models.Index(
                fields=["resolved_at"], include=("created_at",), name="support_request_resolved_idx"
            ),
        ),
    ]

# The dashboard's overdue actions (by area and by owner) find the few
# hundred open actions by their date from this index, not by reading every
# action ever set.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("casework", "0026_response_time_indexes_carry_created_at"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="action",
            index=models.Index(
                condition=models.Q(("done_at__isnull", True)),
                fields=["due_on"],
                name="action_open_due_idx",
            ),
        ),
    ]

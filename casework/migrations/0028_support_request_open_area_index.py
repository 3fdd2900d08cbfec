# Each area's open requests counted from a partial index on the area alone
# (the caseload's open requests column: 0.9 -> 0.06 ms for ten areas).

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("areas", "0005_stage_change_withdrawal"),
        ("casework", "0027_action_open_due_index"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name="supportrequest",
            index=models.Index(
                condition=models.Q(("status__in", ["resolved", "closed"]), _negated=True),
                fields=["area"],
                name="support_request_open_area_idx",
            ),
        ),
    ]

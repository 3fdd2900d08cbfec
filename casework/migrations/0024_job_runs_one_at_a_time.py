"""A scheduled job runs once at a time, whichever worker takes it: one
unfinished run per job. Runs left unfinished by a worker that was lost
are closed as failed first."""

from django.db import migrations, models
from django.db.models import F


def close_lost_runs(apps, schema_editor):
    JobRun = apps.get_model("casework", "JobRun")
    JobRun.objects.filter(finished_at=None).update(finished_at=F("started_at"), failed=True)


class Migration(migrations.Migration):
    dependencies = [
        ("casework", "0023_search_date_index"),
    ]

    operations = [
        migrations.RunPython(close_lost_runs, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="jobrun",
            constraint=models.UniqueConstraint(
                condition=models.Q(("finished_at__isnull", True)),
                fields=("name",),
                name="job_run_one_unfinished_per_job",
            ),
        ),
    ]

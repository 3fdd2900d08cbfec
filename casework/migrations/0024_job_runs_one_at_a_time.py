"""A scheduled job runs once at a time, whichever worker takes it: one
unfinished run per job. Runs left unfinished by a worker that was lost
are closed as failed first; a run still going as the release migrates (the
newest of its job, younger than Celery's time limit) is left to finish."""

import datetime

from django.conf import settings
from django.db import migrations, models
from django.db.models import F
from django.utils import timezone


def close_lost_runs(apps, schema_editor):
    JobRun = apps.get_model("casework", "JobRun")
    unfinished = JobRun.objects.filter(finished_at=None)
    going_since = timezone.now() - datetime.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 60)
    still_going = []
    for name in unfinished.values_list("name", flat=True).distinct():
        newest = unfinished.filter(name=name).order_by("-started_at", "-pk").first()
        if newest.started_at >= going_since:
            still_going.append(newest.pk)
    unfinished.exclude(pk__in=still_going).update(finished_at=F("started_at"), failed=True)


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

"""A data request may be about a record that is not a help request (an
event registration): its request becomes optional, and each names its
subject, a request's reference for those made before."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def subjects_from_references(apps, schema_editor):
    DataRequest = apps.get_model("casework", "DataRequest")
    SupportRequest = apps.get_model("casework", "SupportRequest")
    DataRequest.objects.filter(subject="").update(
        subject=Subquery(
            SupportRequest.objects.filter(pk=OuterRef("support_request_id")).values("reference")[:1]
        )
    )


class Migration(migrations.Migration):
    dependencies = [
        ("casework", "0021_support_request_form_token_used_once"),
    ]

    operations = [
        migrations.AlterField(
            model_name="datarequest",
            name="support_request",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="data_requests",
                to="casework.supportrequest",
            ),
        ),
        migrations.AddField(
            model_name="datarequest",
            name="subject",
            field=models.CharField(default="", max_length=40),
            preserve_default=False,
        ),
        migrations.RunPython(subjects_from_references, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="datarequest",
            index=models.Index(fields=["kind", "subject"], name="data_request_kind_subject_idx"),
        ),
    ]

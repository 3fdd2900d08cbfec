"""Audit entries belong to an area, so the history can be filtered by area
and a regional lead sees their region's; removals are recorded too.

The entries kept so far (of requests, interactions and referrals) take the
area of their record, where it still exists and has one."""

import django.db.models.deletion
from django.db import migrations, models


def give_earlier_entries_their_area(apps, schema_editor):
    AuditEntry = apps.get_model("casework", "AuditEntry")
    ContentType = apps.get_model("contenttypes", "ContentType")
    AuditEntry.objects.filter(support_request__isnull=False).update(
        area_id=models.Subquery(
            apps.get_model("casework", "SupportRequest")
            .objects.filter(pk=models.OuterRef("support_request_id"))
            .values("area_id")[:1]
        )
    )
    for model_name in ("interaction", "referral"):
        content_type = ContentType.objects.filter(app_label="casework", model=model_name).first()
        if content_type is None:
            continue
        model = apps.get_model("casework", model_name)
        AuditEntry.objects.filter(content_type=content_type).update(
            area_id=models.Subquery(
                model.objects.filter(pk=models.OuterRef("object_id")).values("area_id")[:1]
            )
        )


class Migration(migrations.Migration):
    dependencies = [
        ("areas", "0004_dates_not_in_the_future"),
        ("casework", "0015_interaction_time_record"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.AddField(
            model_name="auditentry",
            name="area",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="areas.area",
            ),
        ),
        migrations.AlterField(
            model_name="auditentry",
            name="action",
            field=models.CharField(
                choices=[("created", "Created"), ("changed", "Changed"), ("removed", "Removed")],
                max_length=10,
            ),
        ),
        migrations.AddIndex(
            model_name="auditentry",
            index=models.Index(fields=["at"], name="casework_au_at_1576a3_idx"),
        ),
        migrations.RunPython(give_earlier_entries_their_area, migrations.RunPython.noop),
    ]

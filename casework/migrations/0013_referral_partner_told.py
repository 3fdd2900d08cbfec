"""Referrals remember when their partner was told; the referrals made before
partners were told by e-mail count as told, so the sweep sends them nothing."""

from django.db import migrations, models


def count_earlier_referrals_as_told(apps, schema_editor):
    Referral = apps.get_model("casework", "Referral")
    Referral.objects.filter(partner_told_at__isnull=True).update(
        partner_told_at=models.F("created_at")
    )


class Migration(migrations.Migration):
    dependencies = [
        ("casework", "0012_search_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="referral",
            name="partner_told_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(count_earlier_referrals_as_told, migrations.RunPython.noop),
    ]

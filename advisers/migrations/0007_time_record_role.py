"""Each time record keeps the role its giver had when they gave it.

Until now time counted under the role the person has today, so changing a
person's role moved all their past days to the other side of the 2 + 2
model. Records made before this migration had no role of their own: the
nearest the portal can know is the place the person held in that area on
that day (named adviser, or community worker; their role today first where
they held both), and their role today where they held neither. A role that
changed without any assignment to show it cannot be known better.
"""

from django.db import migrations, models
from django.db.models import Exists, OuterRef, Q, Subquery

ADVISER = "adviser"
COMMUNITY_WORKER = "community_worker"


def fill_roles(apps, schema_editor):
    TimeRecord = apps.get_model("advisers", "TimeRecord")
    AdviserAssignment = apps.get_model("advisers", "AdviserAssignment")
    CommunityWorkerAllocation = apps.get_model("advisers", "CommunityWorkerAllocation")
    User = apps.get_model("advisers", "User")

    def held_that_day(model, person_field):
        return Exists(
            model.objects.filter(
                Q(ended_on__isnull=True) | Q(ended_on__gte=OuterRef("date")),
                area=OuterRef("area_id"),
                started_on__lte=OuterRef("date"),
                **{person_field: OuterRef("person_id")},
            )
        )

    as_adviser = held_that_day(AdviserAssignment, "adviser")
    as_worker = held_that_day(CommunityWorkerAllocation, "worker")
    unfilled = TimeRecord.objects.filter(role="")
    # Held both that day (the day a role changed): the role today wins.
    unfilled.filter(as_worker).exclude(Q(person__role=ADVISER) & as_adviser).update(
        role=COMMUNITY_WORKER
    )
    unfilled.filter(as_adviser).update(role=ADVISER)
    unfilled.update(role=Subquery(User.objects.filter(pk=OuterRef("person_id")).values("role")[:1]))


class Migration(migrations.Migration):
    dependencies = [
        ("advisers", "0006_dashboard_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="timerecord",
            name="role",
            field=models.CharField(
                choices=[
                    ("adviser", "Adviser"),
                    ("community_worker", "Community worker"),
                    ("manager", "Manager"),
                    ("evaluator", "Research and evaluation"),
                    ("administrator", "Administrator"),
                ],
                default="",
                max_length=32,
                verbose_name="role at the time",
            ),
            preserve_default=False,
        ),
        migrations.RunPython(fill_roles, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="timerecord",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    (
                        "role__in",
                        ["adviser", "community_worker", "manager", "evaluator", "administrator"],
                    )
                ),
                name="time_record_role_known",
            ),
        ),
    ]

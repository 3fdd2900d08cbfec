"""Demo outcome records for `seed_demo`: a baseline for each area in the
programme and a record for each quarter since it joined, the figures
growing as the areas go on, with a few left out so the gaps show (on the
areas' pages, the advisers' home pages and the dashboard), and one
corrected so its history shows."""

import random

from django.db import transaction
from django.utils import timezone

from advisers.models import AdviserAssignment
from evaluation import outcomes
from evaluation.models import OutcomeRecord

NARRATIVES = [
    "The group met monthly and ran a litter pick; two new residents joined the committee.",
    "A consultation on the community plan reached families who had not come before.",
    "The chair and treasurer finished their training; the group opened a bank account.",
    "Work began with the council on taking over the old library as a community hub.",
    "A youth forum started, run by young people with support from a local charity.",
    "",
]


@transaction.atomic
def demo_outcomes_seed(*, rng: random.Random) -> None:
    """Once: baselines and quarterly records, recorded by each area's
    adviser through the same service the form uses. Every ninth area has
    no baseline yet, and every fourth misses one quarter: the last one for
    some (recently missed), an older one for others (long overdue)."""
    if OutcomeRecord.objects.exists():
        return
    today = timezone.localdate()
    held = list(
        AdviserAssignment.objects.current()
        .filter(area__joined_on__isnull=False, area__cohort__isnull=False)
        .select_related("area", "adviser")
        .order_by("adviser__pk", "area__name")
    )
    first_record = None
    for n, assignment in enumerate(held):
        area, adviser = assignment.area, assignment.adviser
        if not area.in_programme:
            continue
        involved = rng.randint(5, 25)
        counts = {
            "residents_involved": involved,
            "volunteers": max(1, involved // 3),
            "leaders": rng.randint(1, 3),
            "new_groups": rng.randint(0, 2),
            "spaces_in_use": rng.randint(0, 2),
            "spaces_owned": 0,
            "leaders_trained": rng.randint(0, 1),
        }
        plans = dict.fromkeys(OutcomeRecord.PLANS, False)
        if n % 9 != 4:
            outcomes.outcome_record_save(
                area=area,
                kind=OutcomeRecord.Kind.BASELINE,
                by=adviser,
                values={**counts, **plans, "narrative": "Where the group started."},
                today=today,
            )
        quarters = outcomes.quarters_due(joined_on=area.joined_on, today=today)
        skipped = None
        if quarters and n % 4 == 1:
            skipped = quarters[-1] if n % 8 == 1 else quarters[0]
        for quarter in quarters:
            involved += rng.randint(0, 6)
            counts = {
                **counts,
                "residents_involved": involved,
                "volunteers": max(1, involved // 3),
                "leaders": counts["leaders"] + rng.randint(0, 1),
                "new_groups": rng.randint(0, 1),
                "spaces_in_use": counts["spaces_in_use"] + (rng.random() < 0.15),
                "spaces_owned": counts["spaces_owned"] + (rng.random() < 0.05),
                "leaders_trained": rng.randint(0, 3),
            }
            # Those owned are among those in use.
            counts["spaces_owned"] = min(counts["spaces_owned"], counts["spaces_in_use"])
            if rng.random() < 0.2:
                plans[rng.choice(OutcomeRecord.PLANS)] = True
            if quarter == skipped:
                continue
            record = outcomes.outcome_record_save(
                area=area,
                kind=OutcomeRecord.Kind.QUARTER,
                quarter=quarter,
                by=adviser,
                values={**counts, **plans, "narrative": rng.choice(NARRATIVES)},
                today=today,
            )
            first_record = first_record or record
    if first_record is not None:
        # A typo put right, so a record's history has something to show.
        outcomes.outcome_record_save(
            area=first_record.area,
            kind=first_record.kind,
            by=first_record.recorded_by,
            values={"volunteers": first_record.volunteers + 1},
            correcting=first_record,
        )

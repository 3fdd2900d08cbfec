"""The demo's outcome records: a baseline and quarters for the areas in the
programme, a few missing so the gaps show (the demo adviser's too), one
corrected, and nothing added twice."""

import pytest
from django.core.management import call_command
from django.utils import timezone

from advisers.models import User
from areas.models import Area
from casework.models import AuditEntry, AuditKind
from evaluation import outcomes
from evaluation.models import OutcomeRecord

pytestmark = [pytest.mark.django_db, pytest.mark.slow]  # seeds the whole demo


def test_the_demo_has_outcome_records_with_a_few_gaps_and_adds_none_twice():
    call_command("seed_demo")
    count = OutcomeRecord.objects.count()
    call_command("seed_demo")
    assert OutcomeRecord.objects.count() == count

    today = timezone.localdate()
    owed = outcomes.outcomes_due(areas=Area.objects.in_programme(), today=today)
    missing = sum(len(row.missing) for row in owed.values())
    due = sum(len(row.items) for row in owed.values())
    assert 0 < missing < due / 10
    assert OutcomeRecord.objects.baselines().count() > 80
    asha = User.objects.get(email="adviser@example.org")
    hers = outcomes.outcomes_due(areas=Area.objects.advised_by(asha), today=today)
    assert any(row.missing for row in hers.values())
    changed = AuditEntry.objects.of_kind(AuditKind.OUTCOMES).filter(action="changed")
    assert changed.count() == 1

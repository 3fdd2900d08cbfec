"""Two people correcting the same outcome record at the same moment: one
correction is saved, the other is refused in words (what they typed kept),
never the second silently undoing the first."""

import pytest

from advisers import services
from advisers.roles import Role
from casework.models import AuditEntry, AuditKind
from evaluation import outcomes
from evaluation.models import OutcomeRecord
from tests.at_once import at_once, outcome, signed_in
from tests.factories import AreaFactory, UserFactory


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_people_correcting_a_record_at_once_one_saves_and_the_other_is_refused():
    area = AreaFactory()
    adviser = UserFactory(role=Role.ADVISER)
    services.area_assign_adviser(area=area, adviser=adviser, by=None)
    baseline = outcomes.outcome_record_save(
        area=area,
        kind=OutcomeRecord.Kind.BASELINE,
        by=adviser,
        values={name: 1 for name in OutcomeRecord.COUNTS},
    )
    # Both opened the form on the baseline as it was then.
    seen = outcomes.seen_mark(baseline)
    people = [signed_in(adviser), signed_in(UserFactory(role=Role.MANAGER))]

    def correct(n):
        form = {name: "1" for name in OutcomeRecord.COUNTS}
        return lambda: people[n].post(
            f"/staff/areas/{area.ward_code}/outcomes/baseline/record/",
            {**form, "volunteers": str(10 + n), "narrative": f"Correction {n}", "seen": seen},
        )

    responses = at_once(correct(0), correct(1))
    refusal = "Someone else saved this record while you were typing"
    assert sorted(outcome(response, refusal) for response in responses) == [
        "refused in words",
        "saved",
    ]
    refused = next(n for n, response in enumerate(responses) if response.status_code == 200)
    # The first correction stands, and the one refused is still in its form.
    assert OutcomeRecord.objects.get().volunteers == 10 + (1 - refused)
    assert f'name="volunteers" value="{10 + refused}"' in responses[refused].text
    # The baseline and one correction: nothing saved over the first unseen.
    assert AuditEntry.objects.of_kind(AuditKind.OUTCOMES).count() == 2

"""One registry says, for every field the portal keeps, whether it is about
a person and how long it is kept; retention and erasure remove what it says
goes with a resident's request."""

import datetime

import pytest
from django.apps import apps
from django.utils import timezone

from casework import referrals, retention, services
from casework.models import Interaction, Partner, StatusChange, SupportRequest
from casework.personal_data import REGISTRY, Kind, Rule
from tests.factories import SupportRequestFactory

PORTAL_APPS = ("advisers", "areas", "casework", "events", "evaluation")


def fields_of(model) -> set[str]:
    return {f.name for f in model._meta.concrete_fields} | {
        f.name for f in model._meta.many_to_many
    }


def test_every_field_of_every_model_is_in_the_registry():
    missing = {
        model._meta.label: sorted(fields_of(model) - set(REGISTRY.get(model._meta.label, {})))
        for app in PORTAL_APPS
        for model in apps.get_app_config(app).get_models()
    }
    assert {label: names for label, names in missing.items() if names} == {}, (
        "Say in casework/personal_data.py whether each new field is about a person "
        "and how long it is kept."
    )


def test_the_registry_names_no_field_that_is_gone():
    stale = {
        label: sorted(set(entries) - fields_of(apps.get_model(label)))
        for label, entries in REGISTRY.items()
    }
    assert {label: names for label, names in stale.items() if names} == {}


def test_residents_own_words_may_hold_special_category_data():
    assert REGISTRY["casework.SupportRequest"]["description"].kind is Kind.SPECIAL
    assert REGISTRY["casework.ResidentMessage"]["text"].kind is Kind.SPECIAL


@pytest.mark.django_db
def test_retention_removes_the_group_name_and_what_staff_wrote_about_the_request(
    hendon, adviser, settings
):
    settings.NFC_RETENTION_DAYS = 730
    support_request = SupportRequestFactory(
        area=hendon, for_group=True, group_name="Friends of Priya's Garden"
    )
    services.support_request_move(
        support_request=support_request, to_status="closed", by=adviser, note="Priya moved away"
    )
    services.interaction_log(
        area=hendon,
        by=adviser,
        support_request=support_request,
        date=timezone.localdate(),
        kind="call",
        notes="Priya is unwell",
        next_steps="Ring Priya next week",
    )
    partner = Partner.objects.create(name="Housing Help", expertise=["legal"])
    referral = referrals.referral_request(
        area=hendon,
        partner=partner,
        help_asked="Tenancy advice for Priya",
        by=adviser,
        support_request=support_request,
    )
    StatusChange.objects.filter(support_request=support_request).update(
        changed_at=timezone.now() - datetime.timedelta(days=800)
    )

    assert retention.support_requests_remove_old_details() == 1

    support_request.refresh_from_db()
    assert (support_request.name, support_request.group_name) == (
        retention.REMOVED,
        retention.REMOVED,
    )
    interaction = Interaction.objects.get(support_request=support_request)
    assert (interaction.notes, interaction.next_steps) == (retention.REMOVED, retention.REMOVED)
    referral.refresh_from_db()
    assert referral.help_asked == retention.REMOVED
    assert StatusChange.objects.get(support_request=support_request).note == retention.REMOVED
    # What the work was stays for the figures.
    assert (interaction.kind, support_request.topic) == ("call", SupportRequest.objects.get().topic)


def test_each_rule_that_removes_data_names_who_removes_it():
    rules = {entry.rule for entries in REGISTRY.values() for entry in entries.values()}
    assert Rule.WITH_REQUEST in rules

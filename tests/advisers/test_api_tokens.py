"""Personal API tokens on a person's account page: made (shown once),
listed and revoked; refused to managers and administrators without
two-factor authentication; stopped when their authenticator is removed;
and listed and revoked by administrators on the admin site."""

import datetime
import re

import pytest
from allauth.mfa.models import Authenticator
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from advisers import services, tokens
from advisers.models import ApiToken, Role
from casework.models import AuditEntry, AuditKind
from tests.factories import UserFactory
from tests.support import client_for

pytestmark = pytest.mark.django_db

PAGE = "/staff/account/api-tokens/"
TOKEN = re.compile(r'value="(nfc_[A-Za-z0-9_-]+)"')


def _in(days: int) -> str:
    return (timezone.localdate() + datetime.timedelta(days=days)).isoformat()


def _make(client, **changes):
    data = {"name": "Weekly figures", "scope": "read", "expires_on": _in(30), **changes}
    # The form sends the person on to the page that shows the token once.
    return client.post(PAGE, data, follow=True)


def test_the_page_is_reached_from_the_menu_and_offers_ninety_days(adviser):
    page = client_for(adviser).get(reverse("advisers:home"))
    assert f'href="{PAGE}"' in page.text
    form = client_for(adviser).get(PAGE)
    assert form.status_code == 200
    assert f'value="{_in(90)}"' in form.text
    assert "You have no API tokens." in form.text


def test_a_token_made_is_shown_once_on_a_page_no_browser_keeps(adviser):
    client = client_for(adviser)
    response = _make(client, scope="write")

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    raw = TOKEN.search(response.text).group(1)
    token = ApiToken.objects.get(user=adviser)
    assert (token.name, token.scope, token.prefix) == ("Weekly figures", "write", raw[:12])
    assert token.expires_at.date() == timezone.localdate() + datetime.timedelta(days=30)
    assert tokens.api_token_for(raw) == token
    # Never in an address, never in the session, never again on the list.
    assert raw not in str(dict(client.session))
    listed = client.get(PAGE)
    assert raw not in listed.text
    assert "Weekly figures" in listed.text
    assert f"{raw[:12]}…" in listed.text
    assert "Read and write" in listed.text


def test_reloading_the_new_tokens_page_makes_no_second_token_nor_shows_it_again(adviser):
    client = client_for(adviser)
    first = _make(client)
    assert first.redirect_chain == [(reverse("advisers:api_token_made"), 302)]
    raw = TOKEN.search(first.text).group(1)

    again = client.get(reverse("advisers:api_token_made"), follow=True)

    assert ApiToken.objects.filter(user=adviser).count() == 1
    assert raw not in again.text
    assert "A token is shown only once" in again.text


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": ""}, "Give the token a name."),
        ({"name": "   "}, "Give the token a name."),
        ({"name": "x" * 101}, "Ensure this value has at most 100 characters"),
        ({"scope": "admin"}, "Choose read only, or read and write."),
        ({"scope": ""}, "Choose what the token may do."),
        ({"expires_on": ""}, "Choose the day the token ends."),
        ({"expires_on": "next year"}, "Give the day as a date"),
        ({"expires_on": _in(-1)}, "Choose a day after today."),
        ({"expires_on": _in(0)}, "Choose a day after today."),
        ({"expires_on": _in(400)}, "A token can last a year at most."),
    ],
)
def test_bad_input_is_refused_with_a_clear_message_and_nothing_saved(adviser, changes, message):
    response = _make(client_for(adviser), **changes)

    assert response.status_code == 200
    assert "There is a problem" in response.text
    assert message in response.text
    assert not ApiToken.objects.exists()
    assert not TOKEN.search(response.text)
    # What was typed is kept, so nothing is lost.
    if "name" not in changes:
        assert 'value="Weekly figures"' in response.text


def test_every_mistake_is_told_at_once(adviser):
    response = _make(client_for(adviser), name="", expires_on=_in(-3))
    assert "Give the token a name." in response.text
    assert "Choose a day after today." in response.text
    assert not ApiToken.objects.exists()


def test_the_service_refuses_a_bad_day_whoever_calls_it(adviser):
    with pytest.raises(ValidationError) as refused:
        tokens.api_token_create(
            user=adviser, name="x", scope="read", expires_on=timezone.localdate()
        )
    assert refused.value.message_dict == {"expires_on": ["Choose a day after today."]}


def test_a_token_is_revoked_after_asking_and_stops_at_once(adviser):
    client = client_for(adviser)
    raw = TOKEN.search(_make(client).text).group(1)
    token = ApiToken.objects.get()
    url = reverse("advisers:api_token_revoke", args=[token.pk])

    asked = client.get(url)
    assert "Revoke Weekly figures?" in asked.text
    assert ApiToken.objects.get().revoked_at is None

    response = client.post(url, follow=True)
    assert "Revoked Weekly figures" in response.text
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert token.revoked_by == adviser
    assert tokens.api_token_for(raw) is None
    assert "Revoked" in client.get(PAGE).text
    assert "already stopped working" in client.get(url).text
    again = client.post(url, follow=True)
    assert "had already stopped working" in again.text


def test_nobody_sees_or_revokes_another_persons_token(adviser, community_worker):
    theirs, _ = tokens.api_token_create(
        user=community_worker,
        name="Theirs",
        scope="read",
        expires_on=timezone.localdate() + datetime.timedelta(days=5),
    )
    client = client_for(adviser)
    assert "Theirs" not in client.get(PAGE).text
    url = reverse("advisers:api_token_revoke", args=[theirs.pk])
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None


def test_a_manager_without_two_factor_is_sent_to_set_it_up_and_makes_no_token(db):
    manager = UserFactory(role=Role.MANAGER, totp=False)
    response = client_for(manager).post(PAGE, {"name": "Figures", "scope": "read"})
    assert response.status_code == 302
    assert response.url == reverse("mfa_activate_totp")
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize("role", [Role.MANAGER, Role.ADMINISTRATOR])
def test_the_page_itself_refuses_a_token_without_two_factor(settings, role):
    # Behind the middleware that sends them to set it up, the page holds too.
    settings.MIDDLEWARE = [
        m for m in settings.MIDDLEWARE if m != "advisers.middleware.RequireTwoFactorMiddleware"
    ]
    person = UserFactory(role=role, totp=False)
    client = client_for(person)
    page = client.get(PAGE)
    assert "Set up two-factor authentication before making an API token." in page.text
    assert reverse("mfa_index") in page.text
    assert 'name="name"' not in page.text
    refused = _make(client)
    assert "Set up two-factor authentication" in refused.text
    assert not ApiToken.objects.exists()


def test_a_manager_with_two_factor_makes_one(manager):
    response = _make(client_for(manager))
    assert TOKEN.search(response.text)
    assert ApiToken.objects.filter(user=manager).count() == 1


def test_removing_a_managers_authenticator_revokes_their_tokens(manager, administrator, adviser):
    raw = TOKEN.search(_make(client_for(manager)).text).group(1)
    advisers_raw = TOKEN.search(_make(client_for(adviser)).text).group(1)
    adviser_app = Authenticator.objects.create(
        user=adviser, type=Authenticator.Type.TOTP, data={"secret": "x"}
    )

    services.authenticator_remove(
        authenticator=Authenticator.objects.get(user=manager, type=Authenticator.Type.TOTP),
        by=administrator,
    )
    services.authenticator_remove(authenticator=adviser_app, by=administrator)

    token = ApiToken.objects.get(user=manager)
    assert token.revoked_at is not None
    assert token.revoked_by == administrator
    assert tokens.api_token_for(raw) is None
    # An adviser's role does not need it: their token keeps working.
    assert tokens.api_token_for(advisers_raw) is not None


def test_a_token_made_before_its_owner_became_a_manager_waits_for_two_factor(adviser):
    raw = TOKEN.search(_make(client_for(adviser)).text).group(1)
    adviser.role = Role.MANAGER
    services.staff_account_save(user=adviser, changed=["role"])
    assert tokens.api_token_for(raw) is None
    Authenticator.objects.create(user=adviser, type=Authenticator.Type.TOTP, data={"secret": "x"})
    assert tokens.api_token_for(raw) is not None


# --- The admin site -------------------------------------------------------


def test_administrators_list_everyones_tokens_and_revoke_them(
    admin_client_for, adviser, community_worker
):
    for person in (adviser, community_worker):
        tokens.api_token_create(
            user=person,
            name=f"{person.full_name}'s script",
            scope="read",
            expires_on=timezone.localdate() + datetime.timedelta(days=5),
        )
    client = admin_client_for
    changelist = reverse("admin:advisers_apitoken_changelist")
    listed = client.get(changelist)
    assert listed.status_code == 200
    assert ApiToken.objects.first().prefix in listed.text
    assert "key_hash" not in listed.text
    assert client.get(changelist + "?state=works").status_code == 200

    response = client.post(
        changelist,
        {"action": "revoke", "_selected_action": [t.pk for t in ApiToken.objects.all()]},
        follow=True,
    )
    assert "Tokens revoked: 2." in response.text
    assert not ApiToken.objects.filter(revoked_at__isnull=True).exists()


def test_the_admin_site_makes_and_changes_no_token(admin_client_for, adviser):
    token, _ = tokens.api_token_create(
        user=adviser,
        name="Script",
        scope="read",
        expires_on=timezone.localdate() + datetime.timedelta(days=5),
    )
    client = admin_client_for
    assert client.get(reverse("admin:advisers_apitoken_add")).status_code == 403
    page = client.get(reverse("admin:advisers_apitoken_change", args=[token.pk]))
    assert page.status_code == 200
    assert token.key_hash not in page.text
    client.post(reverse("admin:advisers_apitoken_change", args=[token.pk]), {"name": "Other"})
    token.refresh_from_db()
    assert token.name == "Script"
    assert client.get(reverse("admin:advisers_apitoken_delete", args=[token.pk])).status_code == 403


def test_the_admin_site_shows_a_tokens_name_without_direction_overrides(admin_client_for, adviser):
    # U+202E turns the rest of the line round: "\u202egnp.exe" reads "exe.png".
    token, _ = tokens.api_token_create(
        user=adviser,
        name="Weekly \u202egnp.exe",
        scope="read",
        expires_on=timezone.localdate() + datetime.timedelta(days=5),
    )
    client = admin_client_for

    listed = client.get(reverse("admin:advisers_apitoken_changelist"))
    page = client.get(reverse("admin:advisers_apitoken_change", args=[token.pk]))

    for response in (listed, page):
        assert "Weekly gnp.exe" in response.text
        assert "\u202e" not in response.text


def test_only_administrators_reach_the_tokens_on_the_admin_site(manager):
    response = client_for(manager).get(reverse("admin:advisers_apitoken_changelist"))
    assert response.status_code in (302, 403)


def test_making_and_revoking_a_token_is_in_the_audit_history(adviser, manager):
    token, _ = tokens.api_token_create(
        user=adviser,
        name="Nightly sync",
        scope="read",
        expires_on=timezone.localdate() + datetime.timedelta(days=30),
    )
    assert tokens.api_token_revoke(token=token, by=manager)
    made, revoked = AuditEntry.objects.of_kind(AuditKind.STAFF).order_by("pk")
    assert (made.action, made.changed_by, made.changes["name"]) == (
        AuditEntry.Action.CREATED,
        adviser,
        [None, "Nightly sync"],
    )
    assert (revoked.action, revoked.changed_by) == (AuditEntry.Action.CHANGED, manager)
    assert list(revoked.changes) == ["revoked_at"]

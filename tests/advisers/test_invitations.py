"""An administrator adds a member of staff; the person sets their own password."""

import re

import pytest

from advisers import services
from advisers.models import Role, User
from advisers.tasks import invitation_send_task
from tests.support import jobs_enqueued

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-brand-new-long-password"


def add_staff(admin_client, capture, **fields):
    data = {"full_name": "Nia Newcomer", "email": "Nia.Newcomer@Example.org", "role": Role.ADVISER}
    data.update(fields)
    with capture(execute=True):
        return admin_client.post("/admin/advisers/user/add/", data)


def link_in(message) -> str:
    """The invitation's link, as a path on the test server."""
    return re.search(r"https?://[^/\s]+(/\S+)", message.body).group(1)


def test_adding_staff_sends_an_invitation_they_use_to_choose_a_password(
    admin_client_for, client, mailoutbox, django_capture_on_commit_callbacks, settings
):
    settings.NFC_BASE_URL = "https://portal.example.org"
    response = add_staff(admin_client_for, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    newcomer = User.objects.get(email="nia.newcomer@example.org")
    assert not newcomer.has_usable_password()
    assert newcomer.invitation_sent_at is not None
    assert len(mailoutbox) == 1
    invitation = mailoutbox[0]
    assert invitation.to == ["nia.newcomer@example.org"]
    assert "as Adviser" in invitation.body
    assert "https://portal.example.org/accounts/password/reset/key/" in invitation.body

    set_password_page = client.get(link_in(invitation), follow=True)
    assert set_password_page.status_code == 200
    form_url = set_password_page.request["PATH_INFO"]
    done = client.post(form_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert done.status_code == 302

    signed_in = client.post("/accounts/login/", {"login": newcomer.email, "password": NEW_PASSWORD})
    assert signed_in.url == "/staff/"


def test_an_invitation_link_works_only_once(
    admin_client_for, client, mailoutbox, django_capture_on_commit_callbacks
):
    add_staff(admin_client_for, django_capture_on_commit_callbacks)
    link = link_in(mailoutbox[0])
    form_url = client.get(link, follow=True).request["PATH_INFO"]
    client.post(form_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    again = client.get(link, follow=True)
    assert "This link no longer works" in again.text


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"email": "not-an-address"}, "Enter a valid email address."),
        ({"email": ""}, "This field is required."),
        ({"full_name": ""}, "This field is required."),
        ({"role": "superhero"}, "Select a valid choice."),
        ({"email": "ASHA@example.org"}, "already exists"),
    ],
)
def test_bad_staff_details_are_refused_with_a_message_and_nothing_is_sent(
    admin_client_for, adviser, mailoutbox, django_capture_on_commit_callbacks, fields, message
):
    before = User.objects.count()
    response = add_staff(admin_client_for, django_capture_on_commit_callbacks, **fields)
    assert response.status_code == 200
    assert message in response.text
    assert User.objects.count() == before
    assert mailoutbox == []
    # What was typed is still in the form.
    form = response.context["adminform"].form
    assert form.data["full_name"] == fields.get("full_name", "Nia Newcomer")


def test_the_invitation_is_sent_only_after_the_account_is_committed(
    mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        services.staff_invite(
            user=User(email="late@example.org", full_name="Lee Late", role=Role.EVALUATOR)
        )
        assert mailoutbox == []
    assert len(jobs_enqueued(callbacks)) == 1


def test_a_duplicate_delivery_of_the_task_sends_one_e_mail(
    mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        newcomer = services.staff_invite(
            user=User(email="once@example.org", full_name="Olu Once", role=Role.ADVISER)
        )
    assert invitation_send_task(newcomer.pk) is False
    assert len(mailoutbox) == 1


def test_an_administrator_can_send_an_invitation_again(
    admin_client_for, mailoutbox, django_capture_on_commit_callbacks
):
    add_staff(admin_client_for, django_capture_on_commit_callbacks)
    newcomer = User.objects.get(email="nia.newcomer@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        admin_client_for.post(
            "/admin/advisers/user/",
            {"action": "resend_invitation", "_selected_action": [newcomer.pk]},
        )
    assert len(mailoutbox) == 2


def test_no_new_invitation_once_a_password_is_set(
    admin_client_for, adviser, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client_for.post(
            "/admin/advisers/user/",
            {"action": "resend_invitation", "_selected_action": [adviser.pk]},
            follow=True,
        )
    assert mailoutbox == []
    assert "already set a password" in response.text

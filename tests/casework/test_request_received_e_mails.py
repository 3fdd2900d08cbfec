"""A new request's two e-mails (the resident's reference, the adviser's
notice) go in one job, and each goes once: a refused address holds up
neither the other e-mail nor a retry of its own."""

import smtplib

import pytest
from django.core.mail.backends.locmem import EmailBackend

from advisers import services as staff_services
from casework.models import SupportRequest
from casework.tasks import request_received_tell_task
from tests.casework.test_help_form import answers
from tests.factories import AreaFactory

pytestmark = pytest.mark.django_db

REFUSED = "refused.invalid"


class RefusingBackend(EmailBackend):
    """The mail server: it refuses any address at REFUSED, and keeps the
    rest in the outbox as the tests' usual backend does."""

    def send_messages(self, messages):
        for message in messages:
            refused = [to for to in message.to if to.endswith("@" + REFUSED)]
            if refused:
                raise smtplib.SMTPRecipientsRefused({to: (550, b"No such user") for to in refused})
        return super().send_messages(messages)


@pytest.fixture
def hendon(adviser):
    area = AreaFactory(name="Hendon")
    staff_services.area_assign_adviser(area=area, adviser=adviser, by=None)
    return area


def test_a_post_to_an_area_with_an_adviser_sends_both_e_mails_from_one_job(
    client, hendon, adviser, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as jobs:
        assert client.post("/help/", answers(area=str(hendon.pk))).status_code == 302
    # The dashboard's version, once committed, and the one job.
    assert len(jobs) == 2
    for job in jobs:
        job()
    assert sorted(m.to[0] for m in mailoutbox) == ["asha@example.org", "pat@example.org"]
    saved = SupportRequest.objects.get()
    assert saved.acknowledgement_sent_at
    assert saved.adviser_told_at
    # The job again (a duplicate delivery) sends nothing.
    assert request_received_tell_task(saved.pk) == 0
    assert len(mailoutbox) == 2


def test_a_refused_resident_address_keeps_back_neither_the_advisers_e_mail_nor_a_retry(
    client, hendon, mailoutbox, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"
    with django_capture_on_commit_callbacks(execute=False):
        client.post("/help/", answers(area=str(hendon.pk), email=f"pat@{REFUSED}"))
    saved = SupportRequest.objects.get()
    with pytest.raises(smtplib.SMTPRecipientsRefused):
        request_received_tell_task(saved.pk)
    assert [m.to for m in mailoutbox] == [["asha@example.org"]]
    saved.refresh_from_db()
    assert saved.adviser_told_at
    assert saved.acknowledgement_sent_at is None
    # The address mended (or the server back), the retry sends only the
    # resident's.
    SupportRequest.objects.filter(pk=saved.pk).update(email="pat@example.org")
    assert request_received_tell_task(saved.pk) == 1
    assert [m.to for m in mailoutbox] == [["asha@example.org"], ["pat@example.org"]]


def test_a_request_with_no_e_mail_address_and_no_adviser_enqueues_no_job(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as jobs:
        posted = client.post("/help/", answers(email="", phone="0191 000 0000", contact_by="phone"))
    assert posted.status_code == 302
    # Only the dashboard's version moves on.
    assert len(jobs) == 1

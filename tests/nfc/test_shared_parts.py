"""The parts every app shares: periods, the e-mail sender, notices sent
once, the public-form defence and private links."""

import datetime
import logging
import time
from pathlib import Path

import pytest
from django import forms
from django.conf import settings
from django.core import mail, signing
from django.test import RequestFactory, override_settings
from django.utils import timezone

from casework import services
from casework.forms import HelpRequestForm
from casework.models import SupportRequest, Topic
from nfc.charts import Series, StackedBarChart
from nfc.jobs import Notice
from nfc.mail import Attachment, absolute_url, email_send
from nfc.periods import Period, add_months, quarter_start
from nfc.private_links import SECRET_SHAPE, PrivateLink, digest
from nfc.public_forms import HourlyLimit, PublicFormDefence, SpamReason, Verdict, screen
from tests.support import redis_caches

# --- Periods -----------------------------------------------------------------


def test_months_add_across_years():
    assert add_months(datetime.date(2026, 11, 30), 2) == datetime.date(2027, 1, 1)
    assert add_months(datetime.date(2026, 1, 15), -1) == datetime.date(2025, 12, 1)


def test_a_quarter_and_the_one_before_it():
    this = Period.quarter(datetime.date(2026, 11, 30))
    assert this == Period(datetime.date(2026, 10, 1), datetime.date(2027, 1, 1))
    assert quarter_start(datetime.date(2026, 3, 31)) == datetime.date(2026, 1, 1)
    assert this.shifted(-3) == Period(datetime.date(2026, 7, 1), datetime.date(2026, 10, 1))


def test_the_whole_months_before_a_day():
    period = Period.months_before(datetime.date(2026, 2, 14), 3)
    assert period.months == [
        datetime.date(2025, 11, 1),
        datetime.date(2025, 12, 1),
        datetime.date(2026, 1, 1),
    ]
    assert Period.year(datetime.date(2026, 5, 5)).months[-1] == datetime.date(2026, 12, 1)
    assert period.start_moment == datetime.datetime(
        2025, 11, 1, tzinfo=timezone.get_current_timezone()
    )


# --- E-mail ------------------------------------------------------------------


@pytest.mark.django_db
def test_an_email_has_a_one_line_unescaped_subject_and_its_attachment(settings):
    settings.NFC_BASE_URL = "https://portal.example.org"
    request = SupportRequest(reference="NFC-AAAA-BBBB", topic=Topic.PLAN)
    email_send(
        template="withdrawal",
        to="o'neill@example.org",
        context={"request": request, "link": absolute_url("casework:request_list")},
        attachments=[Attachment("event.ics", "BEGIN:VCALENDAR", "text/calendar")],
    )
    (sent,) = mail.outbox
    assert sent.to == ["o'neill@example.org"]
    assert sent.subject == "NFC-AAAA-BBBB was withdrawn by the resident"
    assert "https://portal.example.org/staff/casework/requests/" in sent.body
    assert sent.attachments == [("event.ics", "BEGIN:VCALENDAR", "text/calendar")]


# --- Notices sent once -----------------------------------------------------------


def _submitted() -> SupportRequest:
    return services.support_request_submit(
        area=None,
        postcode="",
        topic=Topic.PLAN,
        description="Help",
        for_group=False,
        group_name="",
        name="Pat",
        email="pat@example.org",
        phone="",
        contact_by="email",
    )


@pytest.mark.django_db
def test_a_notice_is_sent_once_and_a_failed_send_is_tried_again():
    attempts = []

    def send(record):
        attempts.append(record.pk)
        if len(attempts) == 1:
            raise ConnectionError("the mail server blinked")

    notice = Notice(
        name="test notice",
        due=SupportRequest.objects.exclude(email=""),
        stamp="acknowledgement_sent_at",
        since="created_at",
        send=send,
    )
    request = _submitted()
    with pytest.raises(ConnectionError):
        notice.send_once(request.pk)
    request.refresh_from_db()
    assert request.acknowledgement_sent_at is None  # the claim rolled back
    assert notice.waiting(older_than=datetime.timedelta(0)) == [request.pk]
    assert notice.send_once(request.pk) is True
    assert notice.send_once(request.pk) is False
    assert notice.sweep(older_than=datetime.timedelta(0)) == 0
    assert attempts == [request.pk, request.pk]


@pytest.mark.django_db
def test_the_sweep_goes_on_past_a_send_that_fails():
    first, second = _submitted(), _submitted()

    def send(record):
        if record.pk == first.pk:
            raise ConnectionError("refused")

    notice = Notice(
        name="test notice",
        due=SupportRequest.objects.exclude(email=""),
        stamp="acknowledgement_sent_at",
        since="created_at",
        send=send,
    )
    assert notice.sweep(older_than=datetime.timedelta(0)) == 1
    assert notice.waiting(older_than=datetime.timedelta(0)) == [first.pk]
    second.refresh_from_db()
    assert second.acknowledgement_sent_at is not None


# --- The public-form defence ---------------------------------------------------


class FeedbackForm(PublicFormDefence):
    token_salt = "test.feedback"
    words = forms.CharField()


def test_a_person_who_took_their_time_passes(settings):
    settings.NFC_HELP_FORM_MIN_SECONDS = 3
    shown = FeedbackForm.started_token(shown_at=time.time() - 10)
    assert FeedbackForm({"words": "Hi", "started": shown}).spam_reason() is None


def test_bots_are_told_apart(settings):
    settings.NFC_HELP_FORM_MIN_SECONDS = 3
    fresh = FeedbackForm().fields["started"].initial
    assert FeedbackForm({"started": fresh, "nfc_trap": "x"}).spam_reason() == SpamReason.HONEYPOT
    assert FeedbackForm({"started": fresh}).spam_reason() == SpamReason.TOO_FAST
    assert FeedbackForm({"started": "forged"}).spam_reason() == SpamReason.BAD_TOKEN
    # Signed, but without the random part that makes each page's token its own.
    unnumbered = signing.TimestampSigner(salt="test.feedback").sign(str(int(time.time()) - 10))
    assert FeedbackForm({"started": unnumbered}).spam_reason() == SpamReason.BAD_TOKEN
    # A token from another form is no good on this one.
    other = HelpRequestForm.started_token()
    assert FeedbackForm({"started": other}).spam_reason() == SpamReason.BAD_TOKEN


def test_each_page_has_a_token_of_its_own_even_in_the_same_second():
    shown_at = time.time()
    first = FeedbackForm.started_token(shown_at=shown_at)
    second = FeedbackForm.started_token(shown_at=shown_at)
    assert first != second
    assert FeedbackForm.token_hash({"started": first}) != FeedbackForm.token_hash(
        {"started": second}
    )


def test_a_public_form_must_name_its_own_token_salt():
    with pytest.raises(TypeError, match="must name its own token_salt"):

        class Careless(PublicFormDefence):
            words = forms.CharField()


def test_sending_again_keeps_what_was_typed_with_a_new_token():
    again = FeedbackForm.sent_again({"words": "Kept", "started": "stale"})
    assert again.data["words"] == "Kept"
    assert again.data["started"] != "stale"


def test_the_hourly_limit_counts_only_what_was_sent():
    request = RequestFactory().post("/", REMOTE_ADDR="203.0.113.9")
    limit = HourlyLimit("test-form", per_hour=2)
    assert limit.take(request)
    assert limit.take(request)
    assert not limit.take(request)
    assert not limit.take(request)  # a refused post is not counted, nor does it count
    elsewhere = RequestFactory().post("/", REMOTE_ADDR="203.0.113.10")
    assert limit.take(elsewhere)


@pytest.fixture
def clock(monkeypatch):
    """Set the time of day; the cache's own expiry reads the same clock."""
    now = {"at": datetime.datetime(2026, 11, 30, 10, 58, tzinfo=datetime.UTC)}
    monkeypatch.setattr(time, "time", lambda: now["at"].timestamp())
    monkeypatch.setattr(timezone, "now", lambda: now["at"])

    def set_to(hour: int, minute: int) -> None:
        now["at"] = now["at"].replace(hour=hour, minute=minute)

    return set_to


def test_the_hourly_limit_is_a_rolling_hour_not_the_clock_hour(clock):
    request = RequestFactory().post("/", REMOTE_ADDR="203.0.113.9")
    limit = HourlyLimit("test-form", per_hour=2)
    clock(10, 58)
    assert limit.take(request)
    assert limit.take(request)
    clock(11, 2)  # a new clock hour, but not a new hour for this address
    assert not limit.take(request)
    clock(11, 56)
    assert not limit.take(request)
    clock(12, 1)
    assert limit.take(request)


def test_the_hourly_limit_counts_an_ipv6_address_with_its_slash_64():
    limit = HourlyLimit("test-form", per_hour=2)
    assert limit.take(RequestFactory().post("/", REMOTE_ADDR="2001:db8:1:2::1"))
    assert limit.take(RequestFactory().post("/", REMOTE_ADDR="2001:db8:1:2:ffff::9"))
    assert not limit.take(RequestFactory().post("/", REMOTE_ADDR="2001:db8:1:2:abcd::7"))
    assert limit.take(RequestFactory().post("/", REMOTE_ADDR="2001:db8:1:3::1"))
    # An IPv4 address written as IPv6 is the same sender as the plain one.
    assert limit.take(RequestFactory().post("/", REMOTE_ADDR="198.51.100.4"))
    assert limit.take(RequestFactory().post("/", REMOTE_ADDR="::ffff:198.51.100.4"))
    assert not limit.take(RequestFactory().post("/", REMOTE_ADDR="198.51.100.4"))


def test_on_redis_the_hourly_limit_counts_in_one_round_trip_as_it_does_anywhere(
    settings, redis_url
):
    from nfc.redis_guard import shared_cache

    settings.CACHES = redis_caches(redis_url)
    shared_cache.clear()
    limit = HourlyLimit("test-form", per_hour=2)
    request = RequestFactory().post("/", REMOTE_ADDR="203.0.113.9")
    current, *earlier = limit._keys(request)
    shared_cache.set(earlier[-1], 1)
    # One more in this bucket, summed with the hour's earlier buckets.
    assert shared_cache.count_one_more(current, earlier, timeout=60) == 2
    assert shared_cache.get(current) == 1
    # Made with its timeout, which later counts do not move on.
    client = shared_cache._cache._client.get_client(write=True)
    ttl = client.ttl(shared_cache.make_and_validate_key(current))
    assert 0 < ttl <= 60
    assert not limit.take(request)  # 1 + 1 + this one: over 2, and not counted
    assert shared_cache.get(current) == 1
    assert limit.take(RequestFactory().post("/", REMOTE_ADDR="203.0.113.10"))
    shared_cache.clear()


# Nothing listens there: the cache is down.
@override_settings(CACHES=redis_caches("redis://127.0.0.1:1/0"))
def test_the_hourly_limit_lets_people_through_when_the_cache_is_down():
    request = RequestFactory().post("/", REMOTE_ADDR="203.0.113.9")
    limit = HourlyLimit("test-form", per_hour=0)
    assert limit.take(request)
    assert limit.take(request)


def _screened(data, *, per_hour=5, seconds_ago=10):
    counted = []
    started = FeedbackForm.started_token(shown_at=time.time() - seconds_ago)
    request = RequestFactory().post("/", {"started": started, **data}, REMOTE_ADDR="203.0.113.7")
    limit = HourlyLimit("test-feedback", per_hour=per_hour)
    screening = screen(
        request, FeedbackForm, limit=limit, count=lambda reason: counted.append(reason)
    )
    return screening, counted


def test_screening_tells_a_bot_a_hurried_person_a_mistake_and_a_good_post_apart(settings):
    settings.NFC_HELP_FORM_MIN_SECONDS = 3
    bot, counted = _screened({"words": "Hi", "nfc_trap": "spam"})
    assert (bot.verdict, counted) == (Verdict.BOT, [SpamReason.HONEYPOT])

    hurried, counted = _screened({"words": "Kept"}, seconds_ago=0)
    assert (hurried.verdict, counted) == (Verdict.SEND_AGAIN, [SpamReason.TOO_FAST])
    assert hurried.form.data["words"] == "Kept"
    assert "press \u201cSend\u201d again" in str(hurried.form.non_field_errors())

    mistake, counted = _screened({"words": ""})
    assert (mistake.verdict, counted) == (Verdict.INVALID, [])

    good, counted = _screened({"words": "Hi"})
    assert (good.verdict, counted) == (Verdict.SEND, [])
    assert good.form.cleaned_data["words"] == "Hi"


def test_screening_turns_away_one_too_many_from_an_address_but_not_a_mistake():
    limit = HourlyLimit("test-feedback", per_hour=1)
    assert limit.take(RequestFactory().post("/", REMOTE_ADDR="203.0.113.7"))
    mistake, counted = _screened({"words": ""}, per_hour=1)
    assert (mistake.verdict, counted) == (Verdict.INVALID, [])
    too_many, counted = _screened({"words": "Hi"}, per_hour=1)
    assert (too_many.verdict, counted) == (Verdict.TOO_MANY, [SpamReason.RATE_LIMIT])
    assert too_many.form.data["words"] == "Hi"


# --- Private links -------------------------------------------------------------


def test_a_secret_in_any_path_is_masked_in_the_log(caplog):
    secret = "Ab_-" * 10 + "xyz"
    logging.getLogger("django.request").warning("Not Found: %s", f"/events/join/{secret}/")
    (record,) = caplog.records
    assert record.getMessage() == "Not Found: /events/join/[hidden]/"
    assert secret not in caplog.text


@pytest.mark.django_db
def test_a_private_link_keeps_only_its_hash_and_stops_when_revoked_or_expired():
    link = PrivateLink("follow")
    request = _submitted()
    secret = link.issue(request, days=90)
    assert SECRET_SHAPE.fullmatch(secret)
    request.refresh_from_db()
    assert request.follow_token_hash == digest(secret)
    assert secret not in str(SupportRequest.objects.filter(pk=request.pk).values().get())
    everyone = SupportRequest.objects.all()
    assert link.find(everyone, secret=secret) == request
    wrong = secret[:-1] + ("B" if secret.endswith("A") else "A")
    assert link.find(everyone, secret=wrong) is None
    assert link.find(everyone, secret="not a secret") is None

    renewed = link.issue(request, days=90)
    assert link.find(everyone, secret=secret) is None
    SupportRequest.objects.filter(pk=request.pk).update(
        follow_expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    assert link.find(everyone, secret=renewed) is None

    latest = link.issue(request, days=90)
    link.revoke(request)
    assert link.find(everyone, secret=latest) is None
    assert not link.works(request)


# --- Charts --------------------------------------------------------------------


def test_a_bars_title_counts_one_and_many_in_words():
    chart = StackedBarChart(
        slug="requests",
        title="Requests",
        summary="",
        series=[Series("new", "New requests", "series-1")],
        categories=["Oct 26", "Nov 26"],
        rows=[{"new": 1}, {"new": 3}],
        unit=("request", "requests"),
    )
    assert [bar.title for bar in chart.bars] == [
        "Oct 26, New requests: 1 request",
        "Nov 26, New requests: 3 requests",
    ]


def test_every_email_template_renders_without_html_escaping():
    # E-mails are plain text: an area called "St Mary's & Ely" must read so,
    # not "St Mary&#x27;s &amp; Ely", in the subject and the body alike.
    emails = Path(settings.BASE_DIR) / "templates" / "emails"
    templates = sorted(emails.glob("*.txt"))
    assert templates
    for template in templates:
        text = template.read_text()
        assert text.startswith("{% autoescape off %}"), template.name
        assert text.rstrip().endswith("{% endautoescape %}"), template.name

"""The portal's e-mails: one sender for every app.

Each e-mail is a pair of templates, ``emails/<name>_subject.txt`` and
``emails/<name>_body.txt``, rendered with a context that holds ids and
words, never a secret that is not meant for the recipient. Links in e-mails
are absolute, built from NFC_BASE_URL, because an e-mail is read outside
any request (in development without NFC_BASE_URL, from the address the
portal was last reached at: see NFC_BASE_URL_FROM_REQUEST).
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse

# Development only: the scheme and host of the latest request, kept for the
# tasks that run in the same process.
_seen = {"base_url": ""}


def base_url_seen(url: str) -> None:
    _seen["base_url"] = url.rstrip("/")


def base_url() -> str:
    if settings.NFC_BASE_URL_FROM_REQUEST and _seen["base_url"]:
        return _seen["base_url"]
    return settings.NFC_BASE_URL


def absolute_url(viewname: str, **kwargs) -> str:
    """The full address of a page, for a link in an e-mail."""
    return base_url() + reverse(viewname, kwargs=kwargs or None)


@dataclass(frozen=True)
class Attachment:
    """A file sent with an e-mail (an event's ``.ics``, say)."""

    filename: str
    content: str | bytes
    mimetype: str


def email_send(
    *,
    template: str,
    to: str | Sequence[str],
    context: dict,
    attachments: Iterable[Attachment] = (),
) -> None:
    """Render ``emails/<template>_subject.txt`` and ``_body.txt`` and send
    them to ``to``. Raises if the mail server refuses, so that a task's
    claim rolls back and the e-mail is tried again."""
    recipients = [to] if isinstance(to, str) else list(to)
    subject = render_to_string(f"emails/{template}_subject.txt", context)
    message = EmailMessage(
        # A subject is one line, whatever the template's own line breaks.
        subject=" ".join(subject.split()),
        body=render_to_string(f"emails/{template}_body.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=recipients,
    )
    for attachment in attachments:
        message.attach(attachment.filename, attachment.content, attachment.mimetype)
    message.send()

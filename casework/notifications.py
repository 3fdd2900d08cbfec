"""The e-mails casework sends, each once per record (see nfc.jobs.Notice):
a resident's acknowledgement, and the notices that tell the person a
request is with that it arrived, that its resident wrote, or withdrew it.

Staff e-mails carry the reference and a link into the portal, never the
resident's details or words: those stay in the portal. The acknowledgement
goes to whatever address was typed into a public form, so it repeats none
of the sender's words (only the reference, in fixed text), and one address
gets at most NFC_ACKNOWLEDGEMENTS_PER_ADDRESS_PER_DAY of them.
"""

import datetime
import logging

from django.conf import settings

from advisers.models import User
from casework.area_match import area_match
from casework.follow_links import follow_link_issue
from casework.models import Referral, ResidentMessage, SupportRequest
from casework.selectors import signposting_text
from nfc.jobs import Notice
from nfc.mail import absolute_url, email_send

logger = logging.getLogger(__name__)


def _tell_staff(template: str, support_request: SupportRequest, *, to: User, **context) -> None:
    """E-mail a member of staff about a request: its reference and a link."""
    link = absolute_url("casework:request_detail", reference=support_request.reference)
    email_send(
        template=template,
        to=to.email,
        context={"request": support_request, "link": link, **context},
    )


def _mailbox(address: str) -> str:
    """One mailbox however its address is written: letters' case and a
    "+tag" on the name deliver to the same place."""
    name, _, domain = address.lower().rpartition("@")
    return f"{name.split('+', 1)[0]}@{domain}"


def acknowledgements_used_up(support_request: SupportRequest) -> bool:
    """Whether the same mailbox was given in the day before this request by
    as many earlier requests as one address may have acknowledged (each
    counts, e-mailed or not: a flood keeps the address quiet all day).

    Decided from the requests alone (earlier ones, in the order they were
    saved), so requests sent all at once, or the sweep racing a task, come
    to the same answer.
    """
    mailbox = _mailbox(support_request.email)
    earlier = SupportRequest.objects.filter(
        pk__lt=support_request.pk,
        email__iendswith="@" + mailbox.rpartition("@")[2],
        created_at__gte=support_request.created_at - datetime.timedelta(days=1),
    ).values_list("email", flat=True)
    sent = sum(_mailbox(address) == mailbox for address in earlier)
    return sent >= settings.NFC_ACKNOWLEDGEMENTS_PER_ADDRESS_PER_DAY


def acknowledgement_send(support_request: SupportRequest) -> bool:
    """E-mail the resident their reference and their private link. False
    (and nothing sent; the request stands, and its reference was shown on
    the page) when the address has had its day's acknowledgements: anyone
    can type anyone's address into the form."""
    if acknowledgements_used_up(support_request):
        logger.warning(
            "Acknowledgement for request %s not sent: its address had %s in a day",
            support_request.pk,
            settings.NFC_ACKNOWLEDGEMENTS_PER_ADDRESS_PER_DAY,
        )
        return False
    email_send(
        template="acknowledgement",
        to=support_request.email,
        context={
            "request": support_request,
            "match": area_match(support_request),
            "signposting": signposting_text(),
            # Issued here, inside the claim's transaction: the secret goes
            # into the e-mail and nowhere else, and a failed send rolls it back.
            "follow_link": follow_link_issue(support_request=support_request),
        },
    )
    return True


def assignee_tell(support_request: SupportRequest) -> bool:
    """Tell the person a request landed with. False when there is nobody to
    tell (the notice is only due once there is)."""
    assignee = support_request.assigned_to
    if assignee is None:
        return False
    _tell_staff("new_request", support_request, to=assignee)
    return True


def resident_message_tell(message: ResidentMessage) -> bool:
    """Tell the request's assignee that its resident sent a message (never
    the message itself). False when there is nobody to tell."""
    assignee = message.support_request.assigned_to
    if assignee is None or not assignee.is_active:
        return False
    _tell_staff("resident_message", message.support_request, to=assignee, assignee=assignee)
    return True


def withdrawal_tell(support_request: SupportRequest) -> bool:
    """Tell the assignee the resident withdrew. False when there is nobody
    to tell (the notice is only due once there is)."""
    assignee = support_request.assigned_to
    if assignee is None:
        return False
    _tell_staff("withdrawal", support_request, to=assignee)
    return True


def referral_partner_tell(referral: Referral) -> None:
    """Tell a partner a referral was made to them: the area, the help asked,
    and who to answer."""
    email_send(
        template="referral_partner", to=referral.partner.email, context={"referral": referral}
    )


ACKNOWLEDGEMENT = Notice(
    name="acknowledgement",
    due=SupportRequest.objects.exclude(email=""),
    stamp="acknowledgement_sent_at",
    since="created_at",
    related=("area",),
    send=acknowledgement_send,
)
ASSIGNEE = Notice(
    name="assignee notice",
    due=SupportRequest.objects.exclude(assigned_to=None),
    stamp="adviser_told_at",
    since="created_at",
    related=("assigned_to", "area"),
    send=assignee_tell,
)
RESIDENT_MESSAGE = Notice(
    name="resident message notice",
    due=ResidentMessage.objects.filter(support_request__assigned_to__isnull=False),
    stamp="assignee_told_at",
    since="created_at",
    related=("support_request__assigned_to",),
    send=resident_message_tell,
)
WITHDRAWAL = Notice(
    name="withdrawal notice",
    due=SupportRequest.objects.filter(withdrawn_at__isnull=False, assigned_to__isnull=False),
    stamp="withdrawal_told_at",
    since="withdrawn_at",
    related=("assigned_to", "area"),
    send=withdrawal_tell,
)
REFERRAL_PARTNER = Notice(
    name="referral notice to the partner",
    due=Referral.objects.exclude(partner__email=""),
    stamp="partner_told_at",
    since="created_at",
    related=("partner", "area", "created_by"),
    send=referral_partner_tell,
)
# What the sweep looks for: every notice a lost job may have left unsent.
SWEPT = (ACKNOWLEDGEMENT, ASSIGNEE, RESIDENT_MESSAGE, WITHDRAWAL, REFERRAL_PARTNER)

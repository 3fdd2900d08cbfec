"""The resident's private link: following a request without an account.

Built on nfc.private_links (only the secret's hash is kept, the secret is
never stored, logged or passed to a task). The link lives in the request's
``follow_*`` fields and lasts NFC_FOLLOW_LINK_DAYS.
"""

from django.conf import settings

from casework.models import FOLLOW_LINK, SupportRequest
from nfc.mail import absolute_url


def follow_link_issue(*, support_request: SupportRequest) -> str:
    """Give the request a new private link and return it as a full address.

    Any earlier link stops working. Call it where the link is sent (the
    acknowledgement, inside the transaction that claims it), so that a
    failed send rolls the new link back too.
    """
    secret = FOLLOW_LINK.issue(support_request, days=settings.NFC_FOLLOW_LINK_DAYS)
    return absolute_url("casework_public:follow", secret=secret)


def follow_link_find(*, secret: str) -> SupportRequest | None:
    """The request a presented secret opens, or None when the secret is
    wrong, expired or revoked (the caller must not say which)."""
    return FOLLOW_LINK.find(SupportRequest.objects.all(), secret=secret)


def follow_link_revoke(*, support_request: SupportRequest) -> None:
    """Stop the request's private link working (kept, with when, for the record)."""
    FOLLOW_LINK.revoke(support_request)

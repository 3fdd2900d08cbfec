"""Reads for casework."""

from casework.models import Signposting

DEFAULT_SIGNPOSTING = (
    "Your local council's community or voluntary sector team can tell you about "
    "groups near you. Your local Council for Voluntary Service (CVS) helps "
    "community groups with advice, training and funding. Citizens Advice can "
    "help with problems of your own, like money or housing."
)


def signposting_text() -> str:
    """Who else can help, for a resident outside the NfC's areas."""
    latest = Signposting.objects.first()
    return latest.text if latest else DEFAULT_SIGNPOSTING

"""What a resident is told about where their request landed: the area their
postcode (or their choice) matched, whether we work there, who will answer,
and their council where it is known. The page after the help form and the
acknowledgement e-mail say the same, from this one place."""

import enum
from dataclasses import dataclass

from advisers.models import AdviserAssignment, User
from areas.models import Area, Postcode
from casework.models import ContactBy, SupportRequest


class Match(enum.StrEnum):
    ADVISER = "adviser"  # an area we work in, with its adviser
    NO_ADVISER = "no_adviser"  # an area we work in, waiting for an adviser
    NOT_IN_PROGRAMME = "not_in_programme"  # one of the 225 areas, not (or no longer) supported
    OUTSIDE = "outside"  # a postcode we know, outside every area we hold
    UNKNOWN_POSTCODE = "unknown_postcode"  # a postcode missing from our directory
    UNKNOWN = "unknown"  # no postcode, and no area chosen or found by name


@dataclass(frozen=True)
class AreaMatch:
    match: Match
    area: Area | None = None
    adviser: User | None = None
    council: str = ""
    # How we know: True when the postcode gave the area (or the council).
    by_postcode: bool = False
    # How the answer will come: "phone" or "e-mail" (you).
    reply_by: str = "e-mail"

    @property
    def supported(self) -> bool:
        return self.match in (Match.ADVISER, Match.NO_ADVISER)


def area_match(support_request: SupportRequest) -> AreaMatch:
    """Tell apart the cases a resident must hear differently (two queries at
    most)."""
    area = support_request.area
    reply_by = "phone" if support_request.contact_by == ContactBy.PHONE else "e-mail"
    postcode = (
        Postcode.objects.filter(postcode=support_request.postcode).first()
        if support_request.postcode
        else None
    )
    if area is None:
        if postcode is not None:
            return AreaMatch(
                Match.OUTSIDE,
                council=postcode.local_authority,
                by_postcode=True,
                reply_by=reply_by,
            )
        if support_request.postcode:
            return AreaMatch(Match.UNKNOWN_POSTCODE, reply_by=reply_by)
        return AreaMatch(Match.UNKNOWN, reply_by=reply_by)
    by_postcode = postcode is not None and postcode.ward_code == area.ward_code
    if not area.in_programme:
        return AreaMatch(
            Match.NOT_IN_PROGRAMME,
            area=area,
            council=area.local_authority,
            by_postcode=by_postcode,
            reply_by=reply_by,
        )
    assignment = (
        AdviserAssignment.objects.current()
        .filter(area=area, adviser__is_active=True)
        .select_related("adviser")
        .first()
    )
    return AreaMatch(
        Match.ADVISER if assignment else Match.NO_ADVISER,
        area=area,
        adviser=assignment.adviser if assignment else None,
        council=area.local_authority,
        by_postcode=by_postcode,
        reply_by=reply_by,
    )

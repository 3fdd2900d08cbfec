"""Every field the portal keeps, in one registry: whether it is about a
person (and may hold special category data, such as health, in someone's
own words), and how long it is kept. Retention and erasure remove what it
says goes with a resident's request; a test fails the build when a model
gains a field that is not here, so nobody adds personal data unnoticed.

Models are named by label, fields by name: this module imports no models.
"""

import enum
from dataclasses import dataclass


class Kind(enum.StrEnum):
    NOT_PERSONAL = "not personal"
    PERSONAL = "personal"
    # Someone's own words about their life, which may hold special category
    # data (UK GDPR article 9): health, beliefs, ethnicity.
    SPECIAL = "may hold special category data"


class Rule(enum.StrEnum):
    KEPT = "kept: nobody is identified by it"
    WITH_REQUEST = (
        "removed with the resident's details NFC_RETENTION_DAYS after their request "
        "closes, or when they ask us to erase them"
    )
    WITH_RECORD = "removed when staff remove the record (a contact, a partnership, a partner)"
    STAFF = "kept while the person works for the NfC; an administrator deletes the account"
    HISTORY = "kept in the append-only audit history; residents' details blanked with them"
    SHORT = "kept only as long as the job needs it (a link's hash, a session)"
    AFTER_EVENT = (
        "removed NFC_EVENT_RETENTION_DAYS after the event ends (the registration's facts "
        "stay, for attendance by area)"
    )


@dataclass(frozen=True)
class Entry:
    kind: Kind
    rule: Rule


NOT = Entry(Kind.NOT_PERSONAL, Rule.KEPT)
STAFF = Entry(Kind.PERSONAL, Rule.STAFF)
RESIDENT = Entry(Kind.PERSONAL, Rule.WITH_REQUEST)
RESIDENTS_WORDS = Entry(Kind.SPECIAL, Rule.WITH_REQUEST)
CONTACT = Entry(Kind.PERSONAL, Rule.WITH_RECORD)
# What people told us when they registered for an event.
REGISTRANT = Entry(Kind.PERSONAL, Rule.AFTER_EVENT)
REGISTRANTS_WORDS = Entry(Kind.SPECIAL, Rule.AFTER_EVENT)
# What staff wrote about an area or their work: it may name people, so it
# is shown only to those who may see contacts, and kept with the record.
STAFF_NOTE = Entry(Kind.PERSONAL, Rule.WITH_RECORD)


def _all(entry: Entry, *names: str) -> dict[str, Entry]:
    return dict.fromkeys(names, entry)


REGISTRY: dict[str, dict[str, Entry]] = {
    "advisers.User": {
        **_all(NOT, "id", "role", "is_active", "region", "date_joined", "invitation_sent_at"),
        **_all(STAFF, "password", "last_login", "email", "full_name"),
    },
    "advisers.StaffSession": {
        **_all(Entry(Kind.PERSONAL, Rule.SHORT), "session_key", "session_data", "user"),
        "expire_date": NOT,
    },
    "advisers.AdviserAssignment": {
        **_all(NOT, "id", "area", "slot", "started_on", "ended_on"),
        **_all(STAFF, "adviser", "assigned_by", "reason", "handover_note"),
    },
    "advisers.CommunityWorkerAllocation": {
        **_all(NOT, "id", "area", "slot", "days_per_month", "started_on", "ended_on"),
        **_all(STAFF, "worker", "assigned_by", "reason"),
    },
    "advisers.TimeRecord": {
        **_all(NOT, "id", "area", "date", "hours", "role", "kind", "recorded_at"),
        **_all(STAFF, "person", "recorded_by", "note"),
    },
    "advisers.ApiToken": {
        **_all(NOT, "id", "scope", "prefix", "created_at", "expires_at", "revoked_at"),
        **_all(STAFF, "user", "name", "revoked_by", "last_used_at"),
        "key_hash": Entry(Kind.PERSONAL, Rule.SHORT),
    },
    "areas.AreaType": _all(NOT, "id", "slug", "name"),
    "areas.Area": {
        **_all(
            NOT,
            "id",
            "ward_code",
            "name",
            "local_authority",
            "region",
            "population",
            "small_areas",
            "small_areas_most_deprived",
            "population_most_deprived",
            "imd_rank",
            "imd_decile",
            "cni_rank",
            "cohort",
            "joined_on",
            "stage",
            "types",
        ),
        "notes": STAFF_NOTE,
    },
    "areas.StageChange": {
        **_all(NOT, "id", "area", "stage", "changed_on", "recorded_at", "withdrawn_at"),
        **_all(STAFF, "recorded_by", "withdrawn_by"),
        **_all(STAFF_NOTE, "note", "withdrawn_reason"),
    },
    "areas.Partnership": {
        **_all(NOT, "id", "area", "name", "trusted_organisation"),
        **_all(CONTACT, "contact_name", "contact_email", "contact_phone"),
    },
    "areas.LocalContact": {
        **_all(NOT, "id", "area", "kind", "organisation"),
        **_all(CONTACT, "name", "role", "email", "phone"),
    },
    "areas.FundingBid": {
        **_all(
            NOT,
            "id",
            "area",
            "stream",
            "amount_sought",
            "amount_secured",
            "status",
            "submitted_on",
            "decided_on",
        ),
        "description": STAFF_NOTE,
    },
    # A postcode covers many homes: on its own it identifies nobody.
    "areas.Postcode": _all(NOT, "id", "postcode", "ward_code", "local_authority"),
    "casework.SupportRequest": {
        **_all(
            NOT,
            "id",
            "reference",
            "area",
            "topic",
            "for_group",
            "contact_by",
            "consented_at",
            "privacy_notice_version",
            "status",
            "created_at",
            "first_contact_at",
            "resolved_at",
            "acknowledgement_sent_at",
            "adviser_told_at",
            "follow_expires_at",
            "follow_revoked_at",
            "details_removed_at",
            "withdrawn_at",
            "withdrawal_told_at",
        ),
        **_all(RESIDENT, "postcode", "place", "group_name", "name", "email", "phone"),
        "description": RESIDENTS_WORDS,
        "assigned_to": STAFF,
        "follow_token_hash": Entry(Kind.PERSONAL, Rule.SHORT),
        # A hash of the form's one-time token: it names nobody.
        "form_token_hash": NOT,
    },
    "casework.StatusChange": {
        **_all(NOT, "id", "support_request", "from_status", "to_status", "changed_at"),
        "changed_by": STAFF,
        "note": RESIDENTS_WORDS,
    },
    "casework.ResidentMessage": {
        **_all(NOT, "id", "support_request", "created_at", "seen_at", "assignee_told_at"),
        "text": RESIDENTS_WORDS,
    },
    "casework.Interaction": {
        **_all(
            NOT,
            "id",
            "area",
            "support_request",
            "date",
            "kind",
            "residents",
            "new_residents",
            "minutes",
            "topics",
            "time_record",
            "created_at",
        ),
        "logged_by": STAFF,
        # About a resident when the interaction is tied to their request
        # (retention and erasure then remove them); otherwise a staff note.
        **_all(RESIDENTS_WORDS, "notes", "next_steps"),
    },
    "casework.Action": {
        **_all(NOT, "id", "area", "support_request", "due_on", "done_at", "created_at"),
        **_all(STAFF, "owner", "done_by", "created_by"),
        "description": RESIDENTS_WORDS,
    },
    "casework.SpamCount": _all(NOT, "id", "day", "reason", "count"),
    "casework.Signposting": {**_all(NOT, "id", "text", "updated_at"), "updated_by": STAFF},
    "casework.Partner": {
        **_all(
            NOT,
            "id",
            "name",
            "expertise",
            "capacity_days",
            "capacity_hours",
            "is_active",
            "notes",
            "created_at",
        ),
        "email": CONTACT,
    },
    "casework.Referral": {
        **_all(
            NOT,
            "id",
            "area",
            "support_request",
            "partner",
            "status",
            "requested_on",
            "accepted_on",
            "declined_on",
            "delivered_on",
            "outcome_recorded_on",
            "cost",
            "days_used",
            "group_rating",
            "created_at",
            "partner_told_at",
        ),
        "created_by": STAFF,
        **_all(RESIDENTS_WORDS, "help_asked", "outcome"),
    },
    "casework.AuditEntry": {
        **_all(NOT, "id", "content_type", "object_id", "support_request", "area", "action", "at"),
        **_all(
            Entry(Kind.PERSONAL, Rule.HISTORY),
            "object_repr",
            "changes",
            "changed_by",
            "changed_by_name",
        ),
    },
    "casework.DataRequest": {
        # The subject is a reference or a registration's key (REG-123): it names nobody.
        **_all(NOT, "id", "support_request", "subject", "kind", "handled_at"),
        "handled_by": STAFF,
    },
    "casework.JobRun": _all(NOT, "id", "name", "started_at", "finished_at", "count", "failed"),
    "events.Event": {
        **_all(
            NOT,
            "id",
            "slug",
            "kind",
            "title",
            "summary",
            "starts_at",
            "ends_at",
            "online",
            "venue_name",
            "venue_address",
            "accessibility_notes",
            "joining_link",
            "region",
            "invited",
            "host_area",
            "areas",
            "capacity",
            "registration_closes_at",
            "published_at",
            "cancelled_at",
            "cancellation_reason",
            "copied_from",
            "created_at",
            "changed_at",
        ),
        "organiser": STAFF,
    },
    "events.EventTopic": _all(NOT, "id", "event", "topic"),
    "events.EventSession": _all(NOT, "id", "event", "title", "starts_at", "ends_at"),
    "events.Registration": {
        **_all(
            NOT,
            "id",
            "event",
            "area",
            "consented_at",
            "privacy_notice_version",
            "status",
            "created_at",
            "confirmed_at",
            "waitlisted_at",
            "offered_at",
            "offer_expires_at",
            "cancelled_at",
            "cancelled_by",
            "manage_expires_at",
            "manage_revoked_at",
            "confirmation_sent_at",
            "waitlist_sent_at",
            "offer_sent_at",
            "reminder_sent_at",
            "change_sent_at",
            "event_cancelled_sent_at",
            "details_removed_at",
            # A hash of the form's one-time token: it names nobody.
            "form_token_hash",
        ),
        **_all(REGISTRANT, "name", "email", "phone"),
        # Their wish to be contacted after the event goes with the ways to
        # reach them.
        "follow_up_consented_at": REGISTRANT,
        # Access and dietary needs may tell of health or belief.
        **_all(REGISTRANTS_WORDS, "access_needs", "dietary_needs"),
        **_all(Entry(Kind.PERSONAL, Rule.SHORT), "manage_token_hash", "manage_link_salt"),
        # On the day and after (events.checkin, events.feedback): that they
        # came is a fact kept for attendance by area; who ticked them is staff.
        **_all(
            NOT,
            "checked_in_at",
            "walk_in",
            "follow_up_action",
            "feedback_expires_at",
            "feedback_revoked_at",
            "feedback_sent_at",
        ),
        "checked_in_by": STAFF,
        "feedback_token_hash": Entry(Kind.PERSONAL, Rule.SHORT),
    },
    "events.Feedback": {
        # The rating counts in the event's figures after the person's details go.
        **_all(NOT, "id", "registration", "rating", "submitted_at", "words_removed_at"),
        # Their own words: they may tell of health or belief.
        **_all(REGISTRANTS_WORDS, "useful", "next_steps"),
    },
    "events.Connection": {
        **_all(
            NOT,
            "id",
            "area_a",
            "area_b",
            "topic",
            "origin",
            "event",
            "made_on",
            "followed_up",
            "created_at",
        ),
        "recorded_by": STAFF,
        # What staff wrote about how the areas met: it may name people.
        "note": STAFF_NOTE,
    },
    "evaluation.OutcomeRecord": {
        # Counts of people and groups, never who they are.
        **_all(
            NOT,
            "id",
            "area",
            "kind",
            "quarter",
            "residents_involved",
            "volunteers",
            "leaders",
            "new_groups",
            "spaces_in_use",
            "spaces_owned",
            "community_plan",
            "neighbourhood_plan",
            "economic_plan",
            "leaders_trained",
            "created_at",
            "updated_at",
        ),
        "recorded_by": STAFF,
        # Staff's account of the quarter: the form asks for no names, but it
        # may name people, like any note.
        "narrative": STAFF_NOTE,
    },
    # A report holds counts only (small ones withheld): nobody is identified.
    "evaluation.Report": {
        **_all(
            NOT,
            "id",
            "kind",
            "region",
            "cohort",
            "area",
            "scope_key",
            "span",
            "period_start",
            "period_end",
            "status",
            "stage",
            "failure",
            "attempts",
            "scheduled",
            "requested_at",
            "enqueued_at",
            "started_at",
            "finished_at",
            "content",
            "pdf",
            "workbook",
            "open_data",
        ),
        "requested_by": STAFF,
    },
    # Webhooks carry public ids and statuses, never a resident's details
    # (nfc/webhooks.py); a receiver's answer is its system's words.
    "nfc.Webhook": {
        **_all(NOT, "id", "name", "url", "events", "secret", "active", "created_at"),
        "created_by": STAFF,
    },
    "nfc.WebhookDelivery": _all(
        NOT,
        "id",
        "webhook",
        "event",
        "payload",
        "status",
        "attempts",
        "last_status_code",
        "last_answer",
        "created_at",
        "last_tried_at",
        "delivered_at",
        "next_try_at",
        "sending_until",
    ),
}


def removed_after_event(label: str) -> list[str]:
    """The fields of model ``label`` that retention removes after the event."""
    return [name for name, entry in REGISTRY[label].items() if entry.rule is Rule.AFTER_EVENT]


def removed_with_request(label: str) -> list[str]:
    """The fields of model ``label`` that go with a resident's request."""
    return [name for name, entry in REGISTRY[label].items() if entry.rule is Rule.WITH_REQUEST]

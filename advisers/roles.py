"""The roles people have at the NfC.

The bottom of the house: every app imports this module, and it imports
nothing of the portal's, so it can never be part of an import circle.
"""

from django.db import models


class Role(models.TextChoices):
    """What a person does at the NfC. Scope (which areas) comes from assignments."""

    ADVISER = "adviser", "Adviser"
    COMMUNITY_WORKER = "community_worker", "Community worker"
    MANAGER = "manager", "Manager"
    EVALUATOR = "evaluator", "Research and evaluation"
    ADMINISTRATOR = "administrator", "Administrator"


ROLE_SUMMARIES = {
    Role.ADVISER: "You are the named adviser for a caseload of up to 10 areas.",
    Role.COMMUNITY_WORKER: "You work on the ground in up to 5 areas, 2 days a month each.",
    Role.MANAGER: "You look after caseloads, workloads and delivery across the programme.",
    Role.EVALUATOR: "You study what works, from counts and anonymised records.",
    Role.ADMINISTRATOR: "You manage staff accounts and the portal's settings.",
}

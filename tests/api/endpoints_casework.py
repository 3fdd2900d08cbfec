"""The casework endpoints' rows of the API matrix (tests/api/matrix.py):
requests, interactions, actions, referrals and partners, allowed as the
web's pages allow them."""

from tests.api.matrix import MANAGERS, Endpoint, support_request

# Those who see casework ("casework.view"): evaluators and administrators do not.
CASEWORK = frozenset({"adviser", "community_worker", "manager", "regional_lead"})
# Those who move requests ("casework.change") and refer ("referrals.make").
CHANGERS = frozenset({"adviser", "manager", "regional_lead"})


def own_interaction(scene, user) -> dict:
    # Only its author may correct or remove one; for anyone else it is not there.
    return {"pk": scene.interaction_of(user).pk}


def own_action(scene, user) -> dict:
    return {"pk": scene.action_of(user).pk}


def referral(scene, user) -> dict:
    return {"pk": scene.referral.pk}


def partner(scene, user) -> dict:
    return {"pk": scene.partner.pk}


ENDPOINTS = {
    "casework_api:request-list": Endpoint({"GET": CASEWORK}),
    "casework_api:request-detail": Endpoint({"GET": CASEWORK}, kwargs=support_request),
    "casework_api:request-move": Endpoint({"POST": CHANGERS}, kwargs=support_request),
    "casework_api:request-assign": Endpoint({"POST": MANAGERS}, kwargs=support_request),
    "casework_api:interaction-list": Endpoint({"GET": CASEWORK, "POST": CASEWORK}),
    "casework_api:interaction-detail": Endpoint(
        {"GET": CASEWORK, "PATCH": CASEWORK, "DELETE": CASEWORK}, kwargs=own_interaction
    ),
    "casework_api:action-list": Endpoint({"GET": CASEWORK, "POST": CASEWORK}),
    "casework_api:action-detail": Endpoint({"GET": CASEWORK, "PATCH": CASEWORK}, kwargs=own_action),
    "casework_api:action-done": Endpoint({"POST": CASEWORK}, kwargs=own_action),
    "casework_api:referral-list": Endpoint({"GET": CASEWORK, "POST": CHANGERS}),
    "casework_api:referral-detail": Endpoint({"GET": CASEWORK}, kwargs=referral),
    "casework_api:referral-move": Endpoint({"POST": CHANGERS}, kwargs=referral),
    "casework_api:referral-outcome": Endpoint({"POST": CHANGERS}, kwargs=referral),
    "casework_api:partner-list": Endpoint({"GET": CASEWORK, "POST": MANAGERS}),
    "casework_api:partner-detail": Endpoint({"GET": CASEWORK, "PATCH": MANAGERS}, kwargs=partner),
}

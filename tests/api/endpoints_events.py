from tests.api.matrix import MANAGERS, STAFF, Endpoint

# Who may organise the scene's event (for Hendon's people): Hendon's adviser
# and managers (a regional lead: it is in their region).
ORGANISERS = frozenset({"adviser", *MANAGERS})
# Everyone but administrators, who see events and nothing of the network.
NETWORK = STAFF - {"administrator"}


def event(scene, user) -> dict:
    return {"slug": scene.event.slug}


def registration(scene, user) -> dict:
    return {"slug": scene.event.slug, "pk": scene.registration.pk}


ENDPOINTS = {
    "events_api:event_list": Endpoint({"GET": STAFF, "POST": ORGANISERS}),
    "events_api:event_detail": Endpoint({"GET": STAFF, "PATCH": ORGANISERS}, kwargs=event),
    "events_api:event_publish": Endpoint({"POST": ORGANISERS}, kwargs=event),
    "events_api:event_cancel": Endpoint({"POST": ORGANISERS}, kwargs=event),
    "events_api:registration_list": Endpoint({"GET": ORGANISERS}, kwargs=event),
    "events_api:check_in": Endpoint({"POST": ORGANISERS}, kwargs=registration),
    "events_api:connection_list": Endpoint({"GET": NETWORK, "POST": ORGANISERS}),
}

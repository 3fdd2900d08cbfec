from tests.api.matrix import MANAGERS, STAFF, Endpoint, area

# Those who see an area's people and what staff write about it.
SEE_CONTACTS = frozenset({"adviser", "community_worker", "manager", "regional_lead"})
# Those who may change an area (Hendon is the adviser's and the lead's region's).
EDITORS = frozenset({"adviser", "manager", "regional_lead"})


def contact(scene, user) -> dict:
    return {"ward_code": scene.area.ward_code, "pk": scene.contact.pk}


def funding_bid(scene, user) -> dict:
    return {"ward_code": scene.area.ward_code, "pk": scene.funding_bid.pk}


def partnership(scene, user) -> dict:
    return {
        "name": "Hendon Together",
        "contact_name": "",
        "contact_email": "",
        "contact_phone": "",
        "trusted_organisation": "",
    }


ENDPOINTS = {
    "areas_api:area_list": Endpoint({"GET": STAFF}),
    "areas_api:area_detail": Endpoint({"GET": STAFF}, kwargs=area),
    "areas_api:area_stages": Endpoint({"GET": STAFF, "POST": EDITORS}, kwargs=area),
    "areas_api:area_partnership": Endpoint(
        {"GET": SEE_CONTACTS, "PUT": EDITORS}, kwargs=area, body=partnership
    ),
    "areas_api:area_contacts": Endpoint({"GET": SEE_CONTACTS, "POST": EDITORS}, kwargs=area),
    "areas_api:area_contact": Endpoint({"GET": SEE_CONTACTS, "DELETE": EDITORS}, kwargs=contact),
    "areas_api:area_funding": Endpoint({"GET": STAFF, "POST": EDITORS}, kwargs=area),
    "areas_api:area_funding_bid": Endpoint(
        {"GET": STAFF, "PUT": EDITORS, "PATCH": EDITORS}, kwargs=funding_bid
    ),
    "areas_api:area_adviser": Endpoint({"POST": MANAGERS}, kwargs=area),
    "areas_api:area_community_worker": Endpoint({"POST": MANAGERS}, kwargs=area),
}

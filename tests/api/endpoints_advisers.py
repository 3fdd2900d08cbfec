from tests.api.matrix import MANAGERS, STAFF, Endpoint

# Those who record time: their own (time.record) or anybody's (time.correct).
RECORDERS = frozenset({"adviser", "community_worker", "manager", "regional_lead"})


def hendons_adviser(scene, user) -> dict:
    scene.area  # noqa: B018 (made for its adviser's caseload)
    return {"pk": scene.persona("adviser").pk}


def own_time_record(scene, user) -> dict:
    # Anyone may see and take back their own record, as on the web.
    return {"pk": scene.time_record_of(user).pk}


ENDPOINTS = {
    "advisers_api:me": Endpoint({"GET": STAFF}),
    "advisers_api:staff_list": Endpoint({"GET": MANAGERS}),
    "advisers_api:staff_detail": Endpoint({"GET": MANAGERS}, kwargs=hendons_adviser),
    "advisers_api:time_list": Endpoint({"GET": STAFF, "POST": RECORDERS}),
    "advisers_api:time_detail": Endpoint({"GET": STAFF, "DELETE": STAFF}, kwargs=own_time_record),
}

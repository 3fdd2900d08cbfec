from tests.api.matrix import STAFF, Endpoint

ENDPOINTS = {
    "advisers_api:me": Endpoint({"GET": STAFF}),
}

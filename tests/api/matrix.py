"""The API's permission matrix, declared by each app's endpoints module
(tests/api/endpoints_<app>.py) and run by tests/api/test_matrix.py.

Each endpoint is named by its URL name and says, for each method it
answers, which roles may call it. An allowed role gets an answer that is
neither 401, 403, 404 nor 405, nor a 5xx (a 400 for the empty body a write
is sent is fine: the question here is who gets in). Anyone else gets 403;
anonymous callers and closed accounts 401; a read-only token (a manager's)
reads as its owner and changes nothing (403).
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from tests.scene import Scene

# The roles an endpoint's rows name.
ROLES = ("adviser", "community_worker", "manager", "regional_lead", "evaluator", "administrator")
STAFF = frozenset(ROLES)
MANAGERS = frozenset({"manager", "regional_lead"})
FIELD_STAFF = frozenset({"adviser", "community_worker"})
NOBODY: frozenset[str] = frozenset()

Kwargs = Callable[[Scene, object], dict]
Body = Callable[[Scene, object], dict]


def no_kwargs(scene, user) -> dict:
    return {}


def empty_body(scene, user) -> dict:
    return {}


@dataclass(frozen=True)
class Endpoint:
    # method ("GET", "POST", "PUT", "PATCH", "DELETE") -> the roles that may
    allowed: dict[str, frozenset[str]]
    kwargs: Kwargs = no_kwargs
    # What a write sends: an empty body unless the endpoint needs more to
    # get past its own checks to the permission's (rarely).
    body: Body = field(default=empty_body)


# Kwargs builders most endpoints share.
def area(scene, user) -> dict:
    return {"ward_code": scene.area.ward_code}


def support_request(scene, user) -> dict:
    return {"reference": scene.support_request.reference}

from evaluation.outcomes import slug_of
from tests.api.matrix import FIELD_STAFF, MANAGERS, Endpoint, area
from tests.scene import Scene

# Who reads Hendon's outcome records and reports: its adviser and community
# worker, managers (a regional lead: Hendon is in their region) and
# evaluators; administrators never.
READERS = frozenset({*FIELD_STAFF, *MANAGERS, "evaluator"})
# Who records Hendon's outcomes: its adviser, and managers.
RECORDERS = frozenset({"adviser", *MANAGERS})
STARTERS = frozenset({*MANAGERS, "evaluator"})


def outcome_record(scene: Scene, user) -> dict:
    return {"ward_code": scene.area.ward_code, "quarter": slug_of(scene.outcome_record)}


def report(scene: Scene, user) -> dict:
    return {"pk": scene.report.pk}


def report_pdf(scene: Scene, user) -> dict:
    return {"pk": scene.report.pk, "kind": "pdf"}


ENDPOINTS = {
    "evaluation_api:outcome_list": Endpoint({"GET": READERS, "POST": RECORDERS}, kwargs=area),
    "evaluation_api:outcome_detail": Endpoint(
        {"GET": READERS, "PATCH": RECORDERS}, kwargs=outcome_record
    ),
    "evaluation_api:report_list": Endpoint({"GET": READERS, "POST": STARTERS}),
    "evaluation_api:report_detail": Endpoint({"GET": READERS}, kwargs=report),
    "evaluation_api:report_download": Endpoint({"GET": READERS}, kwargs=report_pdf),
}

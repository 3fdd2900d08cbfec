"""Every operation the API's schema lists, fuzzed against that schema by
Schemathesis: made-up calls, valid and not (its positive and negative
modes), as a national manager with a read-and-write token, in a world with
data. No answer may be a 5xx, and every answer must be one the schema
documents for the operation, with the body and headers it documents.

The schema is the live one, asked of the portal's own WSGI application at
/api/schema/ as the tests are collected (a test per operation), so an
endpoint added anywhere is fuzzed here without a line changed. The calls
go to the same application in-process, on the test PostgreSQL.

Bounded and repeatable: a fixed seed (Hypothesis' ``derandomize``), the
boundary cases Schemathesis derives from each operation's schema (its
coverage phase: missing fields, wrong types, the edges of each range,
methods the operation does not answer), then EXAMPLES made-up calls, valid
and not; no shrinking of a failure, which would take longer than the
fuzzing. About a second an operation.

The world (Hendon with its people, a request, a referral to a partner, an
event with registrations, interactions, time records, actions, an outcome
record...) is made once for the module, in a transaction rolled back at
its end; each operation's test runs in a savepoint of it, so what one
operation's calls write is gone before the next (as tests/test_bench.py
loads its data). Made per test instead, it would cost as much again as
the fuzzing.
"""

import datetime
from types import SimpleNamespace

import pytest
import schemathesis
from django.apps import apps
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from django.utils import timezone
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from advisers.models import ApiToken, Role
from nfc.wsgi import application
from tests.api.conftest import make_token
from tests.factories import UserFactory
from tests.scene import Scene

pytestmark = pytest.mark.django_db

# Made-up calls per operation, after the coverage phase's.
EXAMPLES = 15

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]

# WSGI calls in-process carry no client address of their own; the
# portal's throttles and sign-in limits need one.
CLIENT = {"environ_base": {"REMOTE_ADDR": "127.0.0.1"}}

schema = schemathesis.openapi.from_wsgi("/api/schema/", application, **CLIENT)


# Made-up ids name nothing, so on their own the calls would never reach an
# object: some name the world's instead. An id in the address is looked up
# by the word before it ("/areas/{ward_code}/" -> an area's ward code,
# "/interactions/{id}/" -> an interaction's pk), and so is a body's field
# ("area" -> a ward code); filled in by `world` once the world is made.
KNOWN: dict[tuple[str, str], list] = {}


# Words of the API's addresses that are not their model's name.
ALIASES = {"staff": "user"}


def _model_named(word: str):
    """The model a URL's or a field's word names: "time" is TimeRecord,
    "contacts" LocalContact, "requests" SupportRequest, "staff" User."""
    wanted = word.replace("-", "").replace("_", "").lower().removesuffix("s")
    wanted = ALIASES.get(wanted, wanted)
    if not wanted:
        return None
    models = [
        model
        for model in apps.get_models()
        if model._meta.app_label in ("areas", "advisers", "casework", "events", "evaluation")
    ]
    for fits in (
        lambda name: name == wanted,
        lambda name: name.endswith(wanted),
        lambda name: wanted in name,
    ):
        found = [model for model in models if fits(model._meta.model_name)]
        if found:
            return found[0]
    return None


def _public_ids(model, name: str) -> list:
    """A few of the model's values of ``name`` (the URL's own word for its
    id: ward_code, reference, slug), or of its public id when the name is
    "id"/"pk" or a field's, first the world's own."""
    fields = {field.name for field in model._meta.get_fields()}
    column = (
        name
        if name in fields
        else next(
            (
                key
                for key in ("ward_code", "reference", "slug")
                if key in fields and name not in ("id", "pk")
            ),
            "pk",
        )
    )
    return list(model.objects.order_by("pk").values_list(column, flat=True)[:5])


def _known_for(word: str, name: str) -> list:
    key = (word, name)
    if key not in KNOWN:
        model = _model_named(word)
        KNOWN[key] = _public_ids(model, name) if model is not None else []
    return KNOWN[key]


def _half_real(made_up: dict, real: dict):
    """The made-up values, or (as often) the same with the world's ids in."""
    if not real:
        return st.just(made_up)
    return st.one_of(
        st.just(made_up),
        st.fixed_dictionaries({name: st.sampled_from(values) for name, values in real.items()}).map(
            lambda chosen: {**made_up, **chosen}
        ),
    )


@schema.hook
def flatmap_path_parameters(context, path_parameters):
    if not path_parameters:
        return st.just(path_parameters)
    words = context.operation.path.strip("/").split("/")
    real = {}
    for before, part in zip(words, words[1:], strict=False):
        name = part.strip("{}")
        if part.startswith("{") and name in path_parameters:
            values = _known_for(before, name)
            if values:
                real[name] = values
    return _half_real(path_parameters, real)


@schema.hook
def flatmap_body(context, body):
    if not isinstance(body, dict):
        return st.just(body)
    real = {}
    for name, value in body.items():
        if isinstance(value, str | int) and not isinstance(value, bool):
            values = _known_for(name, "pk" if isinstance(value, int) else "")
            if values and type(values[0]) is type(value):
                real[name] = values
    return _half_real(body, real)


class _People:
    """What Scene asks its pytest request for: the personas, made once for
    the module (the conftest's fixtures are made afresh for each test)."""

    def __init__(self):
        self._made = {}

    def getfixturevalue(self, name):
        if name not in self._made:
            self._made[name] = UserFactory(role=Role(name), full_name=f"Fuzz {name}")
        return self._made[name]


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """The data the calls meet, and a national manager's read-and-write token."""
    with django_db_blocker.unblock(), transaction.atomic():
        people = _People()
        scene = Scene(people)
        for part in (
            "area",
            "support_request",
            "partner",
            "referral",
            "stage_change",
            "contact",
            "funding_bid",
            "event",
            "registration",
            "attendance",
            "connection",
            "outcome_record",
        ):
            getattr(scene, part)
        for role in ("adviser", "community_worker"):
            person = people.getfixturevalue(role)
            scene.interaction_of(person)
            scene.time_record_of(person)
            scene.action_of(person)
        manager = people.getfixturevalue("manager")
        scene.interaction_of(manager)
        KNOWN.clear()
        yield SimpleNamespace(scene=scene, token=make_token(manager))
        KNOWN.clear()
        transaction.set_rollback(True)


@pytest.fixture
def in_process():
    """The portal's WSGI application called in the test's transaction: as
    Django's test client does, its connection is not closed at each
    request's start and end (which would end the transaction)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


# Some sixty operations at about a second each: `make test`, not test-fast.
@pytest.mark.slow
@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    # No shrinking: a failure is reported as found, and the run stays bounded.
    phases=[Phase.explicit, Phase.generate],
    # The world is made once for the module, not for each call (see above).
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_answers_as_its_schema_says(case, world, in_process):
    case.call_and_validate(
        headers={"Authorization": f"Bearer {world.token}"}, checks=CHECKS, **CLIENT
    )


def test_the_schema_is_valid_openapi_without_a_warning(tmp_path):
    # As `manage.py spectacular --validate --fail-on-warn`: a view whose
    # shape drf-spectacular has to guess fails here.
    call_command(
        "spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "api.yaml")
    )


def test_every_operation_needs_a_token_or_a_session():
    operations = [
        (method.upper(), path, operation)
        for path, methods in schema.raw_schema["paths"].items()
        for method, operation in methods.items()
    ]
    assert operations
    for method, path, operation in operations:
        security = operation.get("security") or schema.raw_schema.get("security") or []
        assert security, f"{method} {path} names no security requirement"
        assert {} not in security, f"{method} {path} may be called without signing in"
        assert {"apiToken": []} in security, f"{method} {path} does not take a token"


def test_the_schema_and_its_documentation_are_the_only_public_addresses_it_names(client):
    # They describe the API, never its data: open to all, and not operations.
    for address in ("/api/schema/", "/api/docs/"):
        assert client.get(address).status_code == 200
    assert not {"/api/schema/", "/api/docs/"} & schema.raw_schema["paths"].keys()


def test_a_token_past_its_expiry_gets_a_documented_401(world, in_process):
    # A call Schemathesis never makes (it always sends the good token).
    token = ApiToken.objects.get(prefix=world.token[:12])
    token.expires_at = timezone.now() - datetime.timedelta(minutes=1)
    token.save(update_fields=["expires_at"])
    case = schema["/api/v1/me/"]["GET"].Case()
    response = case.call_and_validate(
        headers={"Authorization": f"Bearer {world.token}"}, checks=CHECKS, **CLIENT
    )
    assert response.status_code == 401

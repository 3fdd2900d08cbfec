"""Every API endpoint × every caller: allowed or refused as the web would.

The endpoints are declared by tests/api/endpoints_<app>.py (see
tests/api/matrix.py). A guard test fails when an address under /api/v1/ is
missing, or when an endpoint answers a method its row does not name, so a
new endpoint cannot ship without its row.
"""

import importlib
import json
import pkgutil

import pytest
from django.urls import reverse

import tests.api
from tests.api.conftest import client_with_token, make_token
from tests.api.matrix import ROLES, Endpoint
from tests.scene import Scene
from tests.support import url_patterns

pytestmark = pytest.mark.django_db

CALLERS = (*ROLES, "anonymous", "deactivated", "read_only_token")
WRITES = ("POST", "PUT", "PATCH", "DELETE")
HANDLERS = ("GET", *WRITES)


def _declared() -> dict[str, Endpoint]:
    endpoints: dict[str, Endpoint] = {}
    for module in pkgutil.iter_modules(tests.api.__path__):
        if module.name.startswith("endpoints_"):
            found = importlib.import_module(f"tests.api.{module.name}").ENDPOINTS
            twice = endpoints.keys() & found.keys()
            assert not twice, f"declared twice: {sorted(twice)}"
            endpoints.update(found)
    return endpoints


ENDPOINTS = _declared()


def _api_routes():
    for parts, name in url_patterns():
        route = "".join(str(part) for part in parts)
        if route.startswith("api/v1/"):
            yield route, name


def _cases():
    for name, endpoint in ENDPOINTS.items():
        for method in endpoint.allowed:
            for caller in CALLERS:
                yield pytest.param(caller, method, name, id=f"{caller}-{method}-{name}")


def _client_for(request, caller):
    if caller == "anonymous":
        return client_with_token(None), None
    if caller == "deactivated":
        user = request.getfixturevalue("deactivated")
        raw = make_token(user)
        user.is_active = False
        user.save(update_fields=["is_active"])
        return client_with_token(raw), user
    if caller == "read_only_token":
        user = request.getfixturevalue("manager")
        return client_with_token(make_token(user, scope="read")), user
    user = request.getfixturevalue(caller)
    return client_with_token(make_token(user)), user


@pytest.mark.parametrize(("caller", "method", "url_name"), list(_cases()))
def test_each_caller_gets_what_the_web_would_give_them(request, caller, method, url_name):
    endpoint = ENDPOINTS[url_name]
    client, user = _client_for(request, caller)
    scene = Scene(request)
    # The address is made as the caller's scene: as the manager's for those
    # without a person of their own, so the object exists either way.
    owner = user or request.getfixturevalue("manager")
    url = reverse(url_name, kwargs=endpoint.kwargs(scene, owner))
    body = endpoint.body(scene, owner) if method in WRITES else None

    response = client.generic(
        method, url, data=None if body is None else _json(body), content_type="application/json"
    )

    status = response.status_code
    assert status < 500, f"{caller} {method} {url}: {status}"
    assert "no-store" in response.get("Cache-Control", ""), f"{method} {url} may be stored"
    if caller in ("anonymous", "deactivated"):
        assert status == 401, f"{caller} {method} {url}: {status}, not 401"
        assert response["WWW-Authenticate"].startswith("Bearer")
        return
    if caller == "read_only_token":
        may = method == "GET" and "manager" in endpoint.allowed[method]
    else:
        may = caller in endpoint.allowed[method]
    if may:
        assert status not in (401, 403, 404, 405), f"{caller} may {method} {url} but got {status}"
    else:
        assert status == 403, f"{caller} may not {method} {url} yet got {status}"


def _json(body: dict) -> str:
    return json.dumps(body)


def _view_methods(callback) -> set[str]:
    actions = getattr(callback, "actions", None)
    if actions is not None:
        # A viewset adds "head" to its actions at its first GET (DRF).
        return {method.upper() for method in actions} & set(HANDLERS)
    view_class = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    return {method for method in HANDLERS if hasattr(view_class, method.lower())}


def test_every_api_endpoint_is_in_the_matrix():
    routes = list(_api_routes())
    unnamed = [route for route, name in routes if not name]
    assert not unnamed, f"API addresses without a URL name cannot be checked: {unnamed}"
    names = {name for _, name in routes}
    missing = sorted(names - ENDPOINTS.keys())
    assert not missing, f"Add to tests/api/endpoints_*.py: {missing}"
    assert not ENDPOINTS.keys() - names, f"No longer endpoints: {sorted(ENDPOINTS.keys() - names)}"


def _callbacks(resolver=None, namespace=""):
    from django.urls import URLPattern, URLResolver, get_resolver

    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from _callbacks(pattern, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield (f"{namespace}:{pattern.name}" if namespace else pattern.name), pattern.callback


def test_the_matrix_names_every_method_each_endpoint_answers():
    callbacks = dict(_callbacks())
    for name, endpoint in ENDPOINTS.items():
        answered = _view_methods(callbacks[name])
        assert set(endpoint.allowed) == answered, (
            f"{name} answers {sorted(answered)}; its row names {sorted(endpoint.allowed)}"
        )
        for method, roles in endpoint.allowed.items():
            unknown = set(roles) - set(ROLES)
            assert not unknown, f"{name} {method}: unknown roles {unknown}"


@pytest.mark.parametrize("url_name", sorted(ENDPOINTS))
def test_a_method_no_row_names_is_405(request, url_name):
    endpoint = ENDPOINTS[url_name]
    unanswered = [method for method in HANDLERS if method not in endpoint.allowed]
    if not unanswered:
        pytest.skip("answers every method")
    client, user = _client_for(request, "manager")
    url = reverse(url_name, kwargs=endpoint.kwargs(Scene(request), user))
    response = client.generic(unanswered[0], url, data="{}", content_type="application/json")
    assert response.status_code in (403, 405), f"{unanswered[0]} {url}: {response.status_code}"

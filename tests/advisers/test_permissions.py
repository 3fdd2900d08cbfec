"""Who reaches what: one matrix of (role, page, expected answer)."""

import pytest

from advisers.models import Role
from advisers.permissions import CAN, PERMISSIONS, has_perm, has_perms, two_factor_required
from areas.models import Region
from tests.factories import AreaFactory

ROLES = ["adviser", "community_worker", "manager", "evaluator", "administrator"]
EVERYONE = [*ROLES, "anonymous"]

# (url, who gets 200); everybody else signed in gets 403, anonymous people
# are sent to sign in, except on public pages. The staff pages themselves
# (/staff/, /dashboard/, /api/v1/) are the permission matrix's
# (tests/test_permission_matrix.py); these are allauth's and the admin's.
STAFF_PAGES = [
    ("/accounts/2fa/", ROLES),
    ("/accounts/password/change/", ROLES),
    ("/admin/", ["administrator"]),
    ("/admin/advisers/user/", ["administrator"]),
    ("/admin/advisers/user/add/", ["administrator"]),
    ("/admin/areas/areatype/", ["administrator"]),
]
PUBLIC_PAGES = [
    "/",
    "/accounts/login/",
    "/accounts/password/reset/",
    "/neighbourhoods/",
    "/about-the-data/",
]


def _matrix():
    cases = []
    for url, allowed in STAFF_PAGES:
        for who in EVERYONE:
            if who in allowed:
                expected = 200
            elif who == "anonymous":
                expected = "sign in"
            else:
                expected = 403
            cases.append(pytest.param(who, url, expected, id=f"{who}-{url}"))
    return cases


@pytest.mark.parametrize(("persona", "url", "expected"), _matrix(), indirect=["persona"])
def test_staff_page_access(client, persona, url, expected):
    if persona is not None:
        client.force_login(persona)
    response = client.get(url, follow=True)
    if expected == "sign in":
        assert response.redirect_chain
        assert response.request["PATH_INFO"] == "/accounts/login/"
        assert response.status_code == 200
    else:
        assert response.status_code == expected
        if expected == 200:
            assert response.request["PATH_INFO"] == url


@pytest.mark.parametrize("url", PUBLIC_PAGES)
@pytest.mark.parametrize("persona", ["anonymous"], indirect=True)
def test_public_pages_open_to_everyone(client, db, persona, url):
    assert client.get(url).status_code == 200


@pytest.mark.parametrize("persona", EVERYONE, indirect=True)
def test_api_me_answers_staff_only(client, persona):
    if persona is not None:
        client.force_login(persona)
    response = client.get("/api/v1/me/")
    if persona is None:
        # Told to authenticate, and how (the API's base: a bearer token).
        assert response.status_code == 401
        assert response["WWW-Authenticate"].startswith("Bearer")
    else:
        assert response.status_code == 200
        assert response.json()["role"] == persona.role
        assert response.json()["permissions"] == sorted(CAN[persona.role])
        # The id other endpoints name people by (an action's owner, say).
        assert response.json()["id"] == persona.pk


def test_the_admin_has_no_login_of_its_own(client):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


def test_a_closed_account_holds_no_permission(adviser):
    adviser.is_active = False
    assert not has_perm(adviser, "portal.use")


def test_every_role_has_a_row_and_every_permission_is_known():
    assert set(CAN) == set(Role)
    for granted in CAN.values():
        assert granted <= set(PERMISSIONS)


def test_only_administrators_hold_the_admin_site_model_permissions(adviser, manager, administrator):
    assert has_perm(administrator, "advisers.change_user")
    assert not has_perm(manager, "advisers.change_user")
    assert not has_perm(adviser, "advisers.view_user")


def test_two_factor_is_required_of_managers_and_administrators_only(
    adviser, manager, administrator
):
    assert two_factor_required(manager)
    assert two_factor_required(administrator)
    assert not two_factor_required(adviser)


def test_a_setting_can_require_two_factor_of_everyone(settings, adviser):
    settings.NFC_MFA_REQUIRED_FOR_ALL = True
    assert two_factor_required(adviser)


def test_an_unknown_permission_is_a_mistake_not_a_quiet_yes(administrator):
    with pytest.raises(ValueError, match="Unknown permission"):
        has_perm(administrator, "casework.veiw")


def test_administrators_get_admin_site_permissions_only_for_the_apps_kept_there(administrator):
    assert has_perm(administrator, "mfa.delete_authenticator")
    assert not has_perm(administrator, "casework.view_supportrequest")
    assert not administrator.has_module_perms("casework")


def test_areas_themselves_are_not_on_the_admin_site(admin_client_for):
    assert admin_client_for.get("/admin/areas/area/").status_code == 404


@pytest.mark.parametrize(
    "persona",
    ["adviser", "community_worker", "manager", "evaluator", "administrator"],
    indirect=True,
)
def test_permissions_asked_together_of_an_area_answer_as_each_asked_alone(persona, hendon):
    elsewhere = AreaFactory(region=Region.LONDON)
    if persona.role == Role.MANAGER:
        # A regional lead: their region's areas only.
        persona.region = hendon.region
    for area in (hendon, elsewhere):
        together = has_perms(persona, PERMISSIONS, area)
        assert together == {perm: has_perm(persona, perm, area) for perm in PERMISSIONS}
    # Named for Hendon, not for the other; a regional lead's region only.
    assert has_perms(persona, ["areas.edit"], elsewhere) == {"areas.edit": False}

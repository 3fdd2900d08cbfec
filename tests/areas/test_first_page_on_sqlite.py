"""An area's first page on the SQLite file `make run` uses, for a person who
may see its local contacts and one who may not: its lists are read in one
statement written by hand, which must suit both databases."""

import json

import pytest

from tests.support import clean_env, run_python

FIRST_PAGES = """
import json
from django.core.management import call_command
call_command("migrate", verbosity=0)
from django.test import Client
from advisers import services as staff_services
from advisers.roles import Role
from areas.models import AreaType, LocalContact
from tests.factories import AreaFactory, UserFactory
area = AreaFactory(name="Hendon", ward_code="E05001158")
area.types.add(AreaType.objects.create(slug="tried-on-sqlite", name="Tried on SQLite"))
LocalContact.objects.create(area=area, name="Pat Contact", kind="council", role="Officer")
staff_services.area_assign_adviser(area=area, adviser=UserFactory(role=Role.ADVISER), by=None)
shown = {}
for role in (Role.MANAGER, Role.EVALUATOR):
    client = Client()
    client.force_login(UserFactory(role=role, region=""))
    page = client.get("/staff/areas/E05001158/")
    shown[role] = [page.status_code, "Tried on SQLite" in page.text, "Pat Contact" in page.text]
print(json.dumps(shown))
"""


@pytest.mark.slow
def test_an_areas_first_page_draws_on_sqlite_with_and_without_its_contacts(tmp_path):
    finished = run_python(
        "manage.py",
        "shell",
        "--no-imports",
        "-c",
        FIRST_PAGES,
        env=clean_env(
            DATABASE_URL=f"sqlite:///{tmp_path / 'nfc.sqlite3'}", ALLOWED_HOSTS="testserver"
        ),
        timeout=180,
    )
    assert finished.returncode == 0, finished.stderr
    assert json.loads(finished.stdout.splitlines()[-1]) == {
        "manager": [200, True, True],
        "evaluator": [200, True, False],
    }

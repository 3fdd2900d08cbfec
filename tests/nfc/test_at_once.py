"""Two people at once, for an adviser's last place, a community worker's, a
partner's last days, two residents sending the help form, or one resident
sending it twice (a double click): each gets a clear answer (one saved, the
other refused in words, or both saved: two requests, or one shown to both),
never a server error, on PostgreSQL and on the SQLite file `make run` uses.
"""

import json

import pytest

from tests.at_once import EXPECTED, RACES
from tests.support import clean_env, run_python


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("race", RACES)
def test_two_people_at_once_on_postgresql_each_get_a_clear_answer(race):
    assert RACES[race]() == EXPECTED[race]


@pytest.fixture(scope="module")
def on_sqlite(tmp_path_factory) -> dict:
    """Every race, run once in a child process on a new SQLite file with the
    portal's own settings, as `make run` serves it."""
    database = tmp_path_factory.mktemp("sqlite") / "nfc.sqlite3"
    finished = run_python(
        "manage.py",
        "shell",
        "--no-imports",
        "-c",
        "from tests.at_once import main; main()",
        env=clean_env(DATABASE_URL=f"sqlite:///{database}", ALLOWED_HOSTS="testserver"),
        timeout=180,
    )
    assert finished.returncode == 0, finished.stderr
    return json.loads(finished.stdout.splitlines()[-1])


# A child process that migrates a new database and waits out its races.
@pytest.mark.slow
@pytest.mark.parametrize("race", RACES)
def test_two_people_at_once_on_sqlite_each_get_a_clear_answer(on_sqlite, race):
    assert on_sqlite[race] == EXPECTED[race]

"""A web process that never imported the jobs' module can still start a
report: the build job is found by name, and starting one from the page
once failed with "NotRegistered" (the test process imports the module, so
only a fresh process shows it)."""

from tests.support import clean_env, run_python


def test_a_fresh_process_knows_the_report_build_job_by_name():
    result = run_python(
        "-c",
        "import django; django.setup(); from celery import current_app; "
        "from evaluation.reports import BUILD_TASK; print(BUILD_TASK in current_app.tasks)",
        env=clean_env(DJANGO_SETTINGS_MODULE="nfc.settings"),
    )
    assert result.stdout.strip() == "True", result.stderr

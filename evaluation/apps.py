from django.apps import AppConfig


class EvaluationConfig(AppConfig):
    name = "evaluation"
    verbose_name = "Evaluation"

    def ready(self):
        # Models can be imported only once every app is loaded, and the
        # cache's module imports the models of every app it listens to.
        from evaluation import cache

        cache.connect()
        # Importing them connects the dashboard's part of each area's page,
        # and the outcome records' parts of it and of an adviser's home page;
        # the report pages start the build job by name (its module imports
        # reports.py), and a web process imports no jobs' module by itself.
        from evaluation import (
            area_panels,  # noqa: F401
            outcome_panels,  # noqa: F401
            tasks,  # noqa: F401
        )

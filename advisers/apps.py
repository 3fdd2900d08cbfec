from django.apps import AppConfig


class AdvisersConfig(AppConfig):
    name = "advisers"
    verbose_name = "People"

    def ready(self):
        from advisers import dashboard_cache

        dashboard_cache.connect()

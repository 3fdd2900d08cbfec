from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "events"
    verbose_name = "Events"

    def ready(self):
        # Importing it connects the network's part of each area's page.
        from events import network_views  # noqa: F401

from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "events"
    verbose_name = "Events"

    def ready(self):
        # Models can be imported only once every app is loaded; importing it
        # connects events' parts of the home page and of each area's page.
        # Importing it connects the network's part of each area's page,
        # and adds registrations to residents' data requests.
        from events import (
            attendance_panels,  # noqa: F401
            network_views,  # noqa: F401
            resident_data,  # noqa: F401
        )

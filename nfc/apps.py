from django.apps import AppConfig
from django.core.signals import request_finished

# Registers the median aggregate on each new SQLite connection, on import.
import nfc.aggregates  # noqa: F401
from nfc.logging import forget_request_id


class NfcConfig(AppConfig):
    name = "nfc"
    verbose_name = "Network for Communities"

    def ready(self):
        request_finished.connect(forget_request_id, dispatch_uid="nfc.forget_request_id")

from django.apps import AppConfig
from django.core.signals import request_finished


class NfcConfig(AppConfig):
    name = "nfc"
    verbose_name = "Network for Communities"

    def ready(self):
        # Registers the median aggregate on each new SQLite connection.
        import nfc.aggregates  # noqa: F401
        from nfc.logging import forget_request_id

        request_finished.connect(forget_request_id, dispatch_uid="nfc.forget_request_id")

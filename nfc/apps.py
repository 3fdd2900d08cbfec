from django.apps import AppConfig


class NfcConfig(AppConfig):
    name = "nfc"
    verbose_name = "Network for Communities"

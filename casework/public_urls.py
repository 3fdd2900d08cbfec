from django.urls import path

from casework import public_views

app_name = "casework_public"

urlpatterns = [
    path("help/", public_views.help_request, name="help_request"),
    path("help/sent/", public_views.help_sent, name="help_sent"),
    path("privacy/", public_views.privacy, name="privacy"),
]

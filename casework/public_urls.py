from django.urls import path

from casework import following_views, public_views

app_name = "casework_public"

urlpatterns = [
    path("help/", public_views.help_request, name="help_request"),
    path("help/sent/", public_views.help_sent, name="help_sent"),
    path("privacy/", public_views.privacy, name="privacy"),
    # The resident's private link: the secret is in the path, so the access
    # log writes this pattern, never the path itself.
    path("help/follow/<str:secret>/", following_views.follow, name="follow"),
]

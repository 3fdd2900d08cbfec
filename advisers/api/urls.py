from django.contrib.auth.decorators import login_not_required
from django.urls import path

from advisers.api import views

app_name = "advisers_api"

# The API answers 403 itself (DRF), rather than redirecting to the sign-in page.
urlpatterns = [
    path("me/", login_not_required(views.MeView.as_view()), name="me"),
]

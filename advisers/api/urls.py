from django.urls import path

from advisers.api import views

app_name = "advisers_api"

urlpatterns = [
    path("me/", views.MeView.as_view(), name="me"),
]

from django.urls import path

from casework import views

app_name = "casework"

urlpatterns = [
    path("signposting/", views.signposting_edit, name="signposting"),
]

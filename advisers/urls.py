from django.urls import path

from advisers import views

app_name = "advisers"

urlpatterns = [
    path("", views.home, name="home"),
    path("caseloads/", views.caseloads, name="caseloads"),
    path("time/", views.time_record_add, name="time_record_add"),
    path("time/<int:pk>/remove/", views.time_record_remove, name="time_record_remove"),
]

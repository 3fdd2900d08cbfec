from django.urls import path

from advisers.api import views

app_name = "advisers_api"

urlpatterns = [
    path("me/", views.MeView.as_view(), name="me"),
    path("staff/", views.StaffList.as_view(), name="staff_list"),
    path("staff/<int:pk>/", views.StaffDetail.as_view(), name="staff_detail"),
    path("time/", views.TimeRecords.as_view(), name="time_list"),
    path("time/<int:pk>/", views.TimeRecordDetail.as_view(), name="time_detail"),
]

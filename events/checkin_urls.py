"""The staff pages of the day and after (included by events.urls)."""

from django.urls import path

from events import checkin_views

urlpatterns = [
    path("<slug:slug>/check-in/", checkin_views.checkin_list, name="checkin"),
    path("<slug:slug>/check-in/walk-in/", checkin_views.walk_in, name="walk_in"),
    path("<slug:slug>/check-in/<int:pk>/", checkin_views.checkin_tick, name="checkin_tick"),
    path(
        "attendance/<int:pk>/action/",
        checkin_views.attendance_action,
        name="attendance_action",
    ),
]

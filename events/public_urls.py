from django.urls import include, path

from events import public_views

app_name = "events_public"

urlpatterns = [
    path("events/", public_views.event_list, name="event_list"),
    path("events/<slug:slug>/", public_views.event_detail, name="event_detail"),
    path("events/<slug:slug>/calendar.ics", public_views.event_calendar, name="event_calendar"),
    path("events/<slug:slug>/registered/", public_views.registered, name="registered"),
    # The person's private link: the secret is in the path (nfc.logging
    # masks it in every log).
    path("events/place/<str:secret>/", public_views.manage, name="manage"),
    path("", include("events.feedback_urls")),
]

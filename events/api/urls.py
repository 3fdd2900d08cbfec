from django.urls import path

from events.api import views

app_name = "events_api"

urlpatterns = [
    path("events/", views.EventListView.as_view(), name="event_list"),
    path("events/<slug:slug>/", views.EventDetailView.as_view(), name="event_detail"),
    path("events/<slug:slug>/publish/", views.EventPublishView.as_view(), name="event_publish"),
    path("events/<slug:slug>/cancel/", views.EventCancelView.as_view(), name="event_cancel"),
    path(
        "events/<slug:slug>/registrations/",
        views.RegistrationListView.as_view(),
        name="registration_list",
    ),
    path(
        "events/<slug:slug>/registrations/<int:pk>/check-in/",
        views.CheckInView.as_view(),
        name="check_in",
    ),
    path("connections/", views.ConnectionListView.as_view(), name="connection_list"),
]

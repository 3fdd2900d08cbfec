from django.urls import include, path

from events import resident_data_views, views

app_name = "events"

urlpatterns = [
    path("", views.event_list, name="list"),
    path("new/", views.event_new, name="new"),
    path("network/", include("events.network_urls")),
    path(
        "registrations/<int:pk>/correct/",
        resident_data_views.registration_correct,
        name="registration_correct",
    ),
    path("<slug:slug>/", views.event_detail, name="detail"),
    path("<slug:slug>/edit/", views.event_edit, name="edit"),
    path("<slug:slug>/publish/", views.event_publish, name="publish"),
    path("<slug:slug>/cancel/", views.event_cancel, name="cancel"),
    path("<slug:slug>/copy/", views.event_copy, name="copy"),
    path(
        "<slug:slug>/registrations/<int:pk>/cancel/",
        views.registration_cancel,
        name="registration_cancel",
    ),
    path(
        "<slug:slug>/registrations/<int:pk>/take-offer/",
        views.registration_take_offer,
        name="registration_take_offer",
    ),
    path("", include("events.checkin_urls")),
]

"""The network's pages, under the events' address and names (events:network)."""

from django.urls import path

from events import network_views

urlpatterns = [
    path("", network_views.network, name="network"),
    path("pairs/", network_views.network_pairs_page, name="network_pairs"),
    path("connections/new/", network_views.connection_new, name="connection_new"),
    path(
        "connections/introduce/",
        network_views.connection_introduce,
        name="connection_introduce",
    ),
    path(
        "connections/<int:pk>/followed-up/",
        network_views.connection_followed_up,
        name="connection_followed_up",
    ),
]

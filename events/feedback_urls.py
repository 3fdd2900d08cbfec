"""The public feedback page (included by events.public_urls)."""

from django.urls import path

from events import feedback_views

urlpatterns = [
    # The secret is in the path (nfc.logging masks it in every log).
    path("events/feedback/<str:secret>/", feedback_views.feedback, name="feedback"),
]

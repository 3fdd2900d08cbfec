"""The portal under /moved/, for a test that changes the URL configuration."""

from django.urls import include, path

urlpatterns = [path("moved/", include("nfc.urls"))]

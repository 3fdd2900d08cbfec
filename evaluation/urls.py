from django.urls import path

from evaluation import views

app_name = "dashboard"

urlpatterns = [
    path("", views.programme, name="index"),
    path("export/<slug:table>.csv", views.export, name="export"),
    path("regions/<slug:region>/", views.region, name="region"),
    path(
        "regions/<slug:region>/export/<slug:table>.csv",
        views.export,
        name="region_export",
    ),
]

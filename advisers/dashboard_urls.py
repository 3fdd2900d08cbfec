from django.urls import path

from advisers import dashboard_views

app_name = "dashboard"

urlpatterns = [
    path("", dashboard_views.programme, name="index"),
    path("export/<slug:table>.csv", dashboard_views.export, name="export"),
    path("regions/<slug:region>/", dashboard_views.region, name="region"),
    path(
        "regions/<slug:region>/export/<slug:table>.csv",
        dashboard_views.export,
        name="region_export",
    ),
]

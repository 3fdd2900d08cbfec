from django.urls import path

from evaluation import views

app_name = "dashboard"

urlpatterns = [
    path("", views.programme, name="index"),
    path("delivery/", views.delivery, name="delivery"),
    path("caseloads/", views.caseloads, name="caseloads"),
    path("trends/", views.trends, name="trends"),
    path("export/<slug:table>.csv", views.export, name="export"),
    path("regions/<slug:region>/", views.region, name="region"),
    path("regions/<slug:region>/delivery/", views.delivery, name="region_delivery"),
    path("regions/<slug:region>/caseloads/", views.caseloads, name="region_caseloads"),
    path("regions/<slug:region>/trends/", views.trends, name="region_trends"),
    path(
        "regions/<slug:region>/export/<slug:table>.csv",
        views.export,
        name="region_export",
    ),
]

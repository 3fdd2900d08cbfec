from django.urls import path, re_path

from evaluation.api import views

app_name = "evaluation_api"

urlpatterns = [
    path(
        "areas/<str:ward_code>/outcomes/",
        views.OutcomeRecordListView.as_view(),
        name="outcome_list",
    ),
    path(
        "areas/<str:ward_code>/outcomes/<slug:quarter>/",
        views.OutcomeRecordDetailView.as_view(),
        name="outcome_detail",
    ),
    path("reports/", views.ReportListView.as_view(), name="report_list"),
    path("reports/<int:pk>/", views.ReportDetailView.as_view(), name="report_detail"),
    re_path(
        r"^reports/(?P<pk>[0-9]+)/(?P<kind>pdf|xlsx|csv)/$",
        views.ReportDownloadView.as_view(),
        name="report_download",
    ),
]

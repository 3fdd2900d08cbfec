from django.urls import path

from evaluation import report_views

app_name = "reports"

urlpatterns = [
    path("", report_views.report_list, name="list"),
    path("start/", report_views.report_start, name="start"),
    path("<int:pk>/", report_views.report_detail, name="detail"),
    path("<int:pk>/status.json", report_views.report_status, name="status"),
    path("<int:pk>/retry/", report_views.report_retry, name="retry"),
    path("<int:pk>/report/", report_views.report_read, name="read"),
    path("<int:pk>/download/<slug:kind>/", report_views.report_download, name="download"),
]

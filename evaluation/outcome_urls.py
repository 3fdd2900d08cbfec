from django.urls import path

from evaluation import outcome_views

app_name = "outcomes"

# Under an area's page: /staff/areas/<ward code>/outcomes/<"baseline" or "2026-q3">/
urlpatterns = [
    path("<slug:quarter>/", outcome_views.outcome_detail, name="detail"),
    path("<slug:quarter>/record/", outcome_views.outcome_record, name="record"),
]

from django.urls import path

from advisers import token_views, views

app_name = "advisers"

urlpatterns = [
    path("", views.home, name="home"),
    path("caseloads/", views.caseloads, name="caseloads"),
    path("time/", views.time_record_add, name="time_record_add"),
    path("time/<int:pk>/remove/", views.time_record_remove, name="time_record_remove"),
    path("account/api-tokens/", token_views.api_tokens, name="api_tokens"),
    path("account/api-tokens/new/", token_views.api_token_made, name="api_token_made"),
    path(
        "account/api-tokens/<int:pk>/revoke/",
        token_views.api_token_revoke,
        name="api_token_revoke",
    ),
]

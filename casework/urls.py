from django.urls import path

from casework import data_request_views, views

app_name = "casework"

urlpatterns = [
    path("signposting/", views.signposting_edit, name="signposting"),
    path("requests/", views.request_list, name="request_list"),
    path("search/", views.search, name="search"),
    path("audit/", views.audit_list, name="audit"),
    path("areas/<str:ward_code>/timeline/", views.area_timeline, name="area_timeline"),
    path("requests/<str:reference>/", views.request_detail, name="request_detail"),
    path("requests/<str:reference>/move/", views.request_move, name="request_move"),
    path("requests/<str:reference>/assign/", views.request_assign, name="request_assign"),
    path("requests/<str:reference>/link/", views.request_link, name="request_link"),
    path("interactions/new/", views.interaction_new, name="interaction_new"),
    path("interactions/<int:pk>/correct/", views.interaction_correct, name="interaction_correct"),
    path("interactions/<int:pk>/remove/", views.interaction_remove, name="interaction_remove"),
    path("actions/", views.my_actions, name="my_actions"),
    path("actions/new/", views.action_new, name="action_new"),
    path("actions/<int:pk>/done/", views.action_done, name="action_done"),
    path("actions/<int:pk>/change/", views.action_change, name="action_change"),
    # Residents' requests about their data (the privacy notice's rights).
    path("residents/", data_request_views.resident_data, name="resident_data"),
    path("residents/export/", data_request_views.resident_export, name="resident_export"),
    path("residents/erase/", data_request_views.resident_erase, name="resident_erase"),
    path(
        "requests/<str:reference>/correct/",
        data_request_views.request_correct,
        name="request_correct",
    ),
]

from django.urls import path

from areas import views

app_name = "areas"

urlpatterns = [
    path("", views.area_list, name="list"),
    path("export.csv", views.area_export, name="export"),
    path("<str:ward_code>/", views.area_detail, name="detail"),
    path("<str:ward_code>/casework/", views.area_casework, name="casework"),
    path("<str:ward_code>/events/", views.area_events, name="events"),
    path("<str:ward_code>/time/", views.area_time, name="time"),
    path("<str:ward_code>/outcomes/", views.area_outcomes, name="outcomes"),
    path("<str:ward_code>/stage/", views.area_stage, name="stage"),
    path(
        "<str:ward_code>/stage/<int:pk>/correct/",
        views.area_stage_correct,
        name="stage_correct",
    ),
    path("<str:ward_code>/people/", views.area_assign, name="assign"),
    path("<str:ward_code>/join/", views.area_join, name="join"),
    path("<str:ward_code>/handover/", views.area_handover, name="handover"),
    path("<str:ward_code>/handover/note/", views.area_handover_note, name="handover_note"),
    path("<str:ward_code>/facts/", views.area_facts, name="facts"),
    path("<str:ward_code>/partnership/", views.area_partnership, name="partnership"),
    path("<str:ward_code>/contacts/add/", views.area_contact_add, name="contact_add"),
    path(
        "<str:ward_code>/contacts/<int:pk>/remove/",
        views.area_contact_remove,
        name="contact_remove",
    ),
    path("<str:ward_code>/funding/add/", views.area_funding_add, name="funding_add"),
    path("<str:ward_code>/funding/<int:pk>/", views.area_funding_edit, name="funding_edit"),
]

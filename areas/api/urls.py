from django.urls import path

from areas.api import views

app_name = "areas_api"

urlpatterns = [
    path("areas/", views.AreaList.as_view(), name="area_list"),
    path("areas/<str:ward_code>/", views.AreaDetail.as_view(), name="area_detail"),
    path("areas/<str:ward_code>/stages/", views.AreaStages.as_view(), name="area_stages"),
    path(
        "areas/<str:ward_code>/partnership/",
        views.AreaPartnership.as_view(),
        name="area_partnership",
    ),
    path("areas/<str:ward_code>/contacts/", views.AreaContacts.as_view(), name="area_contacts"),
    path(
        "areas/<str:ward_code>/contacts/<int:pk>/",
        views.AreaContact.as_view(),
        name="area_contact",
    ),
    path("areas/<str:ward_code>/funding/", views.AreaFunding.as_view(), name="area_funding"),
    path(
        "areas/<str:ward_code>/funding/<int:pk>/",
        views.AreaFundingBid.as_view(),
        name="area_funding_bid",
    ),
    path("areas/<str:ward_code>/adviser/", views.AreaAdviser.as_view(), name="area_adviser"),
    path(
        "areas/<str:ward_code>/community-worker/",
        views.AreaCommunityWorker.as_view(),
        name="area_community_worker",
    ),
]

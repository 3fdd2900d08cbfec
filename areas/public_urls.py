"""Public pages about the neighbourhoods, at the site root: no sign-in."""

from django.urls import path

from areas import public_views

app_name = "areas_public"

urlpatterns = [
    path("neighbourhoods/", public_views.area_list, name="area_list"),
    path("neighbourhoods/<str:ward_code>/", public_views.area_detail, name="area_detail"),
    path("about-the-data/", public_views.about_the_data, name="about_the_data"),
]

from django.urls import path

from areas import views

app_name = "areas"

urlpatterns = [
    path("", views.area_list, name="list"),
    path("export.csv", views.area_export, name="export"),
    path("<str:ward_code>/", views.area_detail, name="detail"),
    path("<str:ward_code>/stage/", views.area_stage, name="stage"),
    path("<str:ward_code>/people/", views.area_assign, name="assign"),
]

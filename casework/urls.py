from django.urls import path

from casework import views

app_name = "casework"

urlpatterns = [
    path("signposting/", views.signposting_edit, name="signposting"),
    path("requests/", views.request_list, name="request_list"),
    path("requests/<str:reference>/", views.request_detail, name="request_detail"),
    path("requests/<str:reference>/move/", views.request_move, name="request_move"),
    path("requests/<str:reference>/assign/", views.request_assign, name="request_assign"),
]

from django.urls import path

from evaluation import records_views

app_name = "figures"

urlpatterns = [
    path("<slug:kind>/", records_views.figure_records, name="records"),
]

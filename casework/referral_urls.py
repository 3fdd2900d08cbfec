from django.urls import path

from casework import referral_views as views

app_name = "referrals"

urlpatterns = [
    path("", views.referral_list, name="list"),
    path("new/", views.referral_new, name="new"),
    path("<int:pk>/", views.referral_detail, name="detail"),
    path("<int:pk>/step/", views.referral_step, name="step"),
    path("partners/", views.partner_list, name="partner_list"),
    path("partners/new/", views.partner_add, name="partner_add"),
    path("partners/<int:pk>/", views.partner_edit, name="partner_edit"),
]

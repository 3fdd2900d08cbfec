from rest_framework.routers import SimpleRouter

from casework.api import views

app_name = "casework_api"

router = SimpleRouter()
router.register("requests", views.SupportRequestViewSet, basename="request")
router.register("interactions", views.InteractionViewSet, basename="interaction")
router.register("actions", views.ActionViewSet, basename="action")
router.register("referrals", views.ReferralViewSet, basename="referral")
router.register("partners", views.PartnerViewSet, basename="partner")

urlpatterns = router.urls

from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from nfc import views
from nfc.api.routing import answering_for_themselves

# The admin has no login of its own: it sends people to the same allauth
# sign-in, with its rate limits and two-factor step. (allauth's documented
# way: replacing the site's method on the instance, which mypy forbids.)
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]
admin.site.site_header = "Network for Communities: administration"
admin.site.site_title = "NfC administration"

handler404 = views.page_not_found
handler500 = views.server_error

# Each app keeps its own endpoints; all answer under /api/v1/.
API_V1 = [
    path("", include("advisers.api.urls")),
    path("", include("areas.api.urls")),
    path("", include("casework.api.urls")),
    path("", include("events.api.urls")),
    path("", include("evaluation.api.urls")),
]

urlpatterns = [
    path("", views.home, name="home"),
    # Pages without an icon link (the admin's) make browsers ask for this.
    path("favicon.ico", views.favicon),
    path("", include("areas.public_urls")),
    path("", include("casework.public_urls")),
    path("", include("events.public_urls")),
    path("staff/", include("advisers.urls")),
    path("dashboard/", include("evaluation.urls")),
    path("staff/areas/", include("areas.urls")),
    # An area's outcome records, under its page (evaluation sits above areas,
    # so areas' URLs cannot include them).
    path("staff/areas/<str:ward_code>/outcomes/", include("evaluation.outcome_urls")),
    path("staff/casework/", include("casework.urls")),
    path("staff/referrals/", include("casework.referral_urls")),
    path("staff/events/", include("events.urls")),
    path("staff/reports/", include("evaluation.report_urls")),
    path("staff/figures/", include("evaluation.records_urls")),
    path("api/v1/", include(answering_for_themselves([path("", include(API_V1))]))),
    path(
        "api/schema/",
        login_not_required(SpectacularAPIView.as_view()),
        name="api-schema",
    ),
    path(
        "api/docs/",
        login_not_required(SpectacularSwaggerSplitView.as_view(url_name="api-schema")),
        name="api-docs",
    ),
    # A sign-in address is changed by an administrator, never by its owner
    # (allauth would let anyone add and switch to an unverified address).
    path("accounts/email/", views.not_found),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
]

from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path
from drf_spectacular.views import SpectacularAPIView

from accounts import api as accounts_api
from accounts import views as accounts_views
from jurisdictions import api as jurisdictions_api

from . import views

accounts_patterns: tuple[list[URLPattern], str] = (
    [
        path("login/", accounts_views.LoginView.as_view(), name="login"),
        path("logout/", accounts_views.LogoutView.as_view(), name="logout"),
        path("two-factor/", accounts_views.two_factor, name="two_factor"),
        path("tokens/", accounts_views.tokens, name="tokens"),
        path("security/", accounts_views.security_administration, name="security"),
        path("welcome/<str:token>/", accounts_views.welcome, name="welcome"),
        path("password/", accounts_views.change_password, name="password"),
    ],
    "accounts",
)

api_v1: list[URLPattern | URLResolver] = [
    path("auth/token/", accounts_api.TokenView.as_view(), name="api-token"),
    path("auth/tokens/", accounts_api.TokenListView.as_view(), name="api-tokens"),
    path("auth/tokens/<uuid:ref>/", accounts_api.TokenDetailView.as_view(), name="api-token-detail"),
    path("auth/enrolment-codes/", accounts_api.EnrolmentCodeView.as_view(), name="api-enrolment-codes"),
    path("me/", jurisdictions_api.MeView.as_view(), name="api-me"),
    path("divisions/", jurisdictions_api.DivisionListView.as_view(), name="api-divisions"),
    path("divisions/<str:code>/", jurisdictions_api.DivisionDetailView.as_view(), name="api-division"),
    # The busiest first (tasks and cases): every request walks these in order until one matches.
    path("", include("cases.api_urls")),
    path("", include("jurisdictions.api_urls")),
    path("", include("audit_ui.api_urls")),
    path("", include("subjects.api_urls")),
    path("", include("reports.api_urls")),
    path("", include("crosscheck.api_urls")),
    path("", include("quality.api_urls")),
    path("", include("transfers.api_urls")),
    path("", include("letters.api_urls")),
    path("", include("notifications.api_urls")),
    path("", include("policies.api_urls")),
    path("", include("portal.api_urls")),
    path("", include("petitions.api_urls")),
    path("", include("benefits.api_urls")),
]

urlpatterns = [
    path("api/v1/", include(api_v1)),  # first: API clients make most of the requests
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("accessibility/", views.elder_mode, name="elder_mode"),
    path("accounts/", include(accounts_patterns)),
    path("divisions/", include("jurisdictions.urls")),
    path("staff/", include("jurisdictions.staff_urls")),
    path("audit/", include("audit_ui.urls")),
    path("subjects/", include("subjects.urls")),
    path("collect/", include("subjects.urls_collect")),
    path("cases/", include("cases.urls")),
    path("reports/", include("reports.urls")),
    path("crosscheck/", include("crosscheck.urls")),
    path("quality/", include("quality.urls")),
    path("transfers/", include("transfers.urls")),
    path("letters/", include("letters.urls")),
    path("notifications/", include("notifications.urls")),
    path("policies/", include("policies.urls")),
    path("track/", include("portal.urls")),
    path("petitions/", include("petitions.urls")),
    path("benefits/", include("benefits.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("admin/", admin.site.urls),
]
# Chinese error pages in a standalone layout; JSON under /api/ (config.errors).
handler400 = "config.errors.bad_request"
handler403 = "config.errors.permission_denied"
handler404 = "config.errors.not_found"

# A database outage answers 503 with Retry-After (JSON on the API); other errors stay 500.
handler500 = "core.outage.server_error"

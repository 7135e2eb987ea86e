from django.urls import path

from . import api, api_notices, api_rosters

urlpatterns = [
    path("benefit-standards/", api.StandardListView.as_view(), name="api-benefit-standards"),
    path("subjects/<int:pk>/benefits/", api.SubjectBenefitsView.as_view(), name="api-subject-benefits"),
    path("recoveries/", api.RecoveryListView.as_view(), name="api-recoveries"),
]
urlpatterns += [
    path("rosters/", api.RosterListView.as_view(), name="api-rosters"),
    path("rosters/by-county/", api_rosters.RostersByCountyView.as_view(), name="api-rosters-by-county"),
    path("rosters/<int:pk>/approve/", api.RosterApproveView.as_view(), name="api-roster-approve"),
    path("rosters/<int:pk>/bank-file", api.RosterBankFileView.as_view(), name="api-roster-bank-file"),
    path("rosters/<int:pk>/returns/", api.RosterReturnsView.as_view(), name="api-roster-returns"),
    path("rosters/<int:pk>/close/", api.RosterCloseView.as_view(), name="api-roster-close"),
]

# The annual confirmation (年度确认): benefits/confirmation_api.py
from . import confirmation_api  # noqa: E402

urlpatterns += [
    path("confirmation-campaigns/", confirmation_api.CampaignListView.as_view(), name="api-confirmation-campaigns"),
    path(
        "confirmation-campaigns/<int:pk>/items/",
        confirmation_api.CampaignItemsView.as_view(),
        name="api-confirmation-campaign-items",
    ),
    path(
        "confirmation-campaigns/<int:pk>/progress/",
        confirmation_api.CampaignProgressView.as_view(),
        name="api-confirmation-campaign-progress",
    ),
    path(
        "confirmation-campaigns/<int:pk>/data-match/",
        confirmation_api.CampaignMatchView.as_view(),
        name="api-confirmation-campaign-match",
    ),
    path(
        "confirmation-campaigns/<int:pk>/close/",
        confirmation_api.CampaignCloseView.as_view(),
        name="api-confirmation-campaign-close",
    ),
    path(
        "confirmation-items/<int:pk>/confirm/",
        confirmation_api.ItemConfirmView.as_view(),
        name="api-confirmation-confirm",
    ),
    path(
        "confirmation-items/<int:pk>/spot-check/",
        confirmation_api.ItemSpotCheckView.as_view(),
        name="api-confirmation-spot-check",
    ),
    path(
        "confirmation-items/<int:pk>/cancel/", confirmation_api.ItemCancelView.as_view(), name="api-confirmation-cancel"
    ),
]
urlpatterns += [
    path("public-notices/", api_notices.NoticeListView.as_view(), name="api-notices"),
    path("public-notices/<int:pk>/", api_notices.NoticeDetailView.as_view(), name="api-notice"),
    path("public-notices/<int:pk>/publish/", api_notices.NoticePublishView.as_view(), name="api-notice-publish"),
    path("public-notices/<int:pk>/close/", api_notices.NoticeCloseView.as_view(), name="api-notice-close"),
]
urlpatterns += [
    path("entitlements/<int:pk>/reveal-account/", api_rosters.RevealAccountView.as_view(), name="api-reveal-account"),
]

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
urlpatterns += [
    path("public-notices/", api_notices.NoticeListView.as_view(), name="api-notices"),
    path("public-notices/<int:pk>/", api_notices.NoticeDetailView.as_view(), name="api-notice"),
    path("public-notices/<int:pk>/publish/", api_notices.NoticePublishView.as_view(), name="api-notice-publish"),
    path("public-notices/<int:pk>/close/", api_notices.NoticeCloseView.as_view(), name="api-notice-close"),
]
urlpatterns += [
    path("entitlements/<int:pk>/reveal-account/", api_rosters.RevealAccountView.as_view(), name="api-reveal-account"),
]

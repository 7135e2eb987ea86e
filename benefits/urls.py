from django.urls import path

from . import views, views_notices, views_rosters

app_name = "benefits"
urlpatterns = [
    path("subjects/<int:subject_id>/", views.subject_ledger, name="subject"),
    path("entitlements/<int:pk>/suspend/", views.suspend, name="suspend"),
    path("entitlements/<int:pk>/resume/", views.resume, name="resume"),
    path("recoveries/", views.recovery_list, name="recoveries"),
    path("recoveries/<int:pk>/file-case/", views.file_recovery_case, name="file_recovery_case"),
    # The old direct decision: now files the case that decides it (README, docs/benefits.md).
    path("recoveries/<int:pk>/decide/", views.file_recovery_case, name="decide_recovery"),
    path("recoveries/<int:pk>/repayments/", views.record_repayment, name="repayment"),
    path("standards/", views.standard_list, name="standards"),
    path("standards/<int:pk>/change/", views.change_standard, name="change_standard"),
    path("rosters/", views.roster_list, name="rosters"),
    path("rosters/generate/", views.generate_roster, name="generate_roster"),
    path("rosters/<int:pk>/approve/", views.approve_roster, name="approve_roster"),
    path("rosters/<int:pk>/bank-file/", views.roster_bank_file, name="roster_bank_file"),
    path("rosters/<int:pk>/returns/", views.roster_returns, name="roster_returns"),
    path("rosters/<int:pk>/close/", views.close_roster, name="close_roster"),
    path("entitlements/<int:pk>/reveal-account/", views_rosters.reveal_account, name="reveal_account"),
    path("notices/", views_notices.notice_list, name="notices"),
    path("notices/draft/", views_notices.draft_notice, name="draft_notice"),
    path("notices/<int:pk>/", views_notices.notice_detail, name="notice"),
    path("notices/<int:pk>/publish/", views_notices.publish_notice, name="publish_notice"),
    path("notices/<int:pk>/close/", views_notices.close_notice, name="close_notice"),
]

# The annual confirmation (年度确认): benefits/confirmation_views.py
from . import confirmation_views  # noqa: E402

urlpatterns += [
    path("confirmation/", confirmation_views.campaign_list, name="campaigns"),
    path("confirmation/open/", confirmation_views.open_campaign, name="open_campaign"),
    path("confirmation/<int:pk>/", confirmation_views.campaign_detail, name="campaign"),
    path("confirmation/<int:pk>/match/", confirmation_views.run_match, name="campaign_match"),
    path("confirmation/<int:pk>/close/", confirmation_views.close_campaign, name="close_campaign"),
    path("confirmation/items/<int:pk>/confirm/", confirmation_views.confirm_item, name="confirm_item"),
    path("confirmation/items/<int:pk>/spot-check/", confirmation_views.spot_check_item, name="spot_check_item"),
    path("confirmation/items/<int:pk>/cancel/", confirmation_views.cancel_item, name="cancel_item"),
]

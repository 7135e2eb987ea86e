from django.urls import path

from . import views

app_name = "cases"
urlpatterns = [
    path("", views.case_list, name="list"),
    path("export.<str:fmt>", views.case_export, name="export"),
    path("new/", views.file_case, name="file"),
    path("new/person/", views.choose_subject, name="choose_subject"),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/assign/", views.bulk_assign, name="bulk_assign"),
    path("shared/", views.shared_list, name="shared"),
    path("<int:pk>/", views.case_detail, name="detail"),
    path("<int:pk>/grants/", views.grant_new, name="grant_new"),
    path("<int:pk>/grants/<int:grant_id>/end/", views.grant_end, name="grant_end"),
    path("<int:pk>/print/", views.case_print, name="print"),
    path("<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("<int:pk>/ratings/", views.record_rating, name="rate"),
    path("<int:pk>/attachments/", views.attachment_upload, name="attach"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment"),
    path("attachments/<int:pk>/preview/", views.attachment_preview, name="attachment_preview"),
    path("settings/sla/", views.sla_settings, name="sla"),
    path("settings/calendar/", views.calendar_settings, name="calendar"),
    path("tasks/<int:pk>/", views.task_form, name="task"),
    path("tasks/<int:pk>/claim/", views.task_claim, name="claim"),
    path("tasks/<int:pk>/release/", views.task_release, name="release"),
    path("tasks/<int:pk>/reassign/", views.task_reassign, name="reassign"),
]

"""API routes of the cases app, mounted under /api/v1/."""

from django.urls import path

from . import api

urlpatterns = [
    path("cases/", api.CaseListView.as_view(), name="api-cases"),
    path("cases/shared/", api.SharedCaseListView.as_view(), name="api-cases-shared"),
    path("cases/<int:pk>/", api.CaseDetailView.as_view(), name="api-case"),
    path("cases/<int:pk>/grants/", api.CaseGrantListView.as_view(), name="api-case-grants"),
    path("cases/<int:pk>/grants/<int:grant_id>/end/", api.CaseGrantEndView.as_view(), name="api-case-grant-end"),
    path("cases/<int:pk>/history/", api.CaseHistoryView.as_view(), name="api-case-history"),
    path("cases/<int:pk>/ratings/", api.CaseRatingsView.as_view(), name="api-case-ratings"),
    path("cases/<int:pk>/transitions/<str:name>/", api.CaseTransitionView.as_view(), name="api-case-transition"),
    path("tasks/", api.TaskListView.as_view(), name="api-tasks"),
    path("tasks/<int:pk>/claim/", api.TaskClaimView.as_view(), name="api-task-claim"),
    path("tasks/<int:pk>/release/", api.TaskReleaseView.as_view(), name="api-task-release"),
    path("tasks/<int:pk>/reassign/", api.TaskReassignView.as_view(), name="api-task-reassign"),
    path("tasks/<int:pk>/complete/", api.TaskCompleteView.as_view(), name="api-task-complete"),
]

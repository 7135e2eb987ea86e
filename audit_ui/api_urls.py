"""API routes of the auditor's workspace, mounted under /api/v1/."""

from django.urls import path

from . import api

urlpatterns = [
    path("audit/events/", api.AuditEventListView.as_view(), name="api-audit-events"),
]

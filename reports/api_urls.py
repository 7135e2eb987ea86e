"""API routes of the reports app, mounted under /api/v1/."""

from django.urls import path

from . import api

urlpatterns = [
    path("reports/summary/", api.SummaryView.as_view(), name="api-reports-summary"),
]

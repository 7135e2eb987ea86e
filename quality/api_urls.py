"""API routes of the quality app, mounted under /api/v1/."""

from django.urls import path

from . import api

urlpatterns = [
    path("quality-reviews/", api.QualityReviewListView.as_view(), name="api-quality-reviews"),
    path("quality-reviews/<int:pk>/findings/", api.FindingView.as_view(), name="api-quality-findings"),
]

"""API routes of the crosscheck app, mounted under /api/v1/."""

from django.urls import path

from . import api

urlpatterns = [
    path("crosscheck/datasets/", api.DatasetUploadView.as_view(), name="crosscheck-datasets"),
    path("crosscheck/runs/", api.RunStartView.as_view(), name="crosscheck-runs"),
    path("feeds/<str:department>/", api.FeedView.as_view(), name="crosscheck-feed"),
]

"""API routes of the crosscheck app, mounted under /api/v1/."""

from django.urls import path

from . import api

urlpatterns = [
    path("feeds/<str:department>/", api.FeedView.as_view(), name="crosscheck-feed"),
]

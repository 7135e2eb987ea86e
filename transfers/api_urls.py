"""API routes of the transfers app, mounted under /api/v1/."""

from django.urls import path

from . import api

urlpatterns = [
    path("subjects/<int:pk>/transfers/", api.SubjectTransfersView.as_view(), name="api-subject-transfers"),
    path("transfers/", api.TransferListView.as_view(), name="api-transfers"),
    path("transfers/<int:pk>/", api.TransferDetailView.as_view(), name="api-transfer"),
    path("transfers/<int:pk>/release/", api.ReleaseView.as_view(), name="api-transfer-release"),
    path("transfers/<int:pk>/accept/", api.AcceptView.as_view(), name="api-transfer-accept"),
    path("transfers/<int:pk>/refuse/", api.RefuseView.as_view(), name="api-transfer-refuse"),
]

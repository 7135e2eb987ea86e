"""API routes of the letters app, mounted under /api/v1/."""

from django.urls import path

from . import api

urlpatterns = [
    path("cases/<int:pk>/letters/", api.CaseLettersView.as_view(), name="api-case-letters"),
    path("letters/<int:pk>/", api.LetterDetailView.as_view(), name="api-letter"),
    path("letters/<int:pk>/pdf", api.LetterPdfView.as_view(), name="api-letter-pdf"),
]

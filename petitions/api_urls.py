"""API routes of petitions, mounted under /api/v1/ (the transitions are the case's: ``cases.api_urls``)."""

from django.urls import path

from . import api

urlpatterns = [
    path("petitions/", api.PetitionRegisterView.as_view(), name="api-petition-register"),
]

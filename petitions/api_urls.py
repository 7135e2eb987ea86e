"""API routes of petitions, mounted under /api/v1/ (the transitions are the case's: ``cases.api_urls``)."""

from django.urls import path

from . import api, supervision_api

urlpatterns = [
    path("petitions/", api.PetitionRegisterView.as_view(), name="api-petition-register"),
    path("petitions/bounces/", api.BounceListView.as_view(), name="api-petition-bounces"),
    path("supervision-orders/", supervision_api.SupervisionOrderListView.as_view(), name="api-supervision-orders"),
    path(
        "supervision-orders/<int:pk>/report/",
        supervision_api.SupervisionOrderReportView.as_view(),
        name="api-supervision-order-report",
    ),
]

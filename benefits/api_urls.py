from django.urls import path

from . import api

urlpatterns = [
    path("benefit-standards/", api.StandardListView.as_view(), name="api-benefit-standards"),
    path("subjects/<int:pk>/benefits/", api.SubjectBenefitsView.as_view(), name="api-subject-benefits"),
    path("recoveries/", api.RecoveryListView.as_view(), name="api-recoveries"),
]

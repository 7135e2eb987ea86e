from django.urls import path

from . import api

urlpatterns = [
    path("policy-articles/", api.PolicyArticleListView.as_view(), name="api-policy-articles"),
    path("policy-articles/<int:pk>/", api.PolicyArticleDetailView.as_view(), name="api-policy-article"),
]

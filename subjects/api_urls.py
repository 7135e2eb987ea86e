"""API routes of the subjects app, mounted under /api/v1/."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from . import api_collect
from .api import SubjectViewSet

router = SimpleRouter()
router.register("subjects", SubjectViewSet, basename="api-subject")

urlpatterns = [
    *router.urls,
    path("collect/worklist/", api_collect.WorklistView.as_view(), name="api-collect-worklist"),
    path("collect/sync/", api_collect.SyncView.as_view(), name="api-collect-sync"),
    path("collect/conflicts/", api_collect.ConflictListView.as_view(), name="api-collect-conflicts"),
    path(
        "collect/conflicts/<int:entry_id>/resolve/",
        api_collect.ConflictResolveView.as_view(),
        name="api-collect-resolve",
    ),
]

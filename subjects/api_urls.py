"""API routes of the subjects app, mounted under /api/v1/."""

from rest_framework.routers import SimpleRouter

from .api import SubjectViewSet

router = SimpleRouter()
router.register("subjects", SubjectViewSet, basename="api-subject")

urlpatterns = router.urls

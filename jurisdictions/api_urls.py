"""API routes of the jurisdictions app (staff administration), mounted under /api/v1/."""

from django.urls import path

from . import api

urlpatterns = [
    path("staff/", api.StaffListView.as_view(), name="api-staff"),
    path("staff/<int:pk>/", api.StaffDetailView.as_view(), name="api-staff-detail"),
    path("staff/<int:pk>/memberships/", api.StaffMembershipsView.as_view(), name="api-staff-memberships"),
    path("staff/<int:pk>/relatives/", api.StaffRelativesView.as_view(), name="api-staff-relatives"),
    path(
        "staff/<int:pk>/relatives/<int:relative_id>/",
        api.StaffRelativeDetailView.as_view(),
        name="api-staff-relative",
    ),
    path("memberships/<int:pk>/end/", api.MembershipEndView.as_view(), name="api-membership-end"),
]

"""Staff administration pages, mounted at /staff/."""

from django.urls import path

from . import views

app_name = "staff"
urlpatterns = [
    path("", views.staff_list, name="list"),
    path("new/", views.staff_new, name="new"),
    path("<int:pk>/", views.staff_detail, name="detail"),
    path("<int:pk>/edit/", views.staff_edit, name="edit"),
    path("<int:pk>/account/", views.staff_account, name="account"),
    path("<int:pk>/memberships/", views.membership_new, name="membership_new"),
    path("<int:pk>/relatives/", views.relative_new, name="relative_new"),
    path("<int:pk>/relatives/<int:relative_id>/remove/", views.relative_remove, name="relative_remove"),
    path("memberships/<int:pk>/end/", views.membership_end, name="membership_end"),
]

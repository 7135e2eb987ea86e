"""The auditor's workspace, mounted at /audit/."""

from django.urls import path

from . import views

app_name = "audit"
urlpatterns = [
    path("", views.search, name="search"),
    path("objects/<str:object_type>/<str:object_id>/", views.object_timeline, name="timeline"),
    path("export.<str:fmt>", views.export, name="export"),
    path("status/", views.chain_status, name="status"),
]

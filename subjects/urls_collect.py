"""Offline collection's pages, mounted at /collect/ (the service worker's scope)."""

from django.urls import path

from . import views_collect

app_name = "collect"
urlpatterns = [
    path("", views_collect.page, name="page"),
    path("sw.js", views_collect.service_worker, name="service_worker"),
    path("manifest.webmanifest", views_collect.manifest, name="manifest"),
    path("session.json", views_collect.session, name="session"),
    path("conflicts/", views_collect.conflicts, name="conflicts"),
    path("conflicts/<int:entry_id>/resolve/", views_collect.resolve, name="resolve"),
]

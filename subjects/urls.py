"""Pages of the subjects app, mounted at /subjects/."""

from django.urls import path

from . import views, views_import

app_name = "subjects"
urlpatterns = [
    path("", views.search, name="search"),
    path("export.csv", views.export, name="export"),
    path("export.<str:fmt>", views.export, name="export_as"),
    path("new/", views.create, name="create"),
    path("duplicates/", views.duplicates, name="duplicates"),
    path("<int:subject_id>/", views.detail, name="detail"),
    path("<int:subject_id>/edit/", views.edit, name="edit"),
    path("<int:subject_id>/reveal/", views.reveal, name="reveal"),
    path("<int:subject_id>/benefits/new/", views.add_benefit, name="add_benefit"),
    path("<int:subject_id>/photo/", views.photo, name="photo"),
    path("<int:subject_id>/proxies/new/", views.add_proxy, name="add_proxy"),
    path("proxies/<int:proxy_id>/form/", views.proxy_form_file, name="proxy_form"),
    path("imports/", views_import.imports, name="imports"),
    path("imports/template/<str:source>.csv", views_import.template, name="import_template"),
    path("imports/<int:batch_id>/", views_import.batch_detail, name="import_detail"),
    path("imports/<int:batch_id>/progress.json", views_import.batch_progress, name="import_progress"),
    path("imports/<int:batch_id>/errors.csv", views_import.batch_errors, name="import_errors"),
]

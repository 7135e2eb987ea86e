"""Public pages, mounted at /track/ (no staff sign-in; shared prefix with the 公示 pages)."""

from django.urls import path

from . import views

app_name = "portal"

urlpatterns = [
    path("", views.lookup, name="lookup"),
    path("open/", views.open_case, name="open"),
    path("rate/", views.rate, name="rate"),
    path("me/", views.person, name="person"),
    path("me/open/", views.person_open, name="person_open"),
    path("me/declare/", views.declare, name="declare"),
    path("notices/", views.notice_list, name="notices"),
    path("notices/<int:pk>/", views.notice_detail, name="notice"),
    path("notices/<int:pk>/print/", views.notice_print, name="notice_print"),
    path("letters/<str:token>/<int:letter_id>/", views.download, name="download"),
]

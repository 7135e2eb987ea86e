"""Letter pages, mounted at /letters/ (the verification page is public: no sign-in, no two-factor)."""

from django.urls import path

from . import views

app_name = "letters"
urlpatterns = [
    path("undelivered/", views.undelivered, name="undelivered"),
    path("cases/<int:case_id>/", views.case_letters, name="case"),
    path("cases/<int:case_id>/request/", views.request_letter, name="request"),
    path("<int:pk>/", views.letter_detail, name="detail"),
    path("<int:pk>/pdf", views.download, name="download"),
    path("<int:pk>/dispatch/", views.dispatch, name="dispatch"),
    path("<int:pk>/supersede/", views.supersede, name="supersede"),
    path("<int:pk>/retry/", views.retry, name="retry"),
    path("letterheads/<str:code>/", views.letterhead_edit, name="letterhead"),
    path("verify/<str:code>/", views.verify, name="verify"),
]

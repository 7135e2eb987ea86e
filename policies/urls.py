from django.urls import path

from . import views

app_name = "policies"
urlpatterns = [
    path("", views.article_list, name="list"),
    path("<int:pk>/", views.article_detail, name="detail"),
    path("calendar/", views.calendar_settings, name="calendar"),
    path("repealed-citations/", views.repealed_citations, name="repealed_citations"),
]

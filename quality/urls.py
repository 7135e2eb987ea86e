from django.urls import path

from . import views

app_name = "quality"
urlpatterns = [
    path("", views.review_list, name="list"),
    path("<int:pk>/", views.review_detail, name="review"),
    path("report/", views.report, name="report"),
]

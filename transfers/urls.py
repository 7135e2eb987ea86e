from django.urls import path

from . import views

app_name = "transfers"
urlpatterns = [
    path("", views.transfer_list, name="list"),
    path("new/<int:subject_id>/", views.propose, name="propose"),
    path("<int:pk>/", views.detail, name="detail"),
]

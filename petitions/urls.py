from django.urls import path

from . import views

app_name = "petitions"

urlpatterns = [
    path("register/", views.register, name="register"),
    path("<int:pk>/hearings/<int:hearing_id>/record/", views.hearing_record, name="hearing_record"),
    path("<int:pk>/<str:name>/", views.transition, name="transition"),
]

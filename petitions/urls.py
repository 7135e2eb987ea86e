from django.urls import path

from . import suggestion_views, supervision_views, views

app_name = "petitions"

urlpatterns = [
    path("register/", views.register, name="register"),
    path("bounces/", views.bounces, name="bounces"),
    path("supervision/", supervision_views.orders, name="supervision"),
    path("suggestions/", suggestion_views.suggestion_list, name="suggestions"),
    path("suggestions/<int:pk>/answer/", suggestion_views.answer, name="suggestion_answer"),
    path("supervision/<int:pk>/report/", supervision_views.report, name="supervision_report"),
    path("<int:pk>/hearings/<int:hearing_id>/record/", views.hearing_record, name="hearing_record"),
    path("<int:pk>/<str:name>/", views.transition, name="transition"),
]

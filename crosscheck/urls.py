from django.urls import path

from . import views

app_name = "crosscheck"
urlpatterns = [
    path("", views.home, name="home"),
    path("runs/<int:pk>/", views.run_detail, name="run"),
    path("batches/", views.batch_list, name="batches"),
    path("batches/<int:pk>/", views.batch_detail, name="batch"),
    path("batches/<int:pk>/errors.csv", views.batch_errors, name="batch_errors"),
    path("batches/<int:pk>/linkage/", views.linkage_page, name="linkage"),
    path("batches/<int:pk>/linkage/<int:candidate_id>/", views.linkage_decide, name="linkage_decide"),
    path("upload/", views.upload, name="upload"),
    path("runs/start/", views.start_run, name="start_run"),
    path("discrepancies/", views.discrepancy_list, name="discrepancies"),
    path("send-down/", views.send_down, name="send_down"),
    path("tracking/", views.tracking, name="tracking"),
    path("duplicates/", views.duplicate_list, name="duplicates"),
    path("duplicates/<int:pk>/", views.duplicate_detail, name="duplicate"),
]

from django.urls import path

from . import views

app_name = "benefits"
urlpatterns = [
    path("subjects/<int:subject_id>/", views.subject_ledger, name="subject"),
    path("entitlements/<int:pk>/suspend/", views.suspend, name="suspend"),
    path("entitlements/<int:pk>/resume/", views.resume, name="resume"),
    path("recoveries/", views.recovery_list, name="recoveries"),
    path("recoveries/<int:pk>/decide/", views.decide_recovery, name="decide_recovery"),
    path("recoveries/<int:pk>/repayments/", views.record_repayment, name="repayment"),
    path("standards/", views.standard_list, name="standards"),
    path("standards/<int:pk>/change/", views.change_standard, name="change_standard"),
]

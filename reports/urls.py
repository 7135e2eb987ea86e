"""Pages of the reports app, mounted at /reports/."""

from django.urls import path

from . import views

app_name = "reports"
urlpatterns = [
    path("", views.index, name="index"),
    path("periods/new/", views.open_period, name="open_period"),
    path("dashboard/", views.dashboard_page, name="dashboard"),
    path("dashboard/<slug:key>.<str:fmt>", views.dashboard_export, name="dashboard_export"),
    path("periods/<slug:key>/", views.period, name="period"),
    path("periods/<slug:key>/compile/<str:code>/", views.compile_report, name="compile"),
    path("<int:report_id>/", views.detail, name="detail"),
    path("<int:report_id>/tables/<slug:key>.<str:fmt>", views.report_export, name="report_export"),
    path("<int:report_id>/workbook.xlsx", views.report_workbook, name="workbook"),
    path("<int:report_id>/submit/", views.submit, name="submit"),
    path("<int:report_id>/approve/", views.approve, name="approve"),
    path("<int:report_id>/return/", views.return_report, name="return"),
    path("<int:report_id>/analysis/", views.edit_analysis, name="analysis"),
    path("<int:report_id>/documents/<int:number>.pdf", views.document, name="document"),
]

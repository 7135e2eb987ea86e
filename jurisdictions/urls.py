from django.urls import path

from . import views

app_name = "jurisdictions"
urlpatterns = [path("<str:code>/", views.division_detail, name="division")]

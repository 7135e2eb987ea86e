from django.urls import path

from . import api

urlpatterns = [
    path("public/track/code/", api.TrackCodeView.as_view(), name="api-public-track-code"),
    path("public/track/", api.TrackView.as_view(), name="api-public-track"),
    path("public/ratings/", api.PublicRatingView.as_view(), name="api-public-ratings"),
    path("public/access-log/", api.AccessLogView.as_view(), name="api-public-access-log"),
    path("public/declarations/", api.DeclarationView.as_view(), name="api-public-declarations"),
    path("public/notices/", api.PublicNoticeListView.as_view(), name="api-public-notice-list"),
    path("public/notices/<int:pk>/", api.PublicNoticeDetailView.as_view(), name="api-public-notice-page"),
    path("public/notices/<int:pk>/objections/", api.PublicObjectionView.as_view(), name="api-public-objections"),
    path("exists/", api.ExistsView.as_view(), name="api-exists"),
]

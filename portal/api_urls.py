from django.urls import path

from . import api

urlpatterns = [
    path("public/track/code/", api.TrackCodeView.as_view(), name="api-public-track-code"),
    path("public/track/", api.TrackView.as_view(), name="api-public-track"),
    path("public/ratings/", api.PublicRatingView.as_view(), name="api-public-ratings"),
    path("public/access-log/", api.AccessLogView.as_view(), name="api-public-access-log"),
    path("public/declarations/", api.DeclarationView.as_view(), name="api-public-declarations"),
    path("exists/", api.ExistsView.as_view(), name="api-exists"),
]

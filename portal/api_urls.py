from django.urls import path

from . import api

urlpatterns = [
    path("public/track/code/", api.TrackCodeView.as_view(), name="api-public-track-code"),
    path("public/track/", api.TrackView.as_view(), name="api-public-track"),
    path("public/ratings/", api.PublicRatingView.as_view(), name="api-public-ratings"),
    path("exists/", api.ExistsView.as_view(), name="api-exists"),
]

from django.urls import re_path
from rest_framework.routers import SimpleRouter

from apps.confirm.views import ConfirmViewSet, SeriesDecisionView

# Only the registry is used: roombooking/urls.py merges it into the project's router.
router = SimpleRouter()
router.register("confirms", ConfirmViewSet, basename="confirm")
urlpatterns: list = [  # anything beyond the router's resources
    re_path(
        r"^confirms/series/(?P<series_id>\d{1,18})/?$",
        SeriesDecisionView.as_view(),
        name="confirm-series-decision",
    ),
]

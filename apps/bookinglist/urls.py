from django.urls import re_path
from rest_framework.routers import SimpleRouter

from apps.bookinglist.views import BookingListViewSet
from apps.bookinglist.views_calendars import CalendarFeedView, CalendarTokenViewSet

# Only the registry is used: roombooking/urls.py merges it into the project's router.
router = SimpleRouter()
router.register("bookingLists", BookingListViewSet, basename="bookinglist")
router.register("calendarTokens", CalendarTokenViewSet, basename="calendartoken")
urlpatterns: list = [  # anything beyond the router's resources
    re_path(
        r"^calendars/(?P<token>[A-Za-z0-9_-]{1,128})\.ics$",
        CalendarFeedView.as_view(),
        name="calendar-feed",
    ),
]

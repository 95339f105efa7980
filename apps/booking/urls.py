from django.urls import re_path
from rest_framework.routers import SimpleRouter

from apps.booking.views import BookingViewSet, RoomViewSet
from apps.booking.views_availability import AvailableRoomsView, RoomAvailabilityView
from apps.booking.views_checkin import check_in_link_view
from apps.booking.views_day import day_view
from apps.booking.views_series import SeriesViewSet
from apps.booking.views_waitlist import WaitlistViewSet

# Only the registry is used: roombooking/urls.py merges it into the project's router.
router = SimpleRouter()
router.register("bookings/series", SeriesViewSet, basename="booking-series")
router.register("bookings/waitlist", WaitlistViewSet, basename="waitlist")
router.register("bookings", BookingViewSet, basename="booking")
router.register("rooms", RoomViewSet, basename="room")
urlpatterns: list = [  # anything beyond the router's resources
    re_path(r"^rooms/available/?$", AvailableRoomsView.as_view(), name="rooms-available"),
    re_path(
        r"^rooms/(?P<id>\d+)/availability/?$",
        RoomAvailabilityView.as_view(),
        name="room-availability",
    ),
    re_path(r"^day/?$", day_view, name="booking-day"),  # the day view (HTML)
    # the one-click check-in link of the reminder email (HTML; the signed token authenticates)
    re_path(
        r"^check-in/(?P<token>[A-Za-z0-9_:\-]{1,300})/?$",
        check_in_link_view,
        name="booking-check-in-link",
    ),
]

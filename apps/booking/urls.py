from rest_framework.routers import SimpleRouter

from apps.booking.views import BookingViewSet, RoomViewSet

# Only the registry is used: roombooking/urls.py merges it into the project's router.
router = SimpleRouter()
router.register("bookings", BookingViewSet, basename="booking")
router.register("rooms", RoomViewSet, basename="room")
urlpatterns: list = []  # anything beyond the router's resources

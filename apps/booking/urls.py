from rest_framework.routers import SimpleRouter

from apps.booking.views import BookingViewSet, RoomViewSet

router = SimpleRouter(trailing_slash="/?")
router.register("bookings", BookingViewSet, basename="booking")
router.register("rooms", RoomViewSet, basename="room")

# DRF 3.18 turns any truthy ``trailing_slash`` into "/", so the merged router answers only with a
# slash. These routes make the slash optional (a POST to /bookings is never redirected); they come
# before the merged router's in roombooking/urls.py, which still lists the resources in the root.
_optional_slash = SimpleRouter()
_optional_slash.trailing_slash = "/?"
_optional_slash.registry.extend(router.registry)
urlpatterns: list = list(_optional_slash.urls)

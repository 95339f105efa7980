from rest_framework.routers import SimpleRouter

from apps.bookinglist.views import BookingListViewSet

# Only the registry is used: roombooking/urls.py merges it into the project's router.
router = SimpleRouter()
router.register("bookingLists", BookingListViewSet, basename="bookinglist")
urlpatterns: list = []  # anything beyond the router's resources

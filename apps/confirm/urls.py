from rest_framework.routers import SimpleRouter

from apps.confirm.views import ConfirmViewSet

# Only the registry is used: roombooking/urls.py merges it into the project's router.
router = SimpleRouter()
router.register("confirms", ConfirmViewSet, basename="confirm")
urlpatterns: list = []  # anything beyond the router's resources

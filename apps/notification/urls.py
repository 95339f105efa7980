from rest_framework.routers import SimpleRouter

from apps.notification.views import NotificationViewSet

# Only the registry is used: roombooking/urls.py merges it into the project's router.
router = SimpleRouter()
router.register("notifications", NotificationViewSet, basename="notification")
urlpatterns: list = []  # anything beyond the router's resources

from rest_framework.routers import SimpleRouter

from apps.notification.views import NotificationViewSet

router = SimpleRouter(trailing_slash="/?")
router.register("notifications", NotificationViewSet, basename="notification")

# DRF 3.18 turns any truthy ``trailing_slash`` into "/", so the merged router answers only with a
# slash. These routes make the slash optional for /notifications; they come before the merged
# router's in roombooking/urls.py, which still lists the resource in the API root.
_optional_slash = SimpleRouter()
_optional_slash.trailing_slash = "/?"
_optional_slash.registry.extend(router.registry)
urlpatterns: list = list(_optional_slash.urls)

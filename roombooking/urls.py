"""URL configuration.

Each app's ``urls.py`` exposes a ``router`` (its API resources) and ``urlpatterns`` (anything
else). Their resources are merged into one router, so the browsable API root lists them all and
every route answers with and without a trailing slash.
"""

from importlib import import_module

from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from roombooking import health

APPS = ("booking", "confirm", "notification", "bookinglist")


class OptionalSlashRouter(DefaultRouter):
    """Every route answers with and without a trailing slash, so a POST is never redirected.

    DRF 3.15+ reads ``trailing_slash`` as a flag (any true value becomes "/"), so the optional
    slash is set after construction.
    """

    def __init__(self) -> None:
        super().__init__()
        self.trailing_slash = "/?"


router = OptionalSlashRouter()
app_patterns = []
for _app in APPS:
    _urls = import_module(f"apps.{_app}.urls")
    router.registry.extend(getattr(_urls, "router", DefaultRouter()).registry)
    app_patterns += getattr(_urls, "urlpatterns", [])

urlpatterns = [
    re_path(r"^health/live/?$", health.live, name="health-live"),
    re_path(r"^health/ready/?$", health.ready, name="health-ready"),
    re_path(r"^health/status/?$", health.status, name="health-status"),
    re_path(r"^actuator/health/?$", health.ready, name="actuator-health"),
    re_path(r"^api/schema/?$", SpectacularAPIView.as_view(), name="schema"),
    re_path(r"^api/docs/?$", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("admin/", admin.site.urls),
    path("api-auth/", include("rest_framework.urls")),
    *app_patterns,
    path("", include(router.urls)),
]

handler400 = "roombooking.errors.bad_request"
handler403 = "roombooking.errors.permission_denied"
handler404 = "roombooking.errors.not_found"
handler500 = "roombooking.errors.server_error"

"""roombooking.handlers: the WSGI handler remembers where recent paths resolved to."""

import pytest
from django.test import RequestFactory
from django.urls import Resolver404, get_resolver

from roombooking import handlers
from roombooking.handlers import RememberingWSGIHandler


@pytest.fixture
def handler():
    handlers._resolved.cache_clear()
    return RememberingWSGIHandler()


def test_a_path_resolves_as_django_resolves_it_and_then_from_memory(handler):
    request = RequestFactory().get("/bookings/42")
    match = handler.resolve_request(request)
    expected = get_resolver().resolve("/bookings/42")
    assert (match.func, match.args, match.kwargs, match.url_name, match.route) == (
        expected.func, expected.args, expected.kwargs, expected.url_name, expected.route,
    )  # fmt: skip
    assert request.resolver_match is match
    again = handler.resolve_request(RequestFactory().get("/bookings/42"))
    assert handlers._resolved.cache_info().hits == 1
    assert again.kwargs == expected.kwargs and again.view_name == expected.view_name


def test_each_request_has_its_own_kwargs(handler):
    first = handler.resolve_request(RequestFactory().get("/bookings/7"))
    first.kwargs["pk"] = "changed by a middleware"
    second = handler.resolve_request(RequestFactory().get("/bookings/7"))
    assert second.kwargs != first.kwargs and second is not first


def test_a_path_that_does_not_resolve_is_not_remembered(handler):
    for _ in range(2):
        with pytest.raises(Resolver404):
            handler.resolve_request(RequestFactory().get("/no/such/page"))
    assert handlers._resolved.cache_info().currsize == 0


def test_a_request_with_its_own_urlconf_resolves_djangos_way(handler):
    request = RequestFactory().get("/bookings/7")
    request.urlconf = "roombooking.urls"
    assert handler.resolve_request(request).kwargs == get_resolver().resolve("/bookings/7").kwargs
    assert handlers._resolved.cache_info().currsize == 0


def test_the_wsgi_application_is_it_and_answers():
    from roombooking.wsgi import application

    assert isinstance(application, RememberingWSGIHandler)
    environ = RequestFactory()._base_environ(PATH_INFO="/health/live", REQUEST_METHOD="GET")
    answered = []
    body = b"".join(application(environ, lambda status, headers: answered.append(status)))
    assert answered == ["200 OK"] and body

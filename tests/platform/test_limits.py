"""Throttling, body size and sign-in limits."""

from __future__ import annotations

import logging

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.mark.django_db
@pytest.mark.urls("tests.platform.idempotency_urls")
def test_writes_over_the_limit_get_429_with_retry_after(client_for, user, settings):
    settings.API_THROTTLE_WRITES = "3/min"
    client = client_for(user)
    codes = [client.post("/things", {"name": f"n{i}"}, format="json").status_code for i in range(4)]
    assert codes == [201, 201, 201, 429]
    refused = client.post("/things", {"name": "n9"}, format="json")
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert refused.json()["code"] == "throttled"


@pytest.mark.django_db
@pytest.mark.urls("tests.platform.idempotency_urls")
def test_a_dead_throttle_cache_lets_requests_through_and_logs_it(
    client_for, user, settings, caplog
):
    settings.API_THROTTLE_WRITES = "1/min"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens on port 1
            "OPTIONS": {"socket_connect_timeout": 0.2},
        }
    }
    client = client_for(user)
    with caplog.at_level(logging.WARNING, logger="roombooking.throttling"):
        codes = [
            client.post("/things", {"name": f"c{i}"}, format="json").status_code for i in (1, 2)
        ]
    assert codes == [201, 201]
    assert "throttle cache unavailable" in caplog.text


@pytest.mark.django_db
def test_reads_are_not_throttled(client_for, user, settings):
    settings.API_THROTTLE_WRITES = "1/min"
    client = client_for(user)
    assert all(client.get("/").status_code == 200 for _ in range(3))


@pytest.mark.django_db
def test_an_oversized_body_is_a_413_before_any_view_runs(client_for, user, settings):
    settings.API_MAX_BODY_BYTES = 2048
    response = client_for(user).post("/bookings", {"note": "x" * 4096}, format="json")
    assert response.status_code == 413
    assert response.json()["code"] == "request_too_large"


@pytest.mark.django_db
@pytest.mark.parametrize("login_path", ["/admin/login/", "/api-auth/login/"])
def test_repeated_failed_sign_ins_are_throttled(client, user, settings, login_path):
    settings.LOGIN_MAX_FAILURES = 3
    for _ in range(3):
        response = client.post(login_path, {"username": user.username, "password": "wrong"})
        assert response.status_code == 200  # the form again, with an error
    locked = client.post(login_path, {"username": user.username, "password": "secret-pass-123"})
    assert locked.status_code == 429
    assert int(locked["Retry-After"]) > 0
    other = client.post(login_path, {"username": "someone-else", "password": "x"})
    assert other.status_code == 200  # the lock is per username and address


@pytest.mark.django_db
def test_a_successful_sign_in_clears_the_failures(client, user, settings):
    settings.LOGIN_MAX_FAILURES = 3
    for _ in range(2):
        client.post("/admin/login/", {"username": user.username, "password": "wrong"})
    signed_in = client.post(
        "/api-auth/login/", {"username": user.username, "password": "secret-pass-123"}
    )
    assert signed_in.status_code == 302
    client.logout()
    for _ in range(2):
        response = client.post("/api-auth/login/", {"username": user.username, "password": "x"})
        assert response.status_code == 200

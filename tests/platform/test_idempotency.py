"""Idempotency-Key: one effect per key, the original answer replayed, misuse refused."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from roombooking.models import IdempotencyKey, WorkerHeartbeat

pytestmark = pytest.mark.urls("tests.platform.idempotency_urls")


def post(client, body, key="k-1"):
    return client.post("/things", body, format="json", HTTP_IDEMPOTENCY_KEY=key)


@pytest.mark.django_db
def test_a_retry_replays_the_original_answer_without_a_second_effect(client_for, user):
    client = client_for(user)
    first = post(client, {"name": "a"})
    again = post(client, {"name": "a"})
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Location"] == first["Location"]
    assert again["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert WorkerHeartbeat.objects.count() == 1


@pytest.mark.django_db
def test_same_key_with_a_different_body_is_a_422(client_for, user):
    client = client_for(user)
    post(client, {"name": "a"})
    response = post(client, {"name": "b"})
    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_reused"
    assert WorkerHeartbeat.objects.count() == 1


@pytest.mark.django_db
def test_keys_belong_to_their_user(client_for, user, other_user):
    post(client_for(user), {"name": "a"})
    response = post(client_for(other_user), {"name": "b"})
    assert response.status_code == 201
    assert WorkerHeartbeat.objects.count() == 2


@pytest.mark.django_db
def test_a_validation_error_is_replayed_too(client_for, user):
    client = client_for(user)
    first = post(client, {"name": "x" * 51})
    second = post(client, {"name": "x" * 51})
    assert first.status_code == second.status_code == 400
    assert second.json() == first.json()


@pytest.mark.django_db
def test_keys_expire_after_their_ttl(client_for, user):
    client = client_for(user)
    post(client, {"name": "a"})
    IdempotencyKey.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = post(client, {"name": "b"})  # an expired key is free again
    assert response.status_code == 201
    assert WorkerHeartbeat.objects.count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize("key", ["", "x" * 256, "bad\nkey"])
def test_malformed_keys_are_a_400_naming_the_header(client_for, user, key):
    response = client_for(user).post(
        "/things", {"name": "a"}, format="json", HTTP_IDEMPOTENCY_KEY=key
    )
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()["errors"]


@pytest.mark.django_db
def test_without_a_key_every_request_acts(client_for, user):
    client = client_for(user)
    client.post("/things", {"name": "a"}, format="json")
    client.post("/things", {"name": "b"}, format="json")
    assert WorkerHeartbeat.objects.count() == 2


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_twenty_simultaneous_requests_with_one_key_act_once_and_answer_alike(user):
    barrier = threading.Barrier(20)
    answers: list[tuple[int, dict]] = []

    def attempt() -> None:
        client = APIClient()
        client.force_authenticate(user)
        barrier.wait()
        try:
            response = post(client, {"name": "same"}, key="race")
            answers.append((response.status_code, response.json()))
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(answers) == 20
    assert {status for status, _ in answers} == {201}
    assert len({body["id"] for _, body in answers}) == 1
    assert WorkerHeartbeat.objects.count() == 1

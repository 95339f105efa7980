import pytest


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["/health/live", "/health/live/", "/health/ready", "/actuator/health", "/health/status"]
)
def test_health_endpoints_answer_without_authentication(api_client, path):
    response = api_client.get(path)
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/json"
    assert response.json()["status"] in {"UP", "DEGRADED"}


@pytest.mark.django_db
def test_ready_reports_the_database():
    from django.test import Client

    body = Client().get("/health/ready").json()
    assert body["status"] == "UP"
    assert body["components"]["db"]["status"] == "UP"


@pytest.mark.django_db
def test_status_lists_every_dependency(api_client):
    components = api_client.get("/health/status").json()["components"]
    assert {"db", "broker", "worker"} <= set(components)
    assert components["db"]["status"] == "UP"
    assert components["broker"]["status"] == "UP"


@pytest.mark.django_db
def test_status_stays_answering_when_the_broker_is_unreachable(api_client, monkeypatch):
    from kombu import Connection

    from roombooking.celery import app

    # Nothing listens on port 1: the broker is down.
    monkeypatch.setattr(
        app,
        "connection_for_write",
        lambda: Connection("redis://127.0.0.1:1/0", transport_options={"max_retries": 1}),
    )
    response = api_client.get("/health/status")
    ready = api_client.get("/health/ready")
    assert response.status_code == 200
    body = response.json()
    assert body["components"]["broker"]["status"] == "DOWN"
    assert body["status"] == "DEGRADED"
    assert body["components"]["broker"]["ms"] < 5000
    assert ready.status_code == 200  # a broker outage does not make the web app unready


def test_live_needs_no_database(api_client):
    assert api_client.get("/health/live").status_code == 200


def test_health_rejects_writes(api_client):
    assert api_client.post("/health/live").status_code == 405

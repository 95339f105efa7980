"""The database connection drops under a running server: a clean 503 JSON, then recovery."""

from __future__ import annotations

import pytest
import requests
from django.db import connection
from rest_framework.authtoken.models import Token

from tests.processes import current_database_url, start_gunicorn, stop
from tests.tcp_proxy import TcpProxy

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_a_dropped_database_connection_answers_503_and_the_next_request_works(user, tmp_path):
    token = Token.objects.create(user=user).key
    db = connection.settings_dict
    proxy = TcpProxy(db["HOST"] or "127.0.0.1", int(db["PORT"] or 5432))
    url = current_database_url().replace(f":{db['PORT'] or 5432}/", f":{proxy.port}/")
    server, base = start_gunicorn(log=tmp_path / "web.log", workers=1, threads=2, DATABASE_URL=url)
    headers = {"Authorization": f"Token {token}", "Accept": "application/json"}
    try:
        assert requests.get(f"{base}/", headers=headers, timeout=10).status_code == 200

        proxy.cut()  # every open connection dies; new ones are refused
        down = requests.get(f"{base}/", headers=headers, timeout=20)
        ready = requests.get(f"{base}/health/ready", timeout=20)

        proxy.restore()
        again = requests.get(f"{base}/", headers=headers, timeout=10)
    finally:
        stop(server)
        proxy.close()
    assert down.status_code == 503, down.text
    body = down.json()
    assert body["code"] == "database_unavailable" and body["status"] == 503
    assert down.headers["Retry-After"]
    assert "Traceback" not in down.text
    assert ready.status_code == 503 and ready.json()["components"]["db"]["status"] == "DOWN"
    assert again.status_code == 200

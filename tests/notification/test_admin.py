"""The admin lists the outbox and sends FAILED rows again through the service."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.notification.test_api import row

pytestmark = pytest.mark.django_db


def test_send_again_puts_failed_rows_back_in_the_outbox(
    superuser, django_capture_on_commit_callbacks, monkeypatch
):
    handed = []
    monkeypatch.setattr("apps.notification.handoff.hand_off", handed.append)
    failed = row("alice", status="FAILED", attempts=6, last_error="SMTPServerDisconnected")
    sent = row("bob", status="SENT")
    client = Client()
    client.force_login(superuser)
    assert client.get("/admin/notification/notification/?status__exact=FAILED").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/notification/notification/",
            {"action": "send_again", "_selected_action": [failed.pk, sent.pk]},
            follow=True,
        )
    assert response.status_code == 200
    failed.refresh_from_db()
    sent.refresh_from_db()
    assert (failed.status, failed.attempts, failed.last_error) == ("PENDING", 0, "")
    assert sent.status == "SENT"
    assert handed == [[failed.pk]]
    assert b"1 skipped" in response.content

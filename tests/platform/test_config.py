"""Configuration comes from the environment; mistakes stop start-up with one line."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys

import pytest

from tests.processes import ROOT

PG = "postgres://postgres@127.0.0.1:5432/postgres"  # settings stop before connecting


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    base.update(env)
    base.setdefault("DJANGO_SETTINGS_MODULE", "roombooking.settings")
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=base,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"DJANGO_DEBUG": "maybe"}, "DJANGO_DEBUG"),
        ({"DJANGO_DEBUG": "false"}, "DJANGO_SECRET_KEY"),
        ({"DJANGO_DEBUG": "true", "DATABASE_URL": "mysql://db/x"}, "DATABASE_URL"),
        ({"DJANGO_DEBUG": "true", "DATABASE_URL": "postgres://u@127.0.0.1:1/x"}, "DATABASE_URL"),
        ({"DJANGO_DEBUG": "true", "EMAIL_PORT": "twenty-five"}, "EMAIL_PORT"),
        ({"DJANGO_DEBUG": "true", "CELERY_BROKER_URL": "amqp2://x"}, "CELERY_BROKER_URL"),
        (
            {"DJANGO_DEBUG": "true", "DATABASE_URL": PG, "DATABASE_PREPARE_THRESHOLD": "-1"},
            "DATABASE_PREPARE_THRESHOLD",
        ),
        (
            {"DJANGO_DEBUG": "true", "DATABASE_URL": PG, "DATABASE_PREPARE_THRESHOLD": "soon"},
            "DATABASE_PREPARE_THRESHOLD",
        ),
    ],
)
def test_bad_configuration_stops_with_one_line_naming_the_variable(env, variable):
    result = manage("migrate", "--check", **env)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"error: {variable}:")
    assert "Traceback" not in result.stderr


def test_check_deploy_is_clean_with_production_values():
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="rooms.example.com",
        DATABASE_URL="sqlite:///" + str(ROOT / "var" / "deploy-check.sqlite3"),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(("raw", "expected"), [(None, 5), ("0", 0), ("12", 12), ("off", None)])
def test_prepare_threshold_is_a_count_or_off(monkeypatch, raw, expected):
    from roombooking import config

    if raw is None:
        monkeypatch.delenv("DATABASE_PREPARE_THRESHOLD", raising=False)
    else:
        monkeypatch.setenv("DATABASE_PREPARE_THRESHOLD", raw)
    assert config.optional_integer("DATABASE_PREPARE_THRESHOLD", 5, minimum=0) == expected

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_int, env_list, env_str

ROOT = Path(__file__).resolve().parents[2]


def test_it_reads_yes_and_no(monkeypatch):
    monkeypatch.setenv("FLAG", "Yes")
    assert env_bool("FLAG", default=False) is True
    monkeypatch.setenv("FLAG", "0")
    assert env_bool("FLAG", default=True) is False


def test_it_refuses_a_yes_no_value_it_cannot_read(monkeypatch):
    monkeypatch.setenv("FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="FLAG='maybe' is not a yes/no value"):
        env_bool("FLAG", default=False)


def test_it_refuses_a_number_it_cannot_read(monkeypatch):
    monkeypatch.setenv("PORT_NUMBER", "80a")
    with pytest.raises(ImproperlyConfigured, match="PORT_NUMBER='80a' is not a whole number"):
        env_int("PORT_NUMBER", default=1)


def test_it_names_a_missing_required_variable(monkeypatch):
    monkeypatch.delenv("SOMETHING_REQUIRED", raising=False)
    with pytest.raises(
        ImproperlyConfigured, match="Set the environment variable SOMETHING_REQUIRED"
    ):
        env_str("SOMETHING_REQUIRED")


def test_it_splits_lists_and_drops_blanks(monkeypatch):
    monkeypatch.setenv("HOSTS", "a.example, b.example,,")
    assert env_list("HOSTS") == ["a.example", "b.example"]


def _start(**env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "REDIS_URL"}
    }
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        check=False,
    )


def test_it_stops_production_start_up_without_a_secret_key():
    result = _start(ALLOWED_HOSTS="samenspraak.example.org")
    assert result.returncode != 0
    assert "Set the environment variable SECRET_KEY" in result.stderr


def test_it_stops_production_start_up_without_allowed_hosts():
    result = _start(SECRET_KEY="x" * 60)
    assert result.returncode != 0
    assert "ALLOWED_HOSTS" in result.stderr


def test_it_stops_start_up_on_a_malformed_debug_value():
    result = _start(DEBUG="sometimes")
    assert result.returncode != 0
    assert "DEBUG='sometimes' is not a yes/no value" in result.stderr


def test_it_stops_production_start_up_without_a_shared_cache():
    result = _start(SECRET_KEY="x" * 60, ALLOWED_HOSTS="samenspraak.example.org")
    assert result.returncode != 0
    assert "Set the environment variable REDIS_URL" in result.stderr


def test_it_starts_in_production_with_what_it_needs():
    result = _start(
        SECRET_KEY="k" * 20 + "q" * 40,
        ALLOWED_HOSTS="samenspraak.example.org",
        REDIS_URL="redis://127.0.0.1:6379/0",
    )
    assert result.returncode == 0, result.stderr


def test_it_speaks_dutch_by_default_in_amsterdam(settings):
    assert settings.LANGUAGE_CODE == "nl"
    assert [code for code, _ in settings.LANGUAGES] == ["nl", "en"]
    assert settings.TIME_ZONE == "Europe/Amsterdam"


@pytest.mark.django_db
def test_it_prepares_a_query_postgresql_runs_again_and_again():
    from django.db import connection

    from families.models import Location

    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's")
    for _ in range(6):
        list(Location.objects.filter(pk=1))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements"
            " WHERE statement LIKE %s AND statement LIKE %s",
            ['%"families_location"%', "%$1%"],
        )
        assert cursor.fetchone()[0] == 1


def _tasks_backend(**env: str) -> str:
    clean = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "TASK_WORKER"}}
    production = {
        "SECRET_KEY": "k" * 20 + "q" * 40,
        "ALLOWED_HOSTS": "samenspraak.example.org",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
    }
    result = subprocess.run(
        [sys.executable, "-c", "from config import settings; print(settings.TASKS['default'])"],
        cwd=ROOT,
        env={**clean, **production, **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


def test_it_leaves_booking_emails_to_the_task_worker_in_production():
    assert "django_tasks_db.DatabaseBackend" in _tasks_backend()
    assert "ImmediateBackend" in _tasks_backend(TASK_WORKER="false")
    assert "ImmediateBackend" in _tasks_backend(DEBUG="true")

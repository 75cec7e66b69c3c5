"""Password hashing and cookie settings (README, "Security")."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import User
from django.urls import reverse

from tests import factories

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_it_hashes_new_passwords_with_argon2(settings):
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.Argon2PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]
    user = factories.make_user("newcomer")
    assert user.password.startswith("argon2$")
    assert user.check_password("secret-pw")


@pytest.mark.django_db
def test_it_upgrades_a_pbkdf2_hash_at_login(settings, client):
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.Argon2PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]
    user = factories.make_user("veteran")
    User.objects.filter(pk=user.pk).update(
        password=make_password("secret-pw", hasher="pbkdf2_sha256")
    )
    response = client.post(reverse("login"), {"username": "veteran", "password": "secret-pw"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.password.startswith("argon2$")


def test_it_puts_argon2_first_in_the_real_settings():
    # The autouse fixture in tests/conftest.py swaps in MD5, so read a fresh process.
    assert _production_settings()["PASSWORD_HASHERS"][:2] == [
        "django.contrib.auth.hashers.Argon2PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]


def test_it_uses_host_prefixed_secure_cookies_in_production():
    found = _production_settings()
    assert found["SESSION_COOKIE_NAME"] == "__Host-sessionid"
    assert found["CSRF_COOKIE_NAME"] == "__Host-csrftoken"
    assert found["SESSION_COOKIE_SECURE"] is found["CSRF_COOKIE_SECURE"] is True
    assert found["SESSION_COOKIE_HTTPONLY"] is True
    assert found["SESSION_COOKIE_SAMESITE"] == found["CSRF_COOKIE_SAMESITE"] == "Lax"
    assert found["SESSION_COOKIE_PATH"] == found["CSRF_COOKIE_PATH"] == "/"
    assert found["SESSION_COOKIE_DOMAIN"] is found["CSRF_COOKIE_DOMAIN"] is None


def test_it_reads_the_session_limits_from_the_environment():
    found = _production_settings(SESSION_IDLE_SECONDS="600", SESSION_MAX_SECONDS="7200")
    assert found["SESSION_COOKIE_AGE"] == 600
    assert found["SESSION_MAX_SECONDS"] == 7200
    # Renewed at most once a minute (families.middleware), not saved on every request.
    assert found["SESSION_SAVE_EVERY_REQUEST"] is False
    assert found["SESSION_RENEW_SECONDS"] == 60


def test_it_keeps_the_default_cookie_names_while_developing(settings):
    # Browsers refuse __Host- cookies over plain http.
    assert settings.SESSION_COOKIE_NAME == "sessionid"
    assert settings.CSRF_COOKIE_NAME == "csrftoken"


def _production_settings(**env: str) -> dict:
    names = [
        "PASSWORD_HASHERS",
        "SESSION_COOKIE_NAME",
        "CSRF_COOKIE_NAME",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SESSION_COOKIE_HTTPONLY",
        "SESSION_COOKIE_SAMESITE",
        "CSRF_COOKIE_SAMESITE",
        "SESSION_COOKIE_PATH",
        "CSRF_COOKIE_PATH",
        "SESSION_COOKIE_DOMAIN",
        "CSRF_COOKIE_DOMAIN",
        "SESSION_COOKIE_AGE",
        "SESSION_SAVE_EVERY_REQUEST",
        "SESSION_RENEW_SECONDS",
        "SESSION_MAX_SECONDS",
    ]
    script = (
        "import json; from django.conf import settings; "
        f"print(json.dumps({{n: getattr(settings, n) for n in {names!r}}}))"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DEBUG", "SESSION_"))}
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", script],
        cwd=ROOT,
        env={
            **clean,
            "DEBUG": "false",
            "SECRET_KEY": "k" * 20 + "q" * 40,
            "ALLOWED_HOSTS": "samenspraak.example.org",
            "REDIS_URL": "redis://127.0.0.1:6379/0",
            **env,
        },
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout)

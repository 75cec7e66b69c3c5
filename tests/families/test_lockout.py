"""Repeated failed logins lock the typed username at an address, and an address
that tries too many (families.lockout, django-axes with the shared cache)."""

from __future__ import annotations

import datetime as dt
import os
import re
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from axes.handlers.cache import AxesCacheHandler
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_client_cache_keys
from axes.models import AccessAttempt
from django.contrib.auth import SESSION_KEY
from django.core.cache import cache, caches
from django.test import Client, override_settings
from django.urls import reverse
from django.utils.module_loading import import_string

from families.lockout import LockoutBackend

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
HERE = "10.0.0.1"
ELSEWHERE = "10.0.0.2"


@pytest.fixture(autouse=True)
def _lockout(settings):
    """Known limits, and no counts left over from other tests."""
    settings.AXES_FAILURE_LIMIT = 5
    settings.AXES_IP_FAILURE_LIMIT = 8
    settings.AXES_COOLOFF_TIME = dt.timedelta(minutes=15)
    settings.AXES_IPWARE_PROXY_COUNT = 0
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def client():
    english = Client()
    english.cookies["django_language"] = "en"
    return english


WRONG = "wrong-pw"


def _log_in(client, username, password=WRONG, address=HERE, **extra):
    return client.post(
        reverse("login"),
        {"username": username, "password": password},
        REMOTE_ADDR=address,
        **extra,
    )


def _fail(client, username, times, address=HERE, **extra):
    return [_log_in(client, username, address=address, **extra).status_code for _ in range(times)]


def _logged_in(client) -> bool:
    return SESSION_KEY in client.session


def test_it_locks_a_username_after_five_failures_even_with_the_right_password(client, teacher):
    assert _fail(client, "teacher", 5) == [200, 200, 200, 200, 429]
    response = _log_in(client, "teacher", "secret-pw")
    assert response.status_code == 429
    assert not _logged_in(client)


def test_it_shows_a_page_that_says_how_long_and_what_to_do(client, teacher):
    _fail(client, "teacher", 4)
    response = _log_in(client, "teacher")
    assert response.status_code == 429
    page = response.content.decode()
    assert "Logging in is paused" in page
    assert "paused for 15 minutes" in page
    assert "coordinator or the administrator" in page
    assert 'class="site-header"' in page  # the normal page frame


def test_it_says_the_minutes_the_setting_gives(client, teacher, settings):
    settings.AXES_COOLOFF_TIME = dt.timedelta(minutes=40)
    _fail(client, "teacher", 5)
    assert "paused for 40 minutes" in _log_in(client, "teacher").content.decode()


def _without_tokens(html: str) -> str:
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
    return re.sub(r'"X-CSRFToken": "[^"]+"', "", html)


def test_it_treats_an_unknown_username_the_same(client, teacher):
    assert _fail(client, "nobody@example.org", 5, address=HERE)[-1] == 429
    assert _fail(client, "teacher", 5, address=ELSEWHERE)[-1] == 429
    unknown = _log_in(client, "nobody@example.org", address=HERE)
    known = _log_in(client, "teacher", "secret-pw", address=ELSEWHERE)
    assert unknown.status_code == known.status_code == 429
    assert _without_tokens(unknown.content.decode()) == _without_tokens(known.content.decode())


def test_it_counts_what_was_typed_in_any_case(client, teacher):
    typed = [
        "Teacher@Example.org",
        "teacher@example.org ",
        "TEACHER@EXAMPLE.ORG",
        " teacher@example.ORG",
    ]
    assert [_log_in(client, each).status_code for each in typed] == [200] * 4
    assert _log_in(client, "tEacher@example.org").status_code == 429
    assert _log_in(client, "teacher@example.org", "secret-pw").status_code == 429
    # The plain username is typed differently: its own count, still at zero.
    assert _log_in(client, "teacher", "secret-pw").status_code == 302


def test_it_leaves_the_username_open_from_another_address(client, teacher):
    _fail(client, "teacher", 5, address=HERE)
    response = _log_in(client, "teacher", "secret-pw", address=ELSEWHERE)
    assert response.status_code == 302
    assert _logged_in(client)


def test_it_locks_an_address_that_tries_many_usernames(client, teacher):
    statuses = [_log_in(client, f"guess{n}").status_code for n in range(8)]
    assert statuses == [200] * 7 + [429]
    assert _log_in(client, "teacher", "secret-pw").status_code == 429
    assert _log_in(client, "teacher", "secret-pw", address=ELSEWHERE).status_code == 302


def test_it_clears_the_username_count_after_a_success(client, teacher, settings):
    settings.AXES_IP_FAILURE_LIMIT = 30
    _fail(client, "teacher", 4)
    assert _log_in(client, "teacher", "secret-pw").status_code == 302
    client.post(reverse("logout"))
    assert _fail(client, "teacher", 4) == [200] * 4
    assert _log_in(client, "teacher", "secret-pw").status_code == 302


def test_it_keeps_the_address_count_after_a_success(client, teacher, teacher2):
    """One known password must not let an address keep guessing other accounts."""
    _fail(client, "teacher", 4)
    assert _log_in(client, "teacher", "secret-pw").status_code == 302
    client.post(reverse("logout"))
    assert _fail(client, "teacher2", 4) == [200, 200, 200, 429]


def test_it_opens_again_after_the_cool_off(client, teacher, settings):
    settings.AXES_COOLOFF_TIME = dt.timedelta(seconds=1)
    _fail(client, "teacher", 5)
    assert _log_in(client, "teacher", "secret-pw").status_code == 429
    time.sleep(1.2)
    assert _log_in(client, "teacher", "secret-pw").status_code == 302


def test_it_takes_the_address_the_proxy_saw(client, teacher, settings):
    """Behind one proxy, a client cannot dodge the count by writing its own
    X-Forwarded-For: the proxy appends the real address last."""
    settings.AXES_IPWARE_PROXY_COUNT = 1
    statuses = [
        _log_in(
            client, "teacher", address="127.0.0.1", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, {HERE}"
        ).status_code
        for n in range(5)
    ]
    assert statuses[-1] == 429
    assert (
        _log_in(
            client, "teacher", "secret-pw", address="127.0.0.1", HTTP_X_FORWARDED_FOR=ELSEWHERE
        ).status_code
        == 302
    )


# Where the counts live


def test_it_is_set_up_with_axes_and_its_cache_handler(settings):
    handler = AxesProxyHandler.get_implementation()
    assert isinstance(handler, AxesCacheHandler)
    assert isinstance(handler, import_string(settings.AXES_HANDLER))
    assert handler.cache is caches["default"]
    assert issubclass(import_string(settings.AUTHENTICATION_BACKENDS[0]), LockoutBackend)
    assert settings.MIDDLEWARE[-1] == "axes.middleware.AxesMiddleware"
    assert settings.AXES_RESET_ON_SUCCESS is True


def test_it_counts_in_the_cache_under_axes_own_keys(client, teacher):
    _fail(client, "Teacher", 2)
    by_username, by_address = get_client_cache_keys(
        AccessAttempt(username="teacher", ip_address=HERE)
    )
    assert cache.get(by_username) == 2
    assert cache.get(by_address) == 2
    assert not AccessAttempt.objects.exists()  # nothing in the database


def test_it_forgets_a_lockout_when_the_cache_is_emptied(client, teacher):
    _fail(client, "teacher", 5)
    cache.clear()
    assert _log_in(client, "teacher", "secret-pw").status_code == 302


def test_it_lets_axes_reset_command_unlock(client, teacher):
    _fail(client, "teacher", 5)
    AxesProxyHandler.reset_attempts(ip_address=HERE, username="teacher")
    assert _log_in(client, "teacher", "secret-pw").status_code == 302


def test_it_uses_the_redis_cache_in_production():
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS"}}
    env |= {
        "SECRET_KEY": "k" * 60,
        "ALLOWED_HOSTS": "samenspraak.example.org",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
    }
    script = (
        "from django.conf import settings; "
        "print(settings.CACHES['default']['BACKEND'], settings.AXES_HANDLER)"
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.split() == [
        "config.cache.RedisCache",
        "families.lockout.LockoutCacheHandler",
    ]


def _redis_answers() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
    except OSError:
        return False
    return True


# Another app process, with its own connection to Redis, asks axes about a
# username+address this process locked out.
OTHER_PROCESS = """
import django
django.setup()
from axes.handlers.proxy import AxesProxyHandler
from django.test import RequestFactory
request = RequestFactory().post("/inloggen/", {"username": USERNAME}, REMOTE_ADDR=ADDRESS)
print("locked" if AxesProxyHandler.is_locked(request, {"username": USERNAME}) else "open")
"""


@pytest.fixture
def redis_cache():
    if not _redis_answers():
        if os.environ.get("CI") == "true":
            pytest.fail("Redis does not answer on 127.0.0.1:6379")
        pytest.skip("Redis does not answer on 127.0.0.1:6379")
    url = "redis://127.0.0.1:6379/0"
    # As config/settings.py sets it up when REDIS_URL is given. Restored before
    # _lockout empties "the" cache again: never empty a shared Redis database.
    redis = {
        "BACKEND": "config.cache.RedisCache",
        "LOCATION": url,
        "KEY_PREFIX": "samenspraak",
    }
    with override_settings(CACHES={"default": redis}):
        yield url


def _other_process(url: str, username: str, address: str) -> str:
    env = {**os.environ, "DEBUG": "true", "REDIS_URL": url}
    code = f"USERNAME = {username!r}\nADDRESS = {address!r}\n" + OTHER_PROCESS
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    return result.stdout.strip()


def test_it_shares_a_lockout_with_other_app_processes(redis_cache, client):
    username = f"someone-{uuid.uuid4().hex}@example.org"
    assert _other_process(redis_cache, username, HERE) == "open"
    try:
        assert _fail(client, username, 5)[-1] == 429
        # The counts are in Redis: a new connection reads them ...
        by_username, _by_address = get_client_cache_keys(
            AccessAttempt(username=username, ip_address=HERE)
        )
        assert caches.create_connection("default").get(by_username) == 5
        # ... and another app process, asking axes, finds the username locked there.
        assert _other_process(redis_cache, username, HERE) == "locked"
        assert _other_process(redis_cache, username, ELSEWHERE) == "open"
    finally:
        AxesProxyHandler.reset_attempts(ip_address=HERE, username=username)

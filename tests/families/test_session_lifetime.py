"""A login ends after SESSION_MAX_SECONDS, however busy, and after
SESSION_COOKIE_AGE without a request; the session is renewed at most once per
SESSION_RENEW_SECONDS (families.middleware.SessionLifetimeMiddleware)."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from families.middleware import SessionLifetimeMiddleware

pytestmark = pytest.mark.django_db

STARTED = SessionLifetimeMiddleware.KEY
RENEWED = SessionLifetimeMiddleware.RENEWED_KEY


def _started(client, seconds_ago: float) -> None:
    session = client.session
    session[STARTED] = time.time() - seconds_ago
    session.save()


def test_it_stamps_the_start_of_a_login(client, teacher):
    before = time.time()
    client.post(reverse("login"), {"username": "teacher", "password": "secret-pw"})
    assert before <= client.session[STARTED] <= time.time()


def test_it_keeps_a_fresh_login(teacher_client, settings):
    settings.SESSION_MAX_SECONDS = 3600
    _started(teacher_client, 3500)
    assert teacher_client.get(reverse("home")).status_code == 200
    assert SESSION_KEY in teacher_client.session


def test_it_logs_out_a_login_older_than_the_maximum(teacher_client, settings):
    settings.SESSION_MAX_SECONDS = 3600
    _started(teacher_client, 3601)
    response = teacher_client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert SESSION_KEY not in teacher_client.session
    assert STARTED not in teacher_client.session


def test_it_answers_htmx_with_401_after_the_maximum(teacher_client, conversation, settings):
    settings.SESSION_MAX_SECONDS = 3600
    _started(teacher_client, 3601)
    response = teacher_client.post(
        reverse("text_autosave", args=[conversation.pk]), headers={"HX-Request": "true"}
    )
    assert response.status_code == 401


def test_it_stamps_a_login_from_before_the_maximum_existed(teacher_client):
    assert STARTED not in teacher_client.session
    teacher_client.get(reverse("home"))
    assert STARTED in teacher_client.session


def _renewed(client, seconds_ago: float) -> None:
    session = client.session
    session[RENEWED] = time.time() - seconds_ago
    session.save()


def _expiry(client):
    return Session.objects.get(session_key=client.session.session_key).expire_date


def test_it_renews_the_idle_window_on_the_first_request(teacher_client):
    response = teacher_client.get(reverse("home"))
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["max-age"] == settings.SESSION_COOKIE_AGE == 30 * 60
    assert time.time() - teacher_client.session[RENEWED] < 5


def test_it_does_not_save_the_session_again_within_a_minute(teacher_client):
    teacher_client.get(reverse("home"))  # the login's first request stamps its start
    _renewed(teacher_client, 30)
    expiry = _expiry(teacher_client)
    with CaptureQueriesContext(connection) as queries:
        response = teacher_client.get(reverse("home"))
    assert response.status_code == 200
    assert settings.SESSION_COOKIE_NAME not in response.cookies
    assert not [q for q in queries.captured_queries if "django_session" in q["sql"]]
    assert _expiry(teacher_client) == expiry


def test_it_renews_the_idle_window_after_a_minute(teacher_client):
    teacher_client.get(reverse("home"))
    _renewed(teacher_client, settings.SESSION_RENEW_SECONDS + 1)
    expiry = _expiry(teacher_client)
    response = teacher_client.get(reverse("home"))
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["max-age"] == settings.SESSION_COOKIE_AGE
    assert _expiry(teacher_client) > expiry
    assert time.time() - teacher_client.session[RENEWED] < 5


def test_it_ends_a_login_idle_for_longer_than_the_idle_window(teacher_client, settings):
    """The session row expires SESSION_COOKIE_AGE after the last renewal."""
    _renewed(teacher_client, 0)
    teacher_client.get(reverse("home"))
    Session.objects.filter(session_key=teacher_client.session.session_key).update(
        expire_date=timezone.now() - dt.timedelta(seconds=1)
    )
    cache.clear()  # sessions are read from the cache first
    response = teacher_client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))

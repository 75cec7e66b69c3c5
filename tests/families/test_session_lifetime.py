"""A login ends after SESSION_MAX_SECONDS, however busy, and after
SESSION_COOKIE_AGE without a request (families.middleware.SessionLifetimeMiddleware)."""

from __future__ import annotations

import time

import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.urls import reverse

from families.middleware import SessionLifetimeMiddleware

pytestmark = pytest.mark.django_db

STARTED = SessionLifetimeMiddleware.KEY


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


def test_it_renews_the_idle_window_on_every_request(teacher_client):
    response = teacher_client.get(reverse("home"))
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["max-age"] == settings.SESSION_COOKIE_AGE == 30 * 60

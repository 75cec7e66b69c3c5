"""A parent's token never reaches the logs.

The parent pages' paths hold the token (/ouder/<token>/), and Django logs
paths: every 4xx and 5xx answer ("Not Found: /ouder/…"), every refused CSRF
check, and runserver's request log. These tests run requests through the real
LOGGING configuration and read what each handler would actually write: the
handlers of the loggers on the way up from django.request, django.security
and django.server, with DEBUG on as on a developer's machine (some of Django's
default handlers only write then).
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from config.logging import redact

pytestmark = pytest.mark.django_db

LOGGERS = ("django.request", "django.security.csrf", "django.server")


def _handlers(name: str) -> Iterator[logging.Handler]:
    logger: logging.Logger | None = logging.getLogger(name)
    while logger is not None:
        yield from logger.handlers
        if not logger.propagate:
            return
        logger = logger.parent


@pytest.fixture
def written(settings) -> Iterator[io.StringIO]:
    """Everything the configured stream handlers write while the test runs."""
    settings.DEBUG = True
    cache.clear()
    buffer = io.StringIO()
    swapped: dict[logging.StreamHandler, object] = {}
    for name in LOGGERS:
        for handler in _handlers(name):
            if type(handler).__module__.startswith("_pytest"):
                continue  # pytest's own capture, read through caplog
            if isinstance(handler, logging.StreamHandler) and handler not in swapped:
                swapped[handler] = handler.setStream(buffer)
    assert swapped, "no log handler found to watch"
    yield buffer
    for handler, stream in swapped.items():
        handler.setStream(stream)
    cache.clear()


def test_it_blanks_the_token_of_a_wrong_link(client, written, caplog):
    token = "Wr0ngT0kenWr0ngT0kenWr0ngT0kenWr0ngT0ken123"
    response = client.get(reverse("parent_home", args=[token]))
    assert response.status_code == 404
    assert "Not Found: /ouder/[token]/" in written.getvalue()
    assert token not in written.getvalue()
    assert token not in caplog.text


def test_it_blanks_the_token_when_a_valid_link_logs(client, parent_link, written, caplog):
    token = parent_link.token
    assert client.get(reverse("parent_home", args=[token])).status_code == 200
    # A refused answer and a wrong method are logged as warnings, with the path.
    response = client.post(reverse("parent_question", args=[token, 1]), {"choice": "x"})
    assert response.status_code == 422
    assert client.get(reverse("parent_language", args=[token])).status_code == 405
    assert client.get(reverse("parent_summary", args=[token])).status_code == 404
    output = written.getvalue()
    assert "/ouder/[token]/vragen/1/" in output
    assert "/ouder/[token]/taal/" in output
    assert token not in output
    assert token not in caplog.text


def test_it_blanks_the_token_of_a_refused_csrf_check(parent_link, written, caplog):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("parent_review", args=[parent_link.token]))
    assert response.status_code == 403
    assert "Forbidden (CSRF cookie not set.): /ouder/[token]/vragen/klaar/" in written.getvalue()
    assert parent_link.token not in written.getvalue()
    assert parent_link.token not in caplog.text


def test_it_blanks_the_token_in_the_development_server_log(parent_link, written):
    # What runserver's request handler logs for each request.
    logging.getLogger("django.server").info(
        '"%s" %s %s',
        f"GET /ouder/{parent_link.token}/vragen/2/?from=review HTTP/1.1",
        "200",
        "5120",
    )
    assert '"GET /ouder/[token]/vragen/2/?from=review HTTP/1.1" 200 5120' in written.getvalue()
    assert parent_link.token not in written.getvalue()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/ouder/abc-DEF_123/", "/ouder/[token]/"),
        ("GET /ouder/abc/taal/ HTTP/1.1", "GET /ouder/[token]/taal/ HTTP/1.1"),
        ("https://x.nl/ouder/abc?next=1", "https://x.nl/ouder/[token]?next=1"),
        ("GET /agenda/abc-DEF_123.ics HTTP/1.1", "GET /agenda/[token] HTTP/1.1"),
        ("/kinderen/3/", "/kinderen/3/"),
    ],
)
def test_it_redacts_every_way_a_token_appears_in_a_path(text, expected):
    assert redact(text) == expected

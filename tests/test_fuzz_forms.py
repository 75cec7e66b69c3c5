"""Every form, fed rubbish: no server error, and a refusal the user can read.

The URLs and the objects behind their ids come from the authorization matrix
(tests/test_authorization_matrix.py), so a new form is fuzzed without anyone
listing it here. Each URL that takes a POST is posted to as the first role the
matrix lets through (the right teacher, the right coordinator, or the holder
of the parent link). The field names are the ones the pages really send: every
page in the matrix is opened once as those roles, and the inputs of each form
are collected by the URL the form posts to.

Values are drawn by hypothesis from what a careless paste, a broken browser or
an attacker sends: control characters and NUL bytes, right-to-left marks and
emoji, 100 kB strings, numbers no field can hold, impossible dates, and the
same key repeated. Each example runs with a fresh client in a savepoint that is
rolled back, as the matrix does.
"""

from __future__ import annotations

import json
from html.parser import HTMLParser
from typing import Any

import pytest
from django.core.cache import cache
from django.db import transaction
from django.test import Client
from django.urls import Resolver404, resolve, reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.test_authorization_matrix import (
    EXPECTED,
    KWARGS,
    LOGIN,
    LOGIN_OR_401,
    ROLES,
    URLS,
    World,
    world,  # noqa: F401 (a fixture)
)

REFUSED = {404, 405, LOGIN, LOGIN_OR_401}

# Keys no page shows but a view might read anyway.
GENERIC_KEYS = ("id", "pk", "next", "token", "key", "version", "status", "action", "text", "q")

# What a page must contain when it turns a form down: the project's error notices, field
# error lists, save-status lines (all role="alert" or these classes), or Django's.
ERROR_MARKERS = ('role="alert"', "notice--error", "field__errors", "errorlist")


def _allowed_role(name: str) -> str | None:
    outcomes = EXPECTED[name].post
    if outcomes is None:
        return None
    return next(
        (role for role, got in zip(ROLES, outcomes, strict=True) if got not in REFUSED), None
    )


POST_URLS = sorted(name for name in URLS if _allowed_role(name) is not None)


class _Forms(HTMLParser):
    """Field names and values of each form on a page, by the URL it posts to."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[tuple[str, dict[str, set[str]]]] = []
        self._fields: dict[str, set[str]] | None = None
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = {key: value or "" for key, value in attrs}
        if tag == "form" and (attr.get("method", "").lower() == "post" or "hx-post" in attr):
            self._fields = {}
            self.forms.append((attr.get("hx-post") or attr.get("action", ""), self._fields))
        elif self._fields is not None and tag in ("input", "select", "textarea", "button"):
            if name := attr.get("name"):
                self._fields.setdefault(name, set()).add(attr.get("value", ""))
                self._select = name if tag == "select" else None
        elif self._fields is not None and tag == "option" and self._select:
            self._fields[self._select].add(attr.get("value", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._fields = None


_FIELDS: dict[str, dict[str, set[str]]] = {}


def _fields_by_url_name(
    world: World,  # noqa: F811
    clients: dict[str, Client],
) -> dict[str, dict[str, set[str]]]:
    """Open every page once as the allowed roles and collect its forms' fields.

    Names and options do not depend on the ids of this test's world, so the
    map is made by the first test that needs it and kept by URL name.
    """
    if _FIELDS:
        return _FIELDS
    for name, kwargs in URLS.items():
        url = reverse(name, kwargs={kwarg: KWARGS[kwarg](world) for kwarg in kwargs})
        for client in clients.values():
            with transaction.atomic():
                response = client.get(url)
                transaction.set_rollback(True)
            if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
                continue
            parser = _Forms()
            parser.feed(response.content.decode())
            for action, fields in parser.forms:
                try:
                    target = resolve(action.split("?")[0] or url).url_name
                except Resolver404:
                    continue
                for field, values in fields.items():
                    if field != "csrfmiddlewaretoken":
                        _FIELDS.setdefault(target, {}).setdefault(field, set()).update(values)
    return _FIELDS


def _users(request: pytest.FixtureRequest) -> dict[str, Any]:
    """The user behind each role; an anonymous visitor or a link holder has none."""
    return {
        "anonymous": None,
        "other_parent": None,
        **{
            role: request.getfixturevalue(role)
            for role in ROLES
            if role.startswith(("teacher", "coord", "other_coord"))
        },
    }


def _client(user: Any) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


NASTY_TEXT = st.one_of(
    st.text(max_size=40),
    st.text(st.characters(codec="utf-8", categories=["Cc", "Cf", "Zl", "Zp", "Co"]), max_size=20),
    st.sampled_from(
        [
            "",
            " ",
            "\x00",
            "a\x00b",
            "\u202egnp.exe",  # right-to-left override
            "مرحبا بالعالم",
            "👨‍👩‍👧‍👦🏳️‍🌈",
            "<script>alert(1)</script>",
            "' OR 1=1 --",
            "%(name)s {0} {{ x }}",
            "\r\n\r\n",
            "\ud7ff\ue000\uffff",
        ]
    ),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.sampled_from(["1e309", "-0", "NaN", "inf", "0x10", "٣", "2147483648", "-2147483649"]),
    st.sampled_from(
        ["2024-02-30", "31-13-2020", "0000-00-00", "9999-12-31", "10000-01-01", "2024-1-1T25:61"]
    ),
    st.sampled_from(["x" * 100_000, "é" * 60_000, "🙂" * 30_000]),
)


def _values(known: set[str]) -> st.SearchStrategy[list[str]]:
    one = st.one_of(st.sampled_from(sorted(known)), NASTY_TEXT) if known else NASTY_TEXT
    return st.lists(one, min_size=1, max_size=3)


def _assert_polite(name: str, data: dict[str, list[str]], response: Any) -> None:
    status = response.status_code
    shown = {key: [value[:40] for value in values] for key, values in data.items()}
    assert status < 500, f"{name}: {status} for {shown}"
    if status in (301, 302, 303, 304):
        return
    content_type = response.get("Content-Type", "")
    if "json" in content_type:
        body = json.loads(response.content)
        assert status < 400 or "errors" in body or "error" in body, f"{name}: {status} {body}"
        return
    assert content_type.startswith("text/html"), f"{name}: {status} as {content_type}"
    text = response.content.decode()
    # 409 and 422 are how this project answers a form it cannot take; a page
    # that marks a field invalid must also say why.
    if status in (409, 422) or "field--invalid" in text or 'aria-invalid="true"' in text:
        assert any(marker in text for marker in ERROR_MARKERS), (
            f"{name}: {status} without an error message for {shown}: {text[:300]}"
        )


@pytest.mark.django_db
@pytest.mark.parametrize("name", POST_URLS)
def test_it_answers_every_form_politely(name, world, request):  # noqa: F811
    users = _users(request)
    role = _allowed_role(name)
    readers = {role: _client(users[role]) for role in ("anonymous", "teacher", "coordinator")}
    fields = _fields_by_url_name(world, readers).get(name, {})
    url = reverse(name, kwargs={kwarg: KWARGS[kwarg](world) for kwarg in URLS[name]})
    keys = {**{key: set() for key in GENERIC_KEYS}, **fields}
    data_strategy = st.fixed_dictionaries(
        {}, optional={key: _values(values) for key, values in keys.items()}
    )

    @settings(
        max_examples=15,
        deadline=None,
        database=None,
        # The fixtures are made once per test on purpose: each example gets its
        # own client and rolls its writes back, so none leaks into the next.
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(data=data_strategy, htmx=st.booleans())
    def post(data: dict[str, list[str]], htmx: bool) -> None:
        cache.clear()  # rate limits and login lockouts are tested on their own
        client = _client(users[role])
        headers = {"HX-Request": "true"} if htmx else {}
        with transaction.atomic():
            response = client.post(url, data, headers=headers)
            transaction.set_rollback(True)
        _assert_polite(name, data, response)

    post()

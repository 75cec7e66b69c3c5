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
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.db import transaction
from django.test import Client
from django.urls import Resolver404, resolve, reverse
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from conversations.forms import TalkTimeForm
from conversations.models import ConversationText
from conversations.steps import steps_for
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
    """The first role the matrix lets post to this URL, if any."""
    outcomes = EXPECTED[name].post
    if outcomes is None:
        return None
    return next(
        (role for role, got in zip(ROLES, outcomes, strict=True) if got not in REFUSED), None
    )


POST_URLS = sorted(name for name in URLS if _allowed_role(name) is not None)


class _Forms(HTMLParser):
    """Field names and values of each form on a page, by the URL it posts to.

    Autosaving text fields post on their own (hx-post on the textarea, with
    hx-vals and hx-include), so those count as a form of one field too.
    """

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
            return
        if tag not in ("input", "select", "textarea", "button", "option"):
            return
        name = attr.get("name")
        if "hx-post" in attr:
            own: dict[str, set[str]] = {name: {""}} if name else {}
            for key, value in json.loads(attr.get("hx-vals") or "{}").items():
                own[key] = {str(value)}
            for selector in attr.get("hx-include", "").split(","):
                if selector.strip().startswith("#"):
                    own[selector.strip()[1:]] = {""}
            self.forms.append((attr["hx-post"], own))
        if self._fields is None:
            return
        if tag == "option" and self._select:
            self._fields[self._select].add(attr.get("value", ""))
        elif name:
            self._fields.setdefault(name, set()).add(attr.get("value", ""))
            self._select = name if tag == "select" else None

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._fields = None


# Endpoints that only JavaScript posts to, with the form that reads them.
SCRIPTED_FORMS = {"talk_time_save": TalkTimeForm}

_FIELDS: dict[str, dict[str, set[str]]] = {}
ITEM_ID = "ITEM_ID"


def _page_urls(objects: World) -> Iterator[str]:
    """Every page in the matrix, and every step of the preparation."""
    for name, kwargs in URLS.items():
        steps = [step.slug for step in steps_for(objects.conversation.kind)]
        for step in steps if "step" in kwargs else [None]:
            values = {kwarg: KWARGS[kwarg](objects) for kwarg in kwargs}
            if step is not None:
                values["step"] = step
            yield reverse(name, kwargs=values)


def _fields_by_url_name(
    objects: World, clients: dict[str, Client]
) -> dict[str, dict[str, set[str]]]:
    """Open every page once as the allowed roles and collect its forms' fields.

    Opening them all takes seconds, so the map is made by the first test that
    needs it and kept by URL name, with the agenda item's id (the one id that
    appears in field names, as in `item-7-title`) written as ITEM_ID.
    """
    if not _FIELDS:
        _collect_fields(objects, clients)
    item_id = str(objects.agenda_item.pk)
    return {
        name: {
            field.replace(ITEM_ID, item_id): {value.replace(ITEM_ID, item_id) for value in values}
            for field, values in fields.items()
        }
        for name, fields in _FIELDS.items()
    }


def _collect_fields(objects: World, clients: dict[str, Client]) -> None:
    item_id = re.compile(rf"(?<=-){objects.agenda_item.pk}(?=-|$)")
    for name, form in SCRIPTED_FORMS.items():
        _FIELDS[name] = {field: {"0", "60"} for field in form.base_fields}
    for url in _page_urls(objects):
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
                        general = item_id.sub(ITEM_ID, field)
                        _FIELDS.setdefault(target, {}).setdefault(general, set()).update(
                            item_id.sub(ITEM_ID, value) for value in values
                        )


def _users(request: pytest.FixtureRequest) -> dict[str, Any]:
    """The user behind each role; an anonymous visitor or a link holder has none."""
    return {
        "anonymous": None,
        "other_parent": None,
        **{
            role: request.getfixturevalue(role)
            for role in ROLES
            if role not in ("anonymous", "other_parent")
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
    readers = {who: _client(users[who]) for who in ("anonymous", "teacher", "coordinator")}
    fields = _fields_by_url_name(world, readers).get(name, {})
    url = reverse(name, kwargs={kwarg: KWARGS[kwarg](world) for kwarg in URLS[name]})
    keys = {**{key: set() for key in GENERIC_KEYS}, **fields}
    data_strategy = st.fixed_dictionaries(
        {}, optional={key: _values(values) for key, values in keys.items()}
    )

    @settings(
        max_examples=20,
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


AUTOSAVE_TEXT = st.one_of(NASTY_TEXT, st.just("Goed\x00gesprek"), st.just("ok"))
AUTOSAVE_VERSION = st.one_of(
    st.just("0"),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    NASTY_TEXT,
)


@pytest.mark.django_db
def test_it_answers_every_autosave_politely(world, teacher):  # noqa: F811
    """The autosave endpoint reads raw keys, versions and texts, not a form."""
    url = reverse("text_autosave", args=[world.conversation.pk])
    item = world.agenda_item.pk
    keys = st.one_of(
        st.sampled_from(["summary", "reflection_note", "prep_going_well", f"agenda-{item}"]),
        st.sampled_from(["agenda-²", "agenda-٣", f"agenda-{2**70}", "agenda-", "agenda--1"]),
        NASTY_TEXT,
    )

    @settings(
        max_examples=60,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(key=keys, version=AUTOSAVE_VERSION, text=AUTOSAVE_TEXT)
    @example(key="summary", version="0", text="Goed\x00gesprek")
    @example(key="summary", version=str(2**70), text="Goed gesprek")
    @example(key=f"agenda-{2**70}", version="0", text="Goed gesprek")
    def post(key: str, version: str, text: str) -> None:
        client = _client(teacher)
        data = {"key": key, f"version-{key}": version, f"text-{key}": text}
        with transaction.atomic():
            response = client.post(url, data, headers={"HX-Request": "true"})
            transaction.set_rollback(True)
        _assert_polite("text_autosave", {k: [v] for k, v in data.items()}, response)

    post()


# Bodies too large for Django to read, and a text too long to store.


@pytest.mark.django_db
@pytest.mark.parametrize("htmx", [False, True])
def test_it_refuses_a_body_beyond_the_upload_limit_politely(world, teacher, htmx):  # noqa: F811
    client = _client(teacher)
    client.cookies["django_language"] = "en"
    text = "x" * (django_settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
    url = reverse("text_autosave", args=[world.conversation.pk])
    headers = {"HX-Request": "true"} if htmx else {}

    response = client.post(
        url, {"key": "summary", "version-summary": "0", "text-summary": text}, headers=headers
    )

    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    content = response.content.decode()
    assert 'role="alert"' in content
    assert "too large" in content
    assert ("<html" in content) is not htmx
    assert not ConversationText.objects.filter(key="summary").exists()


@pytest.mark.django_db
def test_it_refuses_too_many_fields_politely(world, teacher):  # noqa: F811
    client = _client(teacher)
    client.cookies["django_language"] = "en"
    data = {f"field-{n}": "x" for n in range(django_settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1)}

    response = client.post(reverse("conversation_details", args=[world.conversation.pk]), data)

    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()


@pytest.mark.django_db
def test_it_refuses_a_megabyte_of_autosaved_text_and_stores_nothing(world, teacher):  # noqa: F811
    client = _client(teacher)
    client.cookies["django_language"] = "en"

    response = client.post(
        reverse("text_autosave", args=[world.conversation.pk]),
        {"key": "summary", "version-summary": "0", "text-summary": "x" * 1_000_000},
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 422
    assert 'role="alert"' in response.content.decode()
    assert "Not saved: this text is longer than" in response.content.decode()
    assert not ConversationText.objects.filter(key="summary").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["two_factor_verify", "agreement_update", "contact_log"])
def test_it_ignores_a_next_that_is_not_a_path(name, world, teacher):  # noqa: F811
    """redirect() reads a bare word as a URL name: "home" would go to the
    home page and "0" would fail, so only a path is followed."""
    url = reverse(name, kwargs={kwarg: KWARGS[kwarg](world) for kwarg in URLS[name]})
    data = {
        "next": "0",
        "what": "Samen lezen",
        "who": "parent",
        "due_on": "2030-01-01",
        "status": "open",
        "channel": "phone",
        "note": "Gebeld",
    }

    response = _client(teacher).post(url, data)

    assert response.status_code == 302
    assert response["Location"].startswith("/")
    assert response["Location"] != "/0"

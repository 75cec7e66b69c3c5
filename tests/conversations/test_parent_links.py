"""Token security of the parent pages: who gets in with which link, what a
refusal shows, the rate limit, the headers, CSRF, and that opening a link
(as a mail scanner does) changes nothing."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from conversations import parent_links
from conversations.models import ConversationText, ParentLink, QuestionnaireAnswer
from conversations.summary import SHARED_SUMMARY_KEY
from tests import factories

pytestmark = pytest.mark.django_db

PARENT_PAGES = ("parent_home", "parent_review", "parent_summary")


@pytest.fixture(autouse=True)
def _fresh_rate_limit():
    cache.clear()
    yield
    cache.clear()


def _url(name: str, token: str, **kwargs) -> str:
    return reverse(name, kwargs={"token": token, **kwargs})


def _every_page(token: str) -> list[str]:
    return [
        _url("parent_home", token),
        *(_url("parent_question", token, number=n) for n in range(1, 9)),
        _url("parent_review", token),
        _url("parent_summary", token),
        _url("parent_language", token),
    ]


def _share_summary(conversation, text: str = "We talked about reading.", version: int = 1):
    ConversationText.objects.update_or_create(
        conversation=conversation,
        key=SHARED_SUMMARY_KEY,
        defaults={"text": text, "version": version},
    )
    conversation.summary_shared_at = timezone.now()
    conversation.status = conversation.Status.HELD
    conversation.save()


def _assert_reveals_nothing(content: str, link) -> None:
    conversation = link.conversation
    for secret in (
        conversation.child.first_name,
        conversation.child.last_name,
        conversation.child.family.location.name,
        link.guardian.first_name,
        conversation.owner.first_name,
    ):
        assert secret not in content


def _assert_protected(response) -> None:
    assert "no-store" in response["Cache-Control"]
    assert response["Referrer-Policy"] == "no-referrer"
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    content = response.content.decode()
    if "<html" in content:
        assert '<meta name="robots" content="noindex, nofollow">' in content


# The right token


def test_it_opens_the_start_page_with_the_right_token(client, parent_link):
    response = client.get(_url("parent_home", parent_link.token))
    content = response.content.decode()
    assert response.status_code == 200
    assert "Emre" in content
    assert "Kindcentrum De Linde" in content


def test_it_shows_each_family_only_their_own_child(client, parent_link, other_family_link):
    own = client.get(_url("parent_home", parent_link.token)).content.decode()
    other = client.get(_url("parent_home", other_family_link.token)).content.decode()
    assert "Emre" in own
    assert "Noor" not in own
    assert "Noor" in other
    assert "Emre" not in other
    assert "Yilmaz" not in other
    assert "Ayşe" not in other


def test_it_shows_each_parent_of_a_family_their_own_link(client, conversation, parent_link):
    second = factories.make_parent_link(
        conversation,
        factories.make_guardian(conversation.child.family, first_name="Kemal"),
    )
    assert second.token != parent_link.token
    assert "Kemal" in client.get(_url("parent_home", second.token)).content.decode()
    assert "Kemal" not in client.get(_url("parent_home", parent_link.token)).content.decode()


# Wrong, ended and guessed tokens


@pytest.mark.parametrize(
    "related",
    [parent_links.LINK_RELATED, ("conversation__child",), ("conversation__child", "guardian")],
)
def test_it_finds_a_link_and_what_it_reads_along_as_the_orm_does(
    rf, parent_link, other_family_link, related
):
    request = rf.get("/")
    for link in (parent_link, other_family_link):
        found = parent_links.link_find(request, link.token, related=related)
        expected = ParentLink.objects.select_related(*related).order_by().get(pk=link.pk)
        assert (found.pk, found.token_hash, found.language, found.revoked_at) == (
            expected.pk,
            expected.token_hash,
            expected.language,
            expected.revoked_at,
        )
        with CaptureQueriesContext(connection) as queries:
            for path in related:
                each, wanted = found, expected
                for name in path.split("__"):
                    each, wanted = getattr(each, name), getattr(wanted, name)
                    assert each == wanted
        assert len(queries) == 0
    wrong = parent_link.token[:-1] + ("A" if parent_link.token[-1] != "A" else "B")
    assert parent_links.link_find(request, wrong, related=related) is None


@pytest.mark.parametrize(
    "token",
    [
        "A" * parent_links.TOKEN_LENGTH,
        "short",
        "x" * 200,
        "0" * (parent_links.TOKEN_LENGTH - 1),
    ],
    ids=["guessed", "short", "long", "one-short"],
)
def test_it_refuses_a_wrong_token_with_a_friendly_404(client, parent_link, token):
    for url in _every_page(token):
        response = client.get(url, headers={"accept-language": "en"})
        content = response.content.decode()
        assert response.status_code == 404, url
        assert "This link does not work" in content
        assert "Would you like a new link?" in content
        _assert_reveals_nothing(content, parent_link)
        _assert_protected(response)


def test_it_refuses_a_nearly_right_token(client, parent_link):
    token = parent_link.token
    changed = token[:-1] + ("A" if token[-1] != "A" else "B")
    response = client.get(_url("parent_home", changed))
    assert response.status_code == 404


def test_it_answers_a_revoked_link_with_a_friendly_410(client, parent_link):
    parent_links.link_revoke(link=parent_link)
    for url in _every_page(parent_link.token):
        response = client.get(url, headers={"accept-language": "en"})
        content = response.content.decode()
        assert response.status_code == 410, url
        assert "This link does not work any more" in content
        assert "Would you like a new link?" in content
        _assert_reveals_nothing(content, parent_link)
        _assert_protected(response)


def test_it_gives_a_renewed_link_a_new_token_and_keeps_the_old_one_dead(
    client, conversation, parent_link
):
    parent_links.link_revoke(link=parent_link)
    renewed = parent_links.link_create(
        conversation=conversation, guardian=parent_link.guardian, user=None
    )
    new_token = parent_links.token_of(renewed)
    assert new_token != parent_link.token
    assert client.get(_url("parent_home", new_token)).status_code == 200
    assert client.get(_url("parent_home", parent_link.token)).status_code == 404


def test_it_answers_an_expired_link_with_a_friendly_410(client, settings, child, teacher):
    long_ago = timezone.localdate() - dt.timedelta(days=settings.PARENT_LINK_DAYS + 1)
    link = factories.make_parent_link(factories.make_conversation(child, teacher, date=long_ago))
    for url in _every_page(link.token):
        response = client.get(url, headers={"accept-language": "en"})
        content = response.content.decode()
        assert response.status_code == 410, url
        assert "This link does not work any more" in content
        _assert_reveals_nothing(content, link)


def test_it_keeps_a_link_open_until_the_last_day(client, settings, child, teacher):
    last_day = timezone.localdate() - dt.timedelta(days=settings.PARENT_LINK_DAYS)
    link = factories.make_parent_link(factories.make_conversation(child, teacher, date=last_day))
    assert client.get(_url("parent_home", link.token)).status_code == 200


def test_it_words_the_refusals_alike_so_they_tell_nothing_apart(client, parent_link):
    """A wrong and an ended link both say only that the link does not work
    (any more): not whose it was, not why."""
    guessed = client.get(_url("parent_home", "A" * 43), headers={"accept-language": "en"})
    parent_links.link_revoke(link=parent_link)
    revoked = client.get(_url("parent_home", parent_link.token), headers={"accept-language": "en"})
    for response in (guessed, revoked):
        text = re.sub(r"<[^>]+>", " ", response.content.decode())
        assert "revoked" not in text
        assert "expired" not in text
        assert "Ask the teacher or the pedagogical staff member of your child" in text


@pytest.mark.parametrize(
    ("accept_language", "language", "direction"),
    [
        ("ar,en;q=0.5", "ar", "rtl"),
        ("en-GB,en;q=0.9", "en", "ltr"),
        ("de-DE,fr;q=0.8,pl;q=0.5", "pl", "ltr"),
        ("de-DE,fr;q=0.8", "nl", "ltr"),
        ("", "nl", "ltr"),
    ],
)
def test_it_speaks_the_browser_language_on_refusals(client, accept_language, language, direction):
    response = client.get(
        _url("parent_home", "A" * 43), headers={"accept-language": accept_language}
    )
    assert response.status_code == 404
    assert response["Content-Language"] == language
    assert "Accept-Language" in response["Vary"]
    assert f'<html lang="{language}" dir="{direction}">' in response.content.decode()


# Rate limit


def test_it_refuses_an_address_that_guessed_too_often_even_with_the_right_token(
    client, settings, parent_link
):
    settings.PARENT_LINK_LOOKUP_LIMIT = 3
    for n in range(3):
        assert client.get(_url("parent_home", f"{n}" * 43)).status_code == 404
    response = client.get(_url("parent_home", parent_link.token), headers={"accept-language": "en"})
    content = response.content.decode()
    assert response.status_code == 429
    assert response["Retry-After"] == str(settings.PARENT_LINK_LOOKUP_WINDOW)
    assert "Please wait a moment" in content
    assert "Emre" not in content
    _assert_protected(response)
    # The same holds for posts: nothing is saved.
    response = client.post(_url("parent_question", parent_link.token, number=1), {"choice": "good"})
    assert response.status_code == 429
    assert not QuestionnaireAnswer.objects.exists()


def test_it_counts_wrong_tokens_per_address(settings, parent_link):
    settings.PARENT_LINK_LOOKUP_LIMIT = 2
    guesser = Client(REMOTE_ADDR="203.0.113.7")
    neighbour = Client(REMOTE_ADDR="203.0.113.8")
    for _ in range(2):
        guesser.get(_url("parent_home", "A" * 43))
    assert guesser.get(_url("parent_home", parent_link.token)).status_code == 429
    assert neighbour.get(_url("parent_home", parent_link.token)).status_code == 200


def test_it_never_limits_a_parent_who_uses_their_own_link(client, settings, parent_link):
    settings.PARENT_LINK_LOOKUP_LIMIT = 2
    for _ in range(10):
        assert client.get(_url("parent_home", parent_link.token)).status_code == 200


# Mail scanners: GET and HEAD change nothing


@pytest.fixture
def half_answered(parent_link):
    """A link with some answers, a shared summary and a language, so that each
    page has something a careless GET could change."""
    QuestionnaireAnswer.objects.create(
        link=parent_link, question="feeling", choices=["good"], text_language=""
    )
    _share_summary(parent_link.conversation)
    return parent_link


@pytest.mark.parametrize("method", ["get", "head"])
def test_it_changes_nothing_when_a_scanner_opens_every_page(client, half_answered, method):
    link = half_answered
    before = (
        list(QuestionnaireAnswer.objects.values()),
        list(type(link).objects.filter(pk=link.pk).values()),
        list(link.conversation.agenda_items.values()),
    )
    statuses = {}
    with CaptureQueriesContext(connection) as queries:
        for url in _every_page(link.token):
            statuses[url] = getattr(client, method)(url).status_code
    writes = [
        query["sql"]
        for query in queries.captured_queries
        if re.match(r"\s*(INSERT|UPDATE|DELETE)", query["sql"], re.IGNORECASE)
    ]
    assert writes == []
    assert (
        list(QuestionnaireAnswer.objects.values()),
        list(type(link).objects.filter(pk=link.pk).values()),
        list(link.conversation.agenda_items.values()),
    ) == before
    assert statuses[_url("parent_language", link.token)] == 405
    assert {status for url, status in statuses.items() if "taal" not in url} == {200}


def test_it_takes_the_questionnaire_as_unsent_until_the_parent_presses_send(client, half_answered):
    client.get(_url("parent_review", half_answered.token))
    client.head(_url("parent_review", half_answered.token))
    half_answered.refresh_from_db()
    assert half_answered.submitted_at is None
    assert half_answered.summary_confirmed_at is None


# Headers on every parent response


def test_it_protects_every_parent_response(client, parent_link, other_family_link, settings):
    token = parent_link.token
    _share_summary(other_family_link.conversation)
    responses = [client.get(url) for url in _every_page(token)]
    responses += [
        client.post(_url("parent_question", token, number=2), {"choices": ["friends"]}),
        client.post(_url("parent_question", token, number=2), {"choices": ["nope"]}),
        client.post(
            _url("parent_question", token, number=2), {"choices": ["friends"], "autosave": "1"}
        ),
        client.post(_url("parent_review", token)),
        client.post(_url("parent_language", token), {"language": "en"}),
        client.put(_url("parent_home", token)),
        client.get(_url("parent_question", token, number=9)),
        client.get(_url("parent_summary", other_family_link.token)),
        client.post(
            _url("parent_summary", other_family_link.token), {"action": "confirm", "version": "1"}
        ),
        client.post(_url("parent_question", other_family_link.token, number=1), {}),
        client.get(_url("parent_home", "A" * 43)),
    ]
    parent_links.link_revoke(link=other_family_link)
    responses.append(client.get(_url("parent_home", other_family_link.token)))
    settings.PARENT_LINK_LOOKUP_LIMIT = 0
    responses.append(client.get(_url("parent_home", token)))
    statuses = sorted({response.status_code for response in responses})
    assert statuses == [200, 302, 404, 405, 409, 410, 422, 429]
    for response in responses:
        _assert_protected(response)


def test_it_loads_nothing_from_other_sites(client, half_answered):
    half_answered.conversation.video_link = "https://video.example.org/room"
    half_answered.conversation.save()
    for url in _every_page(half_answered.token)[:-1]:
        content = client.get(url).content.decode()
        loaded = re.findall(r'<(?:script|img|link|iframe)\b[^>]*?(?:src|href)="([^"]+)"', content)
        assert loaded, url
        assert all(address.startswith("/") and not address.startswith("//") for address in loaded)
        assert "style=" not in content
        assert "<style" not in content
        assert not re.search(r"<script(?![^>]*\bsrc=)", content)


def test_it_shows_no_staff_navigation_to_a_logged_in_professional(teacher_client, parent_link):
    response = teacher_client.get(_url("parent_home", parent_link.token))
    content = response.content.decode()
    assert response.status_code == 200
    assert reverse("logout") not in content
    assert f'href="{reverse("home")}"' not in content
    assert 'class="site-nav"' not in content


# CSRF: every change is a POST with a token


@pytest.fixture
def csrf_client() -> Client:
    return Client(enforce_csrf_checks=True)


def _csrf_token(client: Client, url: str) -> str:
    content = client.get(url).content.decode()
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', content).group(1)


def test_it_refuses_a_post_without_a_csrf_token(csrf_client, parent_link):
    url = _url("parent_question", parent_link.token, number=1)
    csrf_client.get(url)
    response = csrf_client.post(url, {"choice": "good"}, headers={"accept-language": "en"})
    assert response.status_code == 403
    assert not QuestionnaireAnswer.objects.exists()
    _assert_protected(response)
    assert '<html lang="tr"' in response.content.decode()


@pytest.mark.parametrize(
    ("origin", "fetch_site", "saved"),
    [
        # Referrer-Policy: no-referrer makes browsers post with Origin: null.
        ("null", "same-origin", True),
        ("null", None, True),
        ("http://testserver", "same-origin", True),
        ("null", "cross-site", False),
        ("https://evil.example", "cross-site", False),
    ],
)
def test_it_accepts_its_own_forms_under_no_referrer(
    csrf_client, parent_link, origin, fetch_site, saved
):
    url = _url("parent_question", parent_link.token, number=1)
    headers = {"origin": origin}
    if fetch_site:
        headers["sec-fetch-site"] = fetch_site
    response = csrf_client.post(
        url,
        {"choice": "good", "csrfmiddlewaretoken": _csrf_token(csrf_client, url)},
        headers=headers,
    )
    assert response.status_code == (302 if saved else 403)
    assert QuestionnaireAnswer.objects.filter(link=parent_link).exists() is saved

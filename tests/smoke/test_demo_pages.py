"""Smoke pass: seed the demo, then open every page as every demo user and as an
anonymous visitor.

Which objects a user may see is tested against small fixtures elsewhere; here
the point is that every page renders with the full demo data, and that the
answer (200, 404 or a redirect to the login page) matches the user's scope.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.models import Model
from django.test import Client
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from conversations import parent_links
from conversations.models import Conversation, MeetingRound, ParentLink
from conversations.steps import steps_for
from families.models import Child, Family, Group, Location

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

DEMO_LOGINS = ("demo-teacher", "demo-teacher2", "demo-coordinator")


@dataclass(frozen=True)
class Page:
    url: str
    # The object whose visibility decides between 200 and 404; none for a page
    # every signed-in user may open.
    model: type[Model] | None = None
    pk: int | None = None
    # "visible": whoever may see the object may open the page; "editable": the
    # page is for writing, so it needs `editable_by` (a coordinator gets 404).
    scope: str = "visible"
    # The answer when the user may open the page: a page that only sends the
    # user on answers 302.
    ok: int = 200


@pytest.fixture
def demo_location(db, settings):
    settings.DEMO_USERS_ENABLED = True
    call_command("seed_demo", stdout=io.StringIO())
    return Location.objects.get(name="Kindcentrum De Vlinderboom")


def _staff_pages(location: Location) -> list[Page]:
    pages = [Page(reverse("home"))]
    for name, model, objects in (
        ("child_detail", Child, Child.objects.filter(family__location=location)),
        ("family_detail", Family, Family.objects.filter(location=location)),
        ("group_detail", Group, Group.objects.filter(location=location)),
    ):
        pages += [
            Page(reverse(name, args=[pk]), model, pk)
            for pk in objects.order_by("pk").values_list("pk", flat=True)
        ]
    # The roster import arrived later than the overview: include it when present.
    for name in ("location_overview", "roster_import"):
        try:
            url = reverse(name, kwargs={"location_id": location.pk})
        except NoReverseMatch:
            continue
        pages.append(Page(url, Location, location.pk))
    pages.append(Page(reverse("prompt_list", args=[location.pk]), Location, location.pk))
    # Coordinator pages: the lists behind the overview, and each family's AVG export.
    for name in ("coordination_children", "coordination_agreements", "coordination_conversations"):
        pages.append(Page(reverse(name, args=[location.pk]), Location, location.pk))
    pages += [
        Page(reverse("family_export", args=[pk]), Location, location.pk)
        for pk in Family.objects.filter(location=location)
        .order_by("pk")
        .values_list("pk", flat=True)
    ]
    return pages + _round_pages(location) + _conversation_pages(location)


def _round_pages(location: Location) -> list[Page]:
    """The meeting rounds: the list, the calendar feed page, and each round's
    schedule, not-booked list and printable day schedules."""
    pages = [Page(reverse("round_list")), Page(reverse("calendar_feed_settings"))]
    for meeting_round in MeetingRound.objects.filter(location=location).order_by("pk"):
        pk = meeting_round.pk
        days = {timezone.localdate(slot.starts_at) for slot in meeting_round.slots.all()}
        pages += [
            Page(reverse("round_detail", args=[pk]), MeetingRound, pk),
            Page(reverse("round_unbooked", args=[pk]), MeetingRound, pk),
            *(
                Page(reverse("round_day_print", args=[pk, day.isoformat()]), MeetingRound, pk)
                for day in sorted(days)
            ),
        ]
    return pages


def _conversation_pages(location: Location) -> list[Page]:
    """Every page of every demo conversation, each agreement included."""
    pages = []
    conversations = Conversation.objects.filter(child__family__location=location)
    for conversation in conversations.prefetch_related("agreements", "parent_links").order_by("pk"):
        pk = conversation.pk

        def page(name: str, *args: object, scope: str = "visible", ok: int = 200) -> Page:
            return Page(reverse(name, args=[*args]), Conversation, pk, scope, ok)  # noqa: B023

        pages += [
            page("conversation_detail", pk),
            page("conversation_details", pk, scope="editable"),
            page("preparation_start", pk, ok=302),
            *(page("preparation_step", pk, step.slug) for step in steps_for(conversation.kind)),
            page("preparation_print", pk),
            page("meeting_mode", pk),
            page("agreement_list", pk),
            *(
                page("agreement_update", agreement.pk, scope="editable")
                for agreement in conversation.agreements.all()
            ),
            page("summary_edit", pk),
            page("summary_print", pk),
            page("reflection_edit", pk),
            # The read-along page is the location's coordinators' own.
            Page(reverse("conversation_review", args=[pk]), Location, location.pk),
            *(
                page("parent_link_letter", pk, link.guardian_id, scope="editable")
                for link in conversation.parent_links.all()
            ),
        ]
    return pages


def _visible_pks(user: AbstractBaseUser, model: type[Model], scope: str) -> set[int]:
    """What the user may open: the models' own scopes, as the views use them."""
    if model is Location:
        visible = Location.objects.coordinated_by(user)
    elif scope == "editable":
        visible = model.objects.editable_by(user)
    else:
        visible = model.objects.visible_to(user)
    return set(visible.values_list("pk", flat=True))


def test_it_seeds_every_kind_of_page(demo_location):
    pages = _staff_pages(demo_location)

    assert len(pages) > 150
    assert Group.objects.current().filter(location=demo_location).count() >= 5
    conversations = Conversation.objects.filter(child__family__location=demo_location)
    assert conversations.count() >= 4
    assert len({page.pk for page in pages if page.model is Conversation}) == conversations.count()
    assert any("afspraken/" in page.url for page in pages)
    assert len([page for page in pages if page.model is MeetingRound]) >= 4


@pytest.mark.parametrize("username", DEMO_LOGINS)
def test_it_renders_every_page_for_each_demo_user(demo_location, username):
    client = Client()
    assert client.login(username=username, password="demo")
    user = get_user_model().objects.get(username=username)
    visible: dict[tuple[type, str], set[int]] = {}
    failures = []
    seen = 0

    for page in _staff_pages(demo_location):
        expected = page.ok
        if page.model is not None:
            scope = (page.model, page.scope)
            if scope not in visible:
                visible[scope] = _visible_pks(user, page.model, page.scope)
            expected = page.ok if page.pk in visible[scope] else 404
        response = client.get(page.url)
        if response.status_code != expected:
            failures.append((page.url, response.status_code, expected))
        elif expected == 200:
            seen += 1
            if b"<main" not in response.content:
                failures.append((page.url, "no <main>", expected))

    assert failures == []
    # A signed-in user is sent on from the login page.
    assert client.get(reverse("login")).status_code == 302
    # Every demo user sees something beyond the home page.
    assert seen > 5


def test_it_sends_an_anonymous_visitor_to_the_login_page(demo_location):
    client = Client()
    login_url = reverse("login")
    failures = []

    for page in _staff_pages(demo_location):
        response = client.get(page.url)
        if response.status_code != 302 or not response.url.startswith(login_url):
            failures.append((page.url, response.status_code, response.get("Location")))

    assert failures == []
    response = client.get(login_url)
    assert response.status_code == 200
    assert b"<main" in response.content


def test_it_renders_every_parent_page_of_every_demo_link(demo_location):
    """Parents need no login: each demo link opens its pages for anyone holding it."""
    links = ParentLink.objects.filter(conversation__child__family__location=demo_location)
    assert links.exists()
    failures = []
    for link in links.select_related("conversation"):
        token = parent_links.token_of(link)
        shared = link.conversation.summary_shared_at is not None
        urls = [
            (reverse("parent_home", args=[token]), 200),
            *((reverse("parent_question", args=[token, n]), 200) for n in range(1, 9)),
            (reverse("parent_review", args=[token]), 200),
            (reverse("parent_summary", args=[token]), 200 if shared else 404),
            (
                reverse("parent_booking", args=[token]),
                200 if link.conversation.meeting_round_id else 404,
            ),
        ]
        client = Client()
        for url, expected in urls:
            response = client.get(url)
            if response.status_code != expected or b"<main" not in response.content:
                failures.append((link.pk, url.split("/")[-2], response.status_code))
    assert failures == []


def test_it_shows_a_teacher_only_their_own_group(demo_location):
    client = Client()
    client.login(username="demo-teacher", password="demo")
    own = Group.objects.current().get(location=demo_location, name="Groep 3")
    other = Group.objects.current().get(location=demo_location, name="Groep 5/6")

    response = client.get(own.get_absolute_url())

    assert response.status_code == 200
    child = own.children.order_by("first_name").first()
    assert child.first_name in response.text
    assert client.get(other.get_absolute_url()).status_code == 404
    assert client.get(demo_location.get_absolute_url()).status_code == 404

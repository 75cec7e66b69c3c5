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
    return pages


def _visible_pks(user: AbstractBaseUser, model: type[Model]) -> set[int]:
    """What the user may open: the models' own scopes, as the views use them."""
    if model is Location:
        visible = Location.objects.coordinated_by(user)
    else:
        visible = model.objects.visible_to(user)
    return set(visible.values_list("pk", flat=True))


def test_it_seeds_every_kind_of_page(demo_location):
    pages = _staff_pages(demo_location)

    assert len(pages) > 150
    assert Group.objects.current().filter(location=demo_location).count() >= 5


@pytest.mark.parametrize("username", DEMO_LOGINS)
def test_it_renders_every_page_for_each_demo_user(demo_location, username):
    client = Client()
    assert client.login(username=username, password="demo")
    user = get_user_model().objects.get(username=username)
    visible: dict[type, set[int]] = {}
    failures = []
    seen = 0

    for page in _staff_pages(demo_location):
        expected = 200
        if page.model is not None:
            if page.model not in visible:
                visible[page.model] = _visible_pks(user, page.model)
            expected = 200 if page.pk in visible[page.model] else 404
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

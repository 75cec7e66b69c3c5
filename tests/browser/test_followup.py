from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from conversations.models import AgendaItem, Agreement, Conversation, ConversationText
from families.models import Enrolment
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def held(settings):
    """A demo teacher's conversation after the meeting, with a topic and an agreement."""
    settings.DEMO_USERS_ENABLED = True
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    teacher = get_user_model().objects.get(username="demo-teacher")
    child = (
        Enrolment.objects.filter(group__staff_memberships__user=teacher)
        .select_related("child")
        .order_by("child__first_name")
        .first()
        .child
    )
    conversation = factories.make_conversation(child, teacher, date=timezone.localdate())
    AgendaItem.objects.create(conversation=conversation, title="Vriendjes op het plein")
    Agreement.objects.create(
        conversation=conversation,
        who=Agreement.Who.PARENT,
        what="Elke avond samen lezen.",
        due_on=timezone.localdate() + dt.timedelta(days=21),
    )
    return conversation


def _log_in(page, live_server) -> None:
    page.goto(f"{live_server.url}/inloggen/")
    page.get_by_label("Gebruikersnaam of e-mailadres").fill("demo-teacher")
    page.get_by_label("Wachtwoord").fill("demo")
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_url(f"{live_server.url}/")
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])


def _open(page, live_server, path: str) -> None:
    page.goto(f"{live_server.url}{path}")
    # Scripts load deferred; a person never types before they have.
    page.wait_for_load_state("load")


def _summary(conversation: Conversation) -> str:
    return ConversationText.objects.get(conversation=conversation, key="summary").text


def test_it_lets_a_teacher_finish_and_share_the_summary(held, page, live_server):
    _log_in(page, live_server)
    _open(page, live_server, f"/gesprekken/{held.pk}/verslag/")
    box = page.get_by_label("Summary for the parents")
    expect(box).to_have_value(re.compile(r"^Beste "))
    expect(box).to_have_value(re.compile("Vriendjes op het plein"))

    text = box.input_value()
    start = text.index("[Schrijf hier")
    end = text.index("]", start) + 1
    box.fill(text[:start] + "We spraken over vriendjes. Het gaat goed." + text[end:])
    expect(page.locator("#status-summary")).to_contain_text("Saved")
    page.get_by_role("button", name="Mark as shared with the parents").click()

    expect(page.get_by_text("The summary is marked as shared with the parents.")).to_be_visible()
    held.refresh_from_db()
    assert held.summary_shared_at is not None
    assert "Het gaat goed." in _summary(held)
    assert page.console_errors == []


def test_it_asks_in_place_before_making_the_summary_again(held, page, live_server):
    ConversationText.objects.create(
        conversation=held, key="summary", text="Eigen tekst.", version=1
    )
    _log_in(page, live_server)
    _open(page, live_server, f"/gesprekken/{held.pk}/verslag/")
    url = page.url

    page.get_by_role("button", name="Make again from the conversation").click()
    expect(
        page.get_by_role("heading", name="Replace the summary with a new draft?")
    ).to_be_visible()
    assert page.url == url
    expect(page.get_by_label("The new draft")).to_have_value(re.compile("Vriendjes op het plein"))
    assert _summary(held) == "Eigen tekst."

    page.get_by_role("button", name="Yes, replace my text").click()
    expect(page.get_by_text("The summary is made again from the conversation.")).to_be_visible()
    assert _summary(held).startswith("Beste ")
    assert page.console_errors == []


def test_it_updates_the_suggestion_while_rating(held, page, live_server):
    _log_in(page, live_server)
    _open(page, live_server, f"/gesprekken/{held.pk}/reflectie/")
    suggestion = page.locator("#suggestion")
    expect(suggestion).to_contain_text("This is the date of the first open agreement")

    parents = page.get_by_role("group", name="The parents")
    parents.get_by_role("group", name="Relatedness").get_by_label("a little").check()
    expect(suggestion).to_contain_text("A need of the parents scored low.")
    suggestion.get_by_role("button", name="Use this suggestion").click()

    expect(page.get_by_text("The suggested next contact is filled in.")).to_be_visible()
    soon = timezone.localdate() + dt.timedelta(days=14)
    expect(page.get_by_label("Date", exact=True)).to_have_value(soon.isoformat())
    held.refresh_from_db()
    assert held.parent_relatedness == 2
    assert held.next_contact_on == soon
    assert page.console_errors == []


def test_it_fits_the_follow_up_pages_on_a_phone(held, phone_page, live_server):
    ConversationText.objects.create(conversation=held, key="summary", text="Verslag.", version=1)
    _log_in(phone_page, live_server)
    for path in ("verslag", "verslag/afdrukken", "reflectie"):
        _open(phone_page, live_server, f"/gesprekken/{held.pk}/{path}/")
        assert phone_page.evaluate("document.documentElement.scrollWidth") <= 360, path
    _open(phone_page, live_server, f"/gesprekken/{held.pk}/verslag/afdrukken/")
    expect(phone_page.get_by_role("button", name="Print", exact=True)).to_be_visible()
    assert phone_page.console_errors == []

from __future__ import annotations

import re
import time

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from conversations.models import AgendaItem, Conversation, ConversationText

pytestmark = pytest.mark.django_db(transaction=True)


def _log_in(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/inloggen/")
    page.get_by_label("Gebruikersnaam of e-mailadres").fill(username)
    page.get_by_label("Wachtwoord").fill("secret-pw")
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_url(f"{live_server.url}/")
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])


def _open_meeting(page, live_server, conversation) -> None:
    page.goto(f"{live_server.url}{reverse('meeting_mode', args=[conversation.pk])}")
    # Scripts load deferred; a person never taps before they have.
    page.wait_for_load_state("load")


def _wait_for(condition, seconds: float = 8.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return condition()


@pytest.fixture
def agenda_item(conversation):
    return AgendaItem.objects.create(conversation=conversation, title="Hoe gaat het thuis?")


def test_it_measures_who_speaks_and_keeps_the_shares(
    page, live_server, teacher, conversation, agenda_item
):
    _log_in(page, live_server, teacher.username)
    _open_meeting(page, live_server, conversation)
    meter = page.locator("[data-meter]")
    parent = meter.get_by_role("button", name="Parent(s)")
    me = meter.get_by_role("button", name="Me", exact=True)

    parent.click()
    expect(parent).to_have_attribute("aria-pressed", "true")
    page.wait_for_timeout(2200)
    me.click()
    expect(me).to_have_attribute("aria-pressed", "true")
    expect(parent).to_have_attribute("aria-pressed", "false")
    page.wait_for_timeout(1200)
    meter.get_by_role("button", name="Pause").click()
    expect(me).to_have_attribute("aria-pressed", "false")

    # The shares show: the parent spoke about two seconds, the professional one.
    expect(meter.locator("[data-share='parent']")).to_have_text(re.compile(r"^(6\d|7\d)%$"))
    expect(meter.locator("[data-share='professional']")).to_have_text(re.compile(r"^(2\d|3\d)%$"))
    expect(meter.locator("[data-live]")).to_contain_text("Parent(s)")

    def stored() -> bool:
        conversation.refresh_from_db()
        return conversation.talk_parent_seconds >= 2 and conversation.talk_professional_seconds >= 1

    assert _wait_for(stored)
    assert conversation.talk_parent_seconds <= 3
    assert conversation.talk_professional_seconds <= 2
    assert conversation.talk_child_seconds == 0
    assert page.console_errors == []


def test_it_autosaves_agenda_notes(page, live_server, teacher, conversation, agenda_item):
    _log_in(page, live_server, teacher.username)
    _open_meeting(page, live_server, conversation)
    # The notes form's save button is only for pages without JavaScript.
    expect(page.get_by_role("button", name="Save notes")).to_be_hidden()

    page.get_by_label("Hoe gaat het thuis?").fill("Slaapt slecht sinds de verhuizing.")
    expect(page.locator(f"#status-{agenda_item.notes_key}")).to_contain_text("Saved")

    def saved() -> bool:
        text = ConversationText.objects.filter(
            conversation=conversation, key=agenda_item.notes_key
        ).first()
        return text is not None and text.text == "Slaapt slecht sinds de verhuizing."

    assert _wait_for(saved)
    assert page.console_errors == []


def test_it_marks_the_conversation_held(page, live_server, teacher, conversation, agenda_item):
    _log_in(page, live_server, teacher.username)
    _open_meeting(page, live_server, conversation)
    page.get_by_role("button", name="Parent(s)").click()
    page.wait_for_timeout(1200)
    page.get_by_role("button", name="Conversation finished").click()
    expect(page.get_by_text("The conversation is marked as held.")).to_be_visible()
    conversation.refresh_from_db()
    assert conversation.status == Conversation.Status.HELD
    # Leaving the page while the meter ran still keeps the time.
    assert _wait_for(lambda: (conversation.refresh_from_db(), conversation.talk_parent_seconds)[1])
    assert page.console_errors == []


def test_it_works_on_a_phone_with_the_meter_first(
    phone_page, live_server, teacher, conversation, agenda_item
):
    _log_in(phone_page, live_server, teacher.username)
    _open_meeting(phone_page, live_server, conversation)
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 360
    meter_top = phone_page.locator(".meeting__meter").bounding_box()["y"]
    agenda_top = phone_page.locator("#agenda-heading").bounding_box()["y"]
    assert meter_top < agenda_top
    phone_page.locator("summary", has_text="The parent is angry").click()
    expect(phone_page.get_by_text("I will not be shouted at", exact=False)).to_be_visible()
    assert phone_page.console_errors == []


def test_it_works_without_javascript(browser, live_server, teacher, conversation, agenda_item):
    context = browser.new_context(java_script_enabled=False, locale="nl-NL")
    page = context.new_page()
    conversation.talk_professional_seconds = 60
    conversation.talk_parent_seconds = 120
    conversation.save()
    _log_in(page, live_server, teacher.username)
    _open_meeting(page, live_server, conversation)
    expect(page.locator("[data-meter]")).to_be_hidden()
    expect(page.get_by_text("Stored talk time: professional 33%, parents 67%")).to_be_visible()

    page.get_by_label("Hoe gaat het thuis?").fill("Zonder JavaScript opgeslagen.")
    page.get_by_role("button", name="Save notes").click()
    expect(page.get_by_text("Your notes are saved.")).to_be_visible()
    text = ConversationText.objects.get(conversation=conversation, key=agenda_item.notes_key)
    assert text.text == "Zonder JavaScript opgeslagen."
    context.close()


def test_it_stops_a_meter_that_another_tab_has_overtaken(
    page, live_server, teacher, conversation, agenda_item
):
    _log_in(page, live_server, teacher.username)
    _open_meeting(page, live_server, conversation)
    # Meanwhile another tab saved far more time.
    Conversation.objects.filter(pk=conversation.pk).update(talk_parent_seconds=600)
    meter = page.locator("[data-meter]")
    meter.get_by_role("button", name="Me", exact=True).click()
    page.wait_for_timeout(1200)
    meter.get_by_role("button", name="Pause").click()
    expect(meter.get_by_role("alert")).to_contain_text("another tab or on another device")
    expect(meter.get_by_role("button", name="Parent(s)")).to_be_disabled()
    conversation.refresh_from_db()
    assert (conversation.talk_professional_seconds, conversation.talk_parent_seconds) == (0, 600)

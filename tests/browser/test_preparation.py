"""Guided preparation in a real browser: texts save as they are typed, never
silently overwrite another tab, survive a lost connection, and the sheet
prints on one A4 page."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from conversations.models import AgendaItem, Audience, ChosenPrompt, ConversationText
from conversations.steps import PARENT_NEED_KEYS

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "secret-pw"  # tests.factories.make_user


def _log_in(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/inloggen/")
    page.get_by_label("Gebruikersnaam of e-mailadres").fill(username)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_url(f"{live_server.url}/")
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])


def _open(page, url: str) -> None:
    page.goto(url)
    # Scripts load deferred; a person never types before they have.
    page.wait_for_load_state("load")


def _step_url(live_server, conversation, slug: str) -> str:
    return live_server.url + reverse("preparation_step", args=[conversation.pk, slug])


def _stored(conversation, key: str) -> str | None:
    text = ConversationText.objects.filter(conversation=conversation, key=key).first()
    return text.text if text else None


def test_it_saves_while_typing_and_keeps_the_text(page, live_server, teacher, conversation):
    _log_in(page, live_server, teacher.username)
    _open(page, _step_url(live_server, conversation, "wat-gaat-goed"))

    box = page.get_by_label("What goes well? What do I appreciate in this child?")
    box.fill("Emre helps others tidy up.")

    expect(page.locator("#status-prep_going_well")).to_contain_text("Saved")
    page.reload()
    page.wait_for_load_state("load")
    expect(box).to_have_value("Emre helps others tidy up.")
    assert _stored(conversation, "prep_going_well") == "Emre helps others tidy up."
    assert page.console_errors == []


def test_it_never_overwrites_another_tab(page, browser, live_server, teacher, conversation):
    other = browser.new_context(locale="nl-NL").new_page()
    url = _step_url(live_server, conversation, "wat-gaat-goed")
    for each in (page, other):
        _log_in(each, live_server, teacher.username)
        _open(each, url)
    label = "What goes well? What do I appreciate in this child?"

    other.get_by_label(label).fill("Typed in the other tab.")
    expect(other.locator("#status-prep_going_well")).to_contain_text("Saved")
    page.get_by_label(label).fill("Typed in this tab.")

    expect(page.locator("#status-prep_going_well")).to_contain_text(
        "someone else changed this text"
    )
    expect(page.locator("#theirs-prep_going_well")).to_have_value("Typed in the other tab.")
    expect(page.get_by_label(label)).to_have_value("Typed in this tab.")
    assert _stored(conversation, "prep_going_well") == "Typed in the other tab."

    # Saving my version is a deliberate choice.
    page.get_by_role("button", name="Save my version").click()
    expect(page.locator("#status-prep_going_well")).to_contain_text("Saved")
    assert _stored(conversation, "prep_going_well") == "Typed in this tab."
    other.context.close()


def test_it_keeps_the_text_without_a_connection_and_saves_it_later(
    page, live_server, teacher, conversation
):
    _log_in(page, live_server, teacher.username)
    _open(page, _step_url(live_server, conversation, "nodig-en-bieden"))
    box = page.get_by_label("What can I offer?")

    page.context.set_offline(True)
    box.fill("A chat at pick-up every Friday.")

    status = page.locator("#status-prep_can_offer")
    expect(status).to_contain_text("Not saved: no connection")
    expect(box).to_have_value("A chat at pick-up every Friday.")
    assert _stored(conversation, "prep_can_offer") is None

    page.context.set_offline(False)
    expect(status).to_contain_text("Saved", timeout=15_000)
    assert _stored(conversation, "prep_can_offer") == "A chat at pick-up every Friday."
    page.console_errors.clear()  # the browser logs the failed request


def test_it_moves_to_the_next_step_only_after_saving(page, live_server, teacher, conversation):
    _log_in(page, live_server, teacher.username)
    _open(page, _step_url(live_server, conversation, "wat-gaat-goed"))

    # Typed and moved on at once, before the pause that starts a save.
    page.get_by_label("What would I like to learn about the child at home?").fill("Bedtime.")
    page.get_by_role("button", name="Next: Parents beforehand").click()

    expect(page.get_by_role("heading", level=2)).to_have_text("Parents beforehand")
    expect(page).to_have_url(_step_url(live_server, conversation, "ouders-vooraf"))
    expect(page).to_have_title(re.compile(r"^Parents beforehand · "))
    expect(page.get_by_role("heading", level=2)).to_be_focused()
    assert _stored(conversation, "prep_learn_at_home") == "Bedtime."
    expect(page.locator("[aria-current='step']")).to_contain_text("Parents beforehand")
    expect(page.locator(".prep-steps__progress")).to_have_text("1 of 6 steps filled in")
    assert page.console_errors == []


def test_it_ticks_needs_and_builds_an_agenda(page, live_server, teacher, conversation):
    _log_in(page, live_server, teacher.username)
    _open(page, _step_url(live_server, conversation, "ouders"))

    page.get_by_label("The parents have little time").check()
    expect(page.locator("#choices-status")).to_contain_text("Saved")
    expect(page.get_by_text("Offer a choice of times")).to_be_visible()

    page.get_by_role("button", name="Next: Agenda").click()
    expect(page.get_by_role("heading", level=2)).to_have_text("Agenda")
    add = page.get_by_role("form", name="Add a topic")
    for title, source in [("What goes well", "professional"), ("Mornings at home", "parent")]:
        add.get_by_label("Topic").fill(title)
        add.get_by_label("Raised by").select_option(source)
        add.get_by_label("Minutes").fill("20")
        add.get_by_role("button", name="Add topic").click()
        expect(page.locator(".prep-agenda__title", has_text=title)).to_be_visible()

    expect(page.locator(".prep-agenda__title")).to_have_text(["Mornings at home", "What goes well"])
    expect(page.get_by_text("That is 10 minutes more than planned.")).to_be_visible()
    conversation.refresh_from_db()
    assert conversation.parent_needs == ["busy"]
    assert page.console_errors == []


def test_it_prepares_without_javascript(browser, live_server, teacher, conversation):
    context = browser.new_context(java_script_enabled=False, locale="nl-NL")
    page = context.new_page()
    _log_in(page, live_server, teacher.username)
    _open(page, _step_url(live_server, conversation, "wat-gaat-goed"))

    page.get_by_label("What goes well? What do I appreciate in this child?").fill("Kind.")
    page.get_by_role("button", name="Next: Parents beforehand").click()

    expect(page).to_have_url(_step_url(live_server, conversation, "ouders-vooraf"))
    assert _stored(conversation, "prep_going_well") == "Kind."
    page.get_by_role("button", name="Previous").click()
    expect(page.get_by_label("What goes well? What do I appreciate in this child?")).to_have_value(
        "Kind."
    )
    context.close()


def test_it_prints_a_welbevindengesprek_on_one_a4_page(page, live_server, teacher, conversation):
    paragraph = (
        "Emre starts the day calmly, helps others tidy up and tells about his weekend with "
        "pride. He likes to draw and shows his drawings to everyone in the group. "
    )
    for step_key in (
        "prep_going_well",
        "prep_learn_at_home",
        "prep_need_from_parents",
        "prep_can_offer",
        "prep_cannot_meet",
        "prep_parent_needs_note",
    ):
        ConversationText.objects.create(
            conversation=conversation, key=step_key, text=paragraph * 2, version=1
        )
    for number in range(8):
        ChosenPrompt.objects.create(
            conversation=conversation,
            audience=Audience.PARENT,
            text=f"Question {number}: what does your child need to feel at home in the group?",
            position=number,
        )
    for number in range(6):
        AgendaItem.objects.create(
            conversation=conversation, title=f"Topic {number} of the talk", minutes=5
        )
    conversation.parent_needs = list(PARENT_NEED_KEYS[:4])
    conversation.save()

    _log_in(page, live_server, teacher.username)
    _open(page, live_server.url + reverse("preparation_print", args=[conversation.pk]))
    expect(page.get_by_text("Question 7:")).to_be_visible()
    pdf = page.pdf(format="A4")

    assert len(re.findall(rb"/Type\s*/Page(?!s)", pdf)) == 1


def test_it_fits_a_phone_screen(phone_page, live_server, teacher, conversation):
    _log_in(phone_page, live_server, teacher.username)
    for slug in ("wat-gaat-goed", "vragen", "ouders", "agenda"):
        _open(phone_page, _step_url(live_server, conversation, slug))
        assert phone_page.evaluate("document.documentElement.scrollWidth") <= 360, slug
    _open(phone_page, live_server.url + reverse("preparation_print", args=[conversation.pk]))
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 360
    assert phone_page.console_errors == []

"""The teacher sends a parent their private link, in a real browser: makes
the link, copies it with one click, emails the invitation, prints the letter
on one A4 page, and reads the answers once the parent has answered."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from playwright.sync_api import expect

from conversations import parent_links
from conversations.models import ParentLink, QuestionnaireAnswer
from conversations.services import agenda_sync_parent_topics
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "secret-pw"  # tests.factories.make_user


def _log_in(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/inloggen/")
    page.get_by_label("Gebruikersnaam of e-mailadres").fill(username)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_url(f"{live_server.url}/")
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])


def _open_step(page, live_server, conversation) -> None:
    page.goto(
        live_server.url + reverse("preparation_step", args=[conversation.pk, "ouders-vooraf"])
    )
    page.wait_for_load_state("load")


def test_it_sends_a_parent_the_link_and_shows_the_answers(page, live_server, teacher, conversation):
    ayse = conversation.child.family.guardians.get()
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    _log_in(page, live_server, teacher.username)
    _open_step(page, live_server, conversation)
    card = page.locator(f"#guardian-{ayse.pk}")
    expect(card).to_contain_text("No link yet")

    card.get_by_label("Language of the questions").select_option("tr")
    card.get_by_role("button", name="Make a link").click()

    expect(page.get_by_role("status").first).to_contain_text("The link for Ayşe Yilmaz is ready.")
    link = ParentLink.objects.get(conversation=conversation, guardian=ayse)
    url = live_server.url + reverse("parent_home", args=[parent_links.token_of(link)])
    box = card.get_by_label("Ayşe's link")
    expect(box).to_have_value(url)
    expect(box).to_have_attribute("readonly", "")

    card.get_by_role("button", name="Copy link").click()

    expect(card.locator("[data-copy-status]")).to_have_text(
        "Copied. Paste the link into a message to the parent."
    )
    assert page.evaluate("navigator.clipboard.readText()") == url

    card.get_by_role("button", name="Email the invitation").click()

    expect(page.get_by_role("status").first).to_contain_text(
        f"The invitation is emailed to Ayşe Yilmaz ({ayse.email})."
    )
    [message] = mail.outbox
    assert url in message.body
    assert message.extra_headers["Content-Language"] == "tr"
    expect(card).to_contain_text("emailed on")
    expect(card.get_by_role("button", name="Email the invitation again")).to_be_visible()

    # The parent answers on their phone (here: straight into the database).
    for question, choices, text, language in (
        ("feeling", ["good"], "", ""),
        ("topics", ["friends", "learning"], "", ""),
        ("anything_else", [], "Emre kardeşini çok seviyor.", "tr"),
        ("interpreter", ["tr"], "", ""),
    ):
        QuestionnaireAnswer.objects.create(
            link=link, question=question, choices=choices, text=text, text_language=language
        )
    agenda_sync_parent_topics(conversation=conversation)
    page.reload()
    page.wait_for_load_state("load")

    answers = card.locator(".parent-link__answers")
    expect(answers).to_contain_text("What Ayşe answered")
    expect(answers).to_contain_text("Good")
    expect(answers.locator("ol li")).to_have_text(
        ["Friends and playing together", "Learning and development"]
    )
    free_text = answers.locator("q[lang='tr']")
    expect(free_text).to_have_text("Emre kardeşini çok seviyor.")
    expect(free_text).to_have_attribute("dir", "auto")
    expect(answers).to_contain_text("(Turkish)")
    notice = page.locator("#interpreter-notice")
    expect(notice).to_contain_text("Ayşe Yilmaz asks for an interpreter (Turkish).")

    notice.get_by_role("button", name="Plan an interpreter (Turkish) and 45 minutes").click()

    expect(page.locator("#interpreter-notice")).to_contain_text(
        "Planned: an interpreter (Turks) and 45 minutes."
    )
    conversation.refresh_from_db()
    assert conversation.interpreter
    assert conversation.duration_minutes == 45

    page.goto(live_server.url + reverse("preparation_step", args=[conversation.pk, "agenda"]))
    titles = page.locator(".prep-agenda__title")
    # Agenda titles are stored in the staff language, Dutch.
    expect(titles.nth(0)).to_have_text("Vriendjes en samen spelen")
    expect(titles.nth(1)).to_have_text("Leren en ontwikkeling")
    assert page.console_errors == []


def test_it_prints_the_letter_on_one_a4_page(page, live_server, teacher, conversation):
    guardian = conversation.child.family.guardians.get()
    guardian.email = ""
    guardian.save()
    link = factories.make_parent_link(conversation, guardian)
    _log_in(page, live_server, teacher.username)
    _open_step(page, live_server, conversation)
    card = page.locator(f"#guardian-{guardian.pk}")
    expect(card).to_contain_text("Ayşe has no email address.")
    expect(card.get_by_role("button", name=re.compile("^Email the invitation"))).to_have_count(0)

    card.get_by_role("link", name=re.compile("^Letter to print")).click()

    letter = page.locator("article.letter")
    expect(letter).to_have_attribute("lang", "tr")
    url = live_server.url + reverse("parent_home", args=[link.token])
    expect(letter.locator(".letter__url")).to_have_text(url)
    with translation.override("tr"):
        qr_name = gettext("QR code: the link to the questions")
    expect(letter.get_by_role("img", name=qr_name)).to_have_count(1)
    box = letter.locator(".letter__qr svg").bounding_box()
    assert box is not None
    assert box["width"] > 100
    page.emulate_media(media="print")
    expect(page.locator(".site-header")).to_be_hidden()
    pdf = page.pdf(format="A4")
    assert len(re.findall(rb"/Type\s*/Page\b", pdf)) == 1
    assert page.console_errors == []


def test_it_fits_the_step_on_a_phone(phone_page, live_server, teacher, conversation):
    factories.make_parent_link(conversation)
    _log_in(phone_page, live_server, teacher.username)
    _open_step(phone_page, live_server, conversation)

    expect(phone_page.get_by_role("button", name="Copy link")).to_be_visible()
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360
    assert phone_page.console_errors == []

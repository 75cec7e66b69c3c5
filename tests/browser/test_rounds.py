"""A teacher plans a meeting round in a real browser: makes the round, adds an
evening with a break, books a time on behalf of a parent after a phone call,
blocks a slot, and prints the day schedule on one A4 page."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from conversations.models import Booking, MeetingRound
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


def test_it_plans_a_round_books_for_a_parent_and_prints_the_day(
    page, live_server, teacher, group, child, family
):
    ayse = family.guardians.get()
    evening = timezone.localdate() + dt.timedelta(days=12)
    opens = timezone.localtime().replace(second=0, microsecond=0) - dt.timedelta(hours=1)
    _log_in(page, live_server, teacher.username)

    page.goto(live_server.url + reverse("home"))
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Meeting rounds").click()
    page.get_by_role("link", name="New round").click()
    page.get_by_label("Name").fill("Rapportgesprekken")
    page.get_by_label("Groep 3").check()
    page.get_by_label("10 minutes").check()
    page.get_by_label("Parents can book from").fill(opens.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Parents can book and change until").fill(
        (opens + dt.timedelta(days=7)).strftime("%Y-%m-%dT%H:%M")
    )
    page.get_by_role("button", name="Make the round").click()

    expect(page.get_by_role("status").first).to_contain_text(
        "The round is made, with a conversation for 1 child."
    )
    meeting_round = MeetingRound.objects.get()
    assert meeting_round.conversations.get().child == child

    page.get_by_role("link", name="Add a day").click()
    page.get_by_label("Day").fill(evening.isoformat())
    page.get_by_label("From", exact=True).fill("18:00")
    page.get_by_label("Until", exact=True).fill("19:00")
    page.get_by_label("Break from").fill("18:30")
    page.get_by_label("Break until").fill("18:40")
    page.get_by_label("Room").fill("Lokaal groep 3")
    page.get_by_role("button", name="Make the slots", exact=True).last.click()

    expect(page.get_by_role("status").first).to_contain_text("5 slots of 10 minutes are added on")
    slots = page.locator("li.slot")
    expect(slots).to_have_count(5)
    expect(page.locator(".slot__time")).to_have_text(
        ["18:00–18:10", "18:10–18:20", "18:20–18:30", "18:40–18:50", "18:50–19:00"]
    )

    # Ayşe phones: Emre's time please, at ten past six.
    page.get_by_role("link", name="Not booked yet: book or remind").click()
    expect(page.locator(".unbooked")).to_contain_text("Emre Yilmaz")
    page.get_by_role("link", name="Book a time for Emre").click()
    page.get_by_role("radio", name=re.compile("18:10–18:20")).check()
    page.get_by_role("button", name="Book this time").click()

    expect(page.get_by_role("status").first).to_contain_text("Booked. Emre:")
    expect(page.locator("li.slot").nth(1)).to_contain_text("Emre Yilmaz")
    expect(page.locator("li.slot").nth(1)).to_contain_text("both parents")
    held = Booking.objects.get()
    assert held.made_by == teacher
    assert [message.to for message in mail.outbox] == [[ayse.email]]

    # The last slot is kept free for a colleague: blocked in place (htmx).
    last = page.locator("li.slot").last
    last.get_by_role("button", name="Block 18:50").click()
    expect(page.locator("li.slot").last).to_contain_text("blocked")
    expect(page.locator("li.slot").last).to_contain_text("is blocked: nobody can book it.")
    assert meeting_round.slots.get(blocked=True).place == "Lokaal groep 3"

    page.get_by_role("link", name="Day schedule to print").click()
    sheet = page.locator("article.day-sheet")
    expect(sheet).to_contain_text("Emre Yilmaz")
    expect(sheet).to_contain_text("Ayşe Yilmaz")
    expect(sheet).to_contain_text("Lokaal groep 3")
    expect(page.get_by_role("button", name="Print")).to_be_visible()
    page.emulate_media(media="print")
    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.get_by_role("button", name="Print")).to_be_hidden()
    pdf = page.pdf(format="A4")
    assert len(re.findall(rb"/Type\s*/Page\b", pdf)) == 1
    assert page.console_errors == []


def test_it_fits_the_schedule_on_a_phone(phone_page, live_server, teacher, group, child):
    meeting_round = factories.make_round(teacher.memberships.get().location, [group], teacher)
    factories.make_slots(meeting_round, teacher)
    _log_in(phone_page, live_server, teacher.username)

    for url in (
        reverse("round_list"),
        reverse("round_detail", args=[meeting_round.pk]),
        reverse("round_slots_add", args=[meeting_round.pk]),
        reverse("round_unbooked", args=[meeting_round.pk]),
    ):
        phone_page.goto(live_server.url + url)
        width = phone_page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, url
    assert phone_page.console_errors == []

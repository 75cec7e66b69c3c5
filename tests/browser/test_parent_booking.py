"""A parent on a phone books a time through their link, then changes it; and
the booking pages have no serious accessibility problems, in Dutch and in
Arabic (right to left)."""

from __future__ import annotations

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.cache import cache
from django.urls import reverse
from playwright.sync_api import expect

from conversations import booking
from conversations.models import BookingSlot, QuestionnaireAnswer, Slot
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)

MIN_TARGET = 44


@pytest.fixture(autouse=True)
def _fresh_rate_limit():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def link(round_link):
    round_link.language = "en"
    round_link.save(update_fields=["language"])
    return round_link


def _slots(meeting_round, professional) -> list[Slot]:
    return list(
        Slot.objects.filter(meeting_round=meeting_round, professional=professional).order_by(
            "starts_at"
        )
    )


def _open(page, live_server, name: str, link, **kwargs) -> None:
    page.goto(live_server.url + reverse(name, kwargs={"token": link.token, **kwargs}))
    page.wait_for_load_state("load")


def _assert_fits_and_targets_are_large(page) -> None:
    width = page.viewport_size["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    small = page.evaluate(
        """(minimum) => [...document.querySelectorAll(
            'main .button, main .choice, main .booking-for__link, .language-switch select,'
            + ' .language-switch button')]
          .filter((el) => el.getBoundingClientRect().height < minimum)
          .map((el) => el.outerHTML.slice(0, 80))""",
        MIN_TARGET,
    )
    assert small == []


def test_it_lets_a_parent_book_and_change_a_time_on_a_phone(
    phone_page, live_server, link, meeting_round, round_conversation, teacher
):
    page = phone_page
    slots = _slots(meeting_round, teacher)
    _open(page, live_server, "parent_home", link)
    expect(page.locator(".facts")).to_contain_text("You have not chosen a time yet.")
    page.get_by_role("link", name="Choose a time").click()
    page.wait_for_url("**/afspraak/")
    expect(page.locator("h1")).to_have_text("Choose a time")
    expect(page.get_by_role("group", name="Free times")).to_be_visible()
    _assert_fits_and_targets_are_large(page)

    page.get_by_label(re.compile("18:20 – 18:30")).check()
    page.get_by_role("button", name="Book this time").click()
    page.wait_for_url("**/afspraak/")
    expect(page.get_by_role("status")).to_contain_text("Thank you! Your time is booked.")
    expect(page.locator("h1")).to_have_text("Your time")
    expect(page.locator(".held")).to_contain_text("18:20 to 18:30")
    expect(page.locator(".held")).to_contain_text("Teacher")
    assert list(
        BookingSlot.objects.filter(booking__conversation=round_conversation).values_list(
            "slot_id", flat=True
        )
    ) == [slots[2].pk]
    _assert_fits_and_targets_are_large(page)

    page.get_by_role("link", name="Change the time").click()
    page.get_by_label(re.compile("18:40 – 18:50")).check()
    page.get_by_role("button", name="Book this time instead").click()
    page.wait_for_url("**/afspraak/")
    expect(page.get_by_role("status")).to_contain_text("Your time is changed.")
    expect(page.locator(".held")).to_contain_text("18:40 to 18:50")
    assert list(
        BookingSlot.objects.filter(booking__conversation=round_conversation).values_list(
            "slot_id", flat=True
        )
    ) == [slots[4].pk]

    page.get_by_role("link", name="To the start page").click()
    expect(page.locator(".facts")).to_contain_text("at 18:40")
    expect(page.get_by_role("link", name="See or change your time")).to_be_visible()
    assert page.console_errors == []


def test_it_lets_a_parent_ask_for_an_interpreter_while_booking(
    phone_page, live_server, link, meeting_round, round_conversation, teacher
):
    page = phone_page
    _open(page, live_server, "parent_booking", link)
    page.get_by_role("link", name="We would like an interpreter").click()
    language = page.get_by_label("In which language?")
    expect(language).to_have_value("en")
    language.select_option(label="Turkish")
    _assert_fits_and_targets_are_large(page)
    page.get_by_label(re.compile("18:20 – 18:40")).check()
    page.get_by_role("button", name="Book this time").click()
    page.wait_for_url("**/afspraak/")
    expect(page.get_by_role("status")).to_contain_text("Thank you! Your time is booked.")
    expect(page.locator(".held")).to_contain_text("18:20 to 18:40")
    expect(page.get_by_text("You asked for an interpreter.", exact=False)).to_be_visible()
    answer = QuestionnaireAnswer.objects.get(link=link, question="interpreter")
    assert answer.choices == ["tr"]
    assert page.console_errors == []


def test_it_cancels_after_a_second_step_without_javascript(
    browser, live_server, link, meeting_round, round_conversation, teacher
):
    booking.booking_make(
        choice=[(round_conversation.pk, [_slots(meeting_round, teacher)[1].pk])], link=link
    )
    context = browser.new_context(java_script_enabled=False, viewport={"width": 360, "height": 740})
    page = context.new_page()
    _open(page, live_server, "parent_booking", link)
    page.get_by_role("button", name="Cancel the time").click()
    expect(page.locator("h1")).to_have_text("Cancel this time?")
    expect(page.locator(".held")).to_contain_text("18:10 to 18:20")
    assert BookingSlot.objects.filter(booking__conversation=round_conversation).exists()
    page.get_by_role("button", name="Yes, cancel this time").click()
    page.wait_for_url("**/afspraak/")
    expect(page.get_by_role("status")).to_contain_text("Your time is cancelled.")
    assert not BookingSlot.objects.filter(booking__conversation=round_conversation).exists()
    context.close()


@pytest.mark.parametrize("language", ["nl", "ar"])
@pytest.mark.parametrize("width", [1280, 360])
def test_it_has_no_serious_accessibility_problems(
    browser, live_server, link, meeting_round, round_conversation, family, teacher, language, width
):
    kemal = factories.make_guardian(family, first_name="Kemal", lives_with_children=False)
    kemal_link = factories.make_parent_link(round_conversation, kemal)
    booking.booking_make(
        choice=[(round_conversation.pk, [_slots(meeting_round, teacher)[0].pk])], link=link
    )
    for each in (link, kemal_link):
        each.language = language
        each.save(update_fields=["language"])
    context = browser.new_context(viewport={"width": width, "height": 800})
    page = context.new_page()
    axe = Axe()
    problems = []

    def check(what: str) -> None:
        problems.extend(
            f"{what}: {violation['id']} ({violation['impact']}) "
            f"{[node['target'] for node in violation['nodes']]}"
            for violation in axe.run(page).response["violations"]
            if violation["impact"] in {"serious", "critical"}
        )

    _open(page, live_server, "parent_booking", link)
    check("booking page with a booking")
    _open(page, live_server, "parent_home", link)
    check("start page")
    _open(page, live_server, "parent_booking", link)
    page.locator(".held form button").click()
    page.wait_for_load_state("load")
    check("cancel confirmation")
    _open(page, live_server, "parent_booking", kemal_link)
    check("booking page of a parent who lives apart")
    page.goto(
        live_server.url + reverse("parent_booking", args=[kemal_link.token]) + "?tolk=1#choose"
    )
    check("booking page with an interpreter")
    context.close()
    assert problems == []

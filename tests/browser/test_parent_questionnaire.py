"""A parent on a phone: the questionnaire by keyboard, autosave, Arabic from
right to left, and no serious accessibility problems on any parent page."""

from __future__ import annotations

import datetime as dt

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from conversations.models import ConversationText, QuestionnaireAnswer
from conversations.summary import SHARED_SUMMARY_KEY

pytestmark = pytest.mark.django_db(transaction=True)

MIN_TARGET = 44


@pytest.fixture(autouse=True)
def _fresh_rate_limit():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def link(parent_link, conversation):
    conversation.date = timezone.localdate() + dt.timedelta(days=5)
    conversation.start_time = dt.time(15, 30)
    conversation.save()
    parent_link.language = "en"
    parent_link.save(update_fields=["language"])
    return parent_link


@pytest.fixture
def shared_link(other_family_link):
    """A link whose conversation was held and its summary shared."""
    conversation = other_family_link.conversation
    ConversationText.objects.create(
        conversation=conversation,
        key=SHARED_SUMMARY_KEY,
        text="Noor speelt graag buiten.\n\nWe spraken af: elke avond samen lezen.",
        version=1,
    )
    conversation.summary_shared_at = timezone.now()
    conversation.status = conversation.Status.HELD
    conversation.save()
    other_family_link.language = "en"
    other_family_link.save(update_fields=["language"])
    return other_family_link


def _open(page, live_server, name: str, link, **kwargs) -> None:
    page.goto(live_server.url + reverse(name, kwargs={"token": link.token, **kwargs}))
    page.wait_for_load_state("load")


def _tab_to(page, selector: str, limit: int = 40) -> None:
    """Press Tab until the element matching `selector` has the focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"document.activeElement.matches({selector!r})"):
            return
    raise AssertionError(f"Tab never reached {selector}")


def _assert_fits_and_targets_are_large(page) -> None:
    width = page.viewport_size["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    small = page.evaluate(
        """(minimum) => [...document.querySelectorAll(
            'main .button, main .choice, main select, main input[type=text], main textarea,'
            + ' .language-switch select, .language-switch button')]
          .filter((el) => el.getBoundingClientRect().height < minimum)
          .map((el) => el.outerHTML.slice(0, 80))""",
        MIN_TARGET,
    )
    assert small == []


def test_it_lets_a_parent_answer_on_a_phone_with_the_keyboard(phone_page, live_server, link):
    page = phone_page
    _open(page, live_server, "parent_home", link)
    expect(page.locator("h1")).to_have_text("Conversation about Emre")
    _assert_fits_and_targets_are_large(page)

    _tab_to(page, "a.button--primary")
    page.keyboard.press("Enter")
    page.wait_for_url("**/vragen/1/")
    expect(page.get_by_text("Question 1 of 8")).to_be_visible()
    _assert_fits_and_targets_are_large(page)

    # Question 1: the first answer by Tab, then the arrow key moves to the next.
    _tab_to(page, "input[type=radio]")
    page.keyboard.press("Space")
    page.keyboard.press("ArrowDown")
    expect(page.get_by_label("Good", exact=True)).to_be_checked()
    _tab_to(page, "button[value=next]")
    page.keyboard.press("Enter")
    page.wait_for_url("**/vragen/2/")

    # Question 2: two ticks and a few words, saved while typing.
    _tab_to(page, "input[type=checkbox][value=familiar_face]")
    page.keyboard.press("Space")
    _tab_to(page, "input[type=checkbox][value=quiet]")
    page.keyboard.press("Space")
    _tab_to(page, "textarea")
    page.keyboard.type("Her rabbit Bolle")
    expect(page.locator("#save-status")).to_contain_text("Saved at")
    answer = QuestionnaireAnswer.objects.get(link=link, question="happy_safe")
    assert answer.choices == ["familiar_face", "quiet"]
    assert answer.text == "Her rabbit Bolle"
    _tab_to(page, "button[value=next]")
    page.keyboard.press("Enter")
    page.wait_for_url("**/vragen/3/")

    # Question 3 by touch, the topics by keyboard again.
    page.get_by_label("Books and stories").check()
    page.get_by_role("button", name="Next", exact=True).click()
    page.wait_for_url("**/vragen/4/")
    _assert_fits_and_targets_are_large(page)
    _tab_to(page, "select[name=rank_1]")
    page.keyboard.type("Health")
    _tab_to(page, "select[name=rank_2]")
    page.keyboard.type("Friends")
    _tab_to(page, "button[value=next]")
    page.keyboard.press("Enter")
    page.wait_for_url("**/vragen/5/")
    topics = QuestionnaireAnswer.objects.get(link=link, question="topics")
    assert topics.choices == ["health", "friends"]
    assert [item.topic for item in link.conversation.agenda_items.all()] == ["health", "friends"]

    # Stopping here keeps everything: the start page offers to continue at 5.
    _open(page, live_server, "parent_home", link)
    expect(page.get_by_text("You answered 4 of 8 questions")).to_be_visible()
    page.get_by_role("link", name="Continue").click()
    page.wait_for_url("**/vragen/5/")

    _open(page, live_server, "parent_review", link)
    expect(page.locator(".answers")).to_contain_text("Her rabbit Bolle")
    _assert_fits_and_targets_are_large(page)
    _tab_to(page, "#sent button")
    page.keyboard.press("Enter")
    expect(page.get_by_text("has your answers")).to_be_visible()
    link.refresh_from_db()
    assert link.submitted_at is not None
    assert page.console_errors == []


def test_it_works_without_javascript(browser, live_server, link):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 360, "height": 740})
    page = context.new_page()
    _open(page, live_server, "parent_question", link, number=5)
    page.get_by_label("Nothing at the moment").check()
    page.get_by_label("Tips to help my child at home").check()
    page.get_by_role("button", name="Next", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("“Nothing at the moment”")
    assert not QuestionnaireAnswer.objects.filter(question="support").exists()
    page.get_by_label("Nothing at the moment").uncheck()
    page.get_by_role("button", name="Next", exact=True).click()
    page.wait_for_url("**/vragen/6/")
    assert QuestionnaireAnswer.objects.get(question="support").choices == ["tips"]
    page.get_by_label("Language", exact=True).select_option("pl")
    page.get_by_role("button", name="Change").click()
    page.wait_for_url("**/vragen/6/")
    expect(page.locator("html")).to_have_attribute("lang", "pl")
    context.close()


def _box(page, selector: str) -> dict:
    return page.locator(selector).first.bounding_box()


def test_it_mirrors_the_layout_in_arabic(page, live_server, link):
    _open(page, live_server, "parent_question", link, number=2)
    ltr_brand, ltr_switch = _box(page, ".brand"), _box(page, ".language-switch")
    ltr_box, ltr_label = _box(page, ".choice input"), _box(page, ".choice span")
    assert ltr_brand["x"] < ltr_switch["x"]
    assert ltr_box["x"] < ltr_label["x"]

    page.get_by_label("Language", exact=True).select_option("ar")
    page.get_by_role("button", name="Change").click()
    page.wait_for_url("**/vragen/2/")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("html")).to_have_attribute("lang", "ar")
    assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
    rtl_brand, rtl_switch = _box(page, ".brand"), _box(page, ".language-switch")
    rtl_box, rtl_label = _box(page, ".choice input"), _box(page, ".choice span")
    assert rtl_brand["x"] > rtl_switch["x"]
    assert rtl_box["x"] > rtl_label["x"]
    link.refresh_from_db()
    assert link.language == "ar"
    assert page.console_errors == []


def test_it_shows_the_summary_text_left_to_right_inside_an_arabic_page(
    page, live_server, shared_link
):
    shared_link.language = "ar"
    shared_link.save(update_fields=["language"])
    _open(page, live_server, "parent_summary", shared_link)
    text = page.locator(".summary-text")
    expect(text).to_have_attribute("lang", "nl")
    assert text.evaluate("(el) => getComputedStyle(el).direction") == "ltr"
    assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
    page.locator("#reply button[type=submit]").click()
    expect(page.locator("#reply .notice--success")).to_be_visible()
    shared_link.refresh_from_db()
    assert shared_link.summary_confirmed_version == 1


@pytest.mark.parametrize("language", ["nl", "ar"])
@pytest.mark.parametrize("width", [1280, 360])
def test_it_has_no_serious_accessibility_problems(
    browser, live_server, link, shared_link, language, width
):
    for each in (link, shared_link):
        each.language = language
        each.save(update_fields=["language"])
    context = browser.new_context(viewport={"width": width, "height": 800})
    page = context.new_page()
    axe = Axe()
    pages = [
        ("parent_home", link, {}),
        ("parent_question", link, {"number": 4}),
        ("parent_question", link, {"number": 7}),
        ("parent_review", link, {}),
        ("parent_summary", shared_link, {}),
        ("parent_home", shared_link, {}),
    ]
    problems = []
    for name, each, kwargs in pages:
        _open(page, live_server, name, each, **kwargs)
        results = axe.run(page)
        problems += [
            f"{name} {kwargs}: {violation['id']} ({violation['impact']}) "
            f"{[node['target'] for node in violation['nodes']]}"
            for violation in results.response["violations"]
            if violation["impact"] in {"serious", "critical"}
        ]
    page.goto(live_server.url + reverse("parent_home", args=["A" * 43]))
    problems += [
        f"refusal: {violation['id']}"
        for violation in axe.run(page).response["violations"]
        if violation["impact"] in {"serious", "critical"}
    ]
    context.close()
    assert problems == []

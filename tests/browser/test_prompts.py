"""A coordinator adds a question to the location's library, finds it with the
filters and retires it."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from families.models import Location

pytestmark = pytest.mark.django_db(transaction=True)

QUESTION = "Wat doet je kind graag samen met opa en oma?"


@pytest.fixture
def demo(settings):
    settings.DEMO_USERS_ENABLED = True
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    return Location.objects.get(name="Kindcentrum De Vlinderboom")


def _log_in(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/inloggen/")
    page.get_by_label("Gebruikersnaam of e-mailadres").fill(username)
    page.get_by_label("Wachtwoord").fill("demo")
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_url(f"{live_server.url}/")
    # The Dutch catalog for these pages is merged later: read them in English.
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])


def test_it_lets_a_coordinator_add_filter_and_retire_a_question(demo, page, live_server):
    _log_in(page, live_server, "demo-coordinator")
    page.goto(f"{live_server.url}{demo.get_absolute_url()}")
    page.get_by_role("link", name="Question library").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Question library")

    page.get_by_role("link", name="Add a question").click()
    page.wait_for_load_state("load")
    page.get_by_label("Text in Dutch").fill(QUESTION)
    page.get_by_label("Relatedness").check()
    page.get_by_label("Question for the parent").check()
    page.get_by_label("Explore").check()
    page.get_by_label("Informal contact").check()
    page.get_by_role("button", name="Add to the library").click()

    expect(page.get_by_text("is added to the library")).to_be_visible()
    page.wait_for_load_state("load")

    # The filters swap the results in place and keep the address shareable.
    page.get_by_label("For whom").select_option("parent")
    page.get_by_label("Kind of conversation").select_option("informal")
    expect(page).to_have_url(re.compile(r"audience=parent.*kind=informal"))
    row = page.get_by_role("row").filter(has_text=QUESTION)
    expect(row).to_be_visible()
    page.get_by_label("For whom").select_option("child")
    expect(page).to_have_url(re.compile(r"audience=child"))
    expect(page.locator("#prompt-results").get_by_text(QUESTION)).to_have_count(0)
    page.get_by_label("For whom").select_option("parent")

    row = page.get_by_role("row").filter(has_text=QUESTION)
    row.get_by_role("button", name=re.compile("^Retire")).click()
    expect(page.get_by_text("is retired")).to_be_visible()
    # Back on the same filtered list, now with the question among the retired.
    expect(page).to_have_url(re.compile(r"audience=parent"))
    retired = page.get_by_role("region", name="Retired questions")
    expect(retired.get_by_text(QUESTION, exact=True)).to_be_visible()
    expect(retired.get_by_role("button", name=re.compile("^Put back"))).to_be_visible()
    assert page.console_errors == []


def test_it_fits_the_library_on_a_phone(demo, phone_page, live_server):
    _log_in(phone_page, live_server, "demo-coordinator")
    phone_page.goto(f"{live_server.url}/locaties/{demo.pk}/vragen/")
    expect(phone_page.get_by_role("heading", level=1)).to_have_text("Question library")
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 360
    phone_page.goto(f"{live_server.url}/locaties/{demo.pk}/vragen/nieuw/")
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 360
    assert phone_page.console_errors == []
